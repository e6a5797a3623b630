"""The admin portal's Settings page (R2.1).

Every admin may read it; changing it needs the settings permission on every
location (organizations.permissions.can_manage_organization_settings).
"""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render

from organizations.decorators import admin_portal_view
from organizations.models import Organization
from organizations.permissions import can_manage_organization_settings
from organizations.services import organization_update_settings


class CommunitySettingsForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = [
            "contacts_manage_team",
            # Invitations, the automatic Former and privacy defaults (R4.3, R4.7, R5.2).
            "invitation_reminders",
            "auto_former_on_membership_end",
            "members_see_email",
            "members_see_phone",
        ]
        # What the defaults do, where they have an effect (members/privacy.py).
        help_texts = {
            "members_see_email": "Where members see each other in the member portal (their "
            "company's contact and billing person). Each person may choose otherwise. A "
            "company's contact person, billing person and managers always see their "
            "teammates' email.",
            "members_see_phone": "Same places, and the team page. Each person may choose "
            "otherwise.",
        }

    def __init__(self, *args, disabled=False, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.disabled = disabled


@admin_portal_view
def settings_page(request):
    organization = request.organization
    allowed = can_manage_organization_settings(request.user, organization)
    if request.method == "POST" and not allowed:
        return render(
            request, "adminportal/settings.html", {"form": None, "allowed": False}, status=403
        )
    # A form over a copy, so a rejected POST cannot leave request.organization half-changed.
    form = CommunitySettingsForm(
        request.POST if request.method == "POST" else None,
        instance=Organization.objects.get(pk=organization.pk),
        disabled=not allowed,
    )
    if request.method == "POST" and form.is_valid():
        changed = organization_update_settings(
            organization=organization, actor=request.user, **form.cleaned_data
        )
        if not changed:
            messages.info(request, "Nothing changed.")
        elif "contacts_manage_team" not in changed:
            messages.success(request, "Settings saved.")
        elif organization.contacts_manage_team:
            messages.success(
                request,
                "Team management is on: contact persons, billing persons and managers now "
                "see “My team” in the member portal.",
            )
        else:
            messages.success(
                request,
                "Team management is off: contact persons can no longer change their team; "
                "their access was removed.",
            )
        return redirect("adminportal:settings", org_slug=organization.slug)
    return render(request, "adminportal/settings.html", {"form": form, "allowed": allowed})
