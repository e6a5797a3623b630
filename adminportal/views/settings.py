"""The admin portal's Settings page (R2.1) and the operator's brand on it.

Every admin may read it; changing it needs the settings permission on every
location (organizations.permissions.can_manage_organization_settings).
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from members.fields import column_field
from organizations.branding import DEFAULT_ACCENT
from organizations.decorators import admin_portal_view
from organizations.locale import language_of
from organizations.logo_files import LOGO_MAX_BYTES, LOGO_SIDE, prepare_logo
from organizations.models import Organization
from organizations.permissions import can_manage_organization_settings
from organizations.services import organization_update_brand, organization_update_settings
from organizations.time_zones import time_zone_names


class CommunitySettingsForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = [
            "contacts_manage_team",
            # Approval of members added by contact persons (R8.2).
            "contact_additions_need_approval",
            # Invitations, the automatic Former and privacy defaults (R4.3, R4.7, R5.2).
            "invitation_reminders",
            "auto_former_on_membership_end",
            "members_see_email",
            "members_see_phone",
        ]
        # What the defaults do, where they have an effect (members/privacy.py).
        help_texts = {
            "members_see_email": gettext_lazy(
                "Where members see each other in the member portal (their "
                "company's contact and billing person). Each person may choose otherwise. A "
                "company's contact person, billing person and managers always see their "
                "teammates' email."
            ),
            "members_see_phone": gettext_lazy(
                "Same places, and the team page. Each person may choose otherwise."
            ),
        }

    def __init__(self, *args, disabled=False, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.disabled = disabled


class LocaleSettingsForm(CommunitySettingsForm):
    """Language and time zone (issue 16): its own card and POST (``form=locale``)."""

    # One of the IANA names, chosen, not typed (the model's validator still checks).
    time_zone = forms.ChoiceField(
        label=gettext_lazy("Default time zone"),
        choices=[(name, name) for name in sorted(time_zone_names())],
        help_text=gettext_lazy(
            "Times are shown in it; a location may set its own. Dates are written the "
            "way each reader's language writes them."
        ),
    )

    class Meta:
        model = Organization
        fields = ["language", "time_zone"]
        help_texts = {
            "language": gettext_lazy(
                "Of both portals and every email, for each person who has not chosen "
                "their own on their account page."
            ),
        }


class BrandForm(forms.Form):
    name = column_field(
        Organization,
        "name",
        label=gettext_lazy("Name"),
        help_text=gettext_lazy("In both portals' header and as the sender name of every email."),
    )
    accent_colour = column_field(
        Organization,
        "accent_colour",
        help_text=gettext_lazy(
            "Buttons, links and the focus ring, as # and six hexadecimal digits (for "
            "example %(default)s, the default). Button text is white or black, whichever "
            "reads on it; as link text it is darkened where it would be too light."
        )
        % {"default": DEFAULT_ACCENT},
    )
    logo = forms.FileField(
        required=False,
        label=gettext_lazy("Logo"),
        help_text=gettext_lazy(
            "PNG or JPG, up to %(mb)s MB. Stored at most %(side)s pixels a side, without "
            "its metadata; shown 32 pixels high in the header and in emails."
        )
        % {"mb": LOGO_MAX_BYTES // 1024 // 1024, "side": LOGO_SIDE},
    )
    remove_logo = forms.BooleanField(required=False, label=gettext_lazy("Remove the logo"))

    def __init__(self, *args, disabled=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["accent_colour"].widget.attrs.update(
            {"placeholder": DEFAULT_ACCENT, "pattern": "#[0-9a-fA-F]{6}", "size": 8}
        )
        for field in self.fields.values():
            field.disabled = disabled

    def clean_accent_colour(self):
        return self.cleaned_data["accent_colour"].strip().lower()

    def clean_logo(self):
        upload = self.cleaned_data.get("logo")
        # Checked and re-encoded here: the action stores what is safe to keep.
        return prepare_logo(upload) if upload else None


def _brand_form(organization, data=None, files=None, *, allowed):
    return BrandForm(
        data,
        files,
        initial={"name": organization.name, "accent_colour": organization.accent_colour},
        disabled=not allowed,
    )


def _page(request, *, form=None, brand_form=None, locale_form=None, allowed):
    organization = request.organization
    if form is None or locale_form is None:
        copy = Organization.objects.get(pk=organization.pk)
        form = form or CommunitySettingsForm(instance=copy, disabled=not allowed)
        locale_form = locale_form or LocaleSettingsForm(instance=copy, disabled=not allowed)
    if brand_form is None:
        brand_form = _brand_form(organization, allowed=allowed)
    context = {
        "form": form,
        "brand_form": brand_form,
        "locale_form": locale_form,
        "allowed": allowed,
    }
    return render(request, "adminportal/settings.html", context)


@admin_portal_view
@require_POST
def brand_update(request):
    """The Brand card of the Settings page."""
    organization = request.organization
    if not can_manage_organization_settings(request.user, organization):
        return render(
            request,
            "adminportal/settings.html",
            {"form": None, "brand_form": None, "allowed": False},
            status=403,
        )
    brand_form = _brand_form(organization, request.POST, request.FILES, allowed=True)
    if brand_form.is_valid():
        data = brand_form.cleaned_data
        try:
            changed = organization_update_brand(
                organization=organization,
                actor=request.user,
                name=data["name"],
                accent_colour=data["accent_colour"],
                logo=data["logo"],
                remove_logo=data["remove_logo"] and not data["logo"],
            )
        except ValidationError as refused:
            brand_form.add_error(None, refused)
        else:
            messages.success(request, _("Brand saved.") if changed else _("Nothing changed."))
            return redirect("adminportal:settings", org_slug=organization.slug)
    return _page(request, brand_form=brand_form, allowed=True)


@admin_portal_view
def settings_page(request):
    organization = request.organization
    allowed = can_manage_organization_settings(request.user, organization)
    if request.method == "POST" and not allowed:
        return render(
            request,
            "adminportal/settings.html",
            {"form": None, "brand_form": None, "allowed": False},
            status=403,
        )
    if request.method == "POST" and request.POST.get("form") == "locale":
        return _locale_update(request)
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
            messages.info(request, _("Nothing changed."))
        elif "contacts_manage_team" not in changed:
            messages.success(request, _("Settings saved."))
        elif organization.contacts_manage_team:
            messages.success(
                request,
                _(
                    "Team management is on: contact persons, billing persons and managers now "
                    "see “My team” in the member portal."
                ),
            )
        else:
            messages.success(
                request,
                _(
                    "Team management is off: contact persons can no longer change their team; "
                    "their access was removed."
                ),
            )
        return redirect("adminportal:settings", org_slug=organization.slug)
    return _page(request, form=form, allowed=allowed)


def _locale_update(request):
    """The Language and time zone card of the Settings page."""
    organization = request.organization
    form = LocaleSettingsForm(request.POST, instance=Organization.objects.get(pk=organization.pk))
    if not form.is_valid():
        return _page(request, locale_form=form, allowed=True)
    changed = organization_update_settings(
        organization=organization, actor=request.user, **form.cleaned_data
    )
    if changed:
        # Said in the language just chosen, unless the admin has their own.
        with translation.override(language_of(request.user, organization)):
            messages.success(request, _("Language and time zone saved."))
    else:
        messages.info(request, _("Nothing changed."))
    return redirect("adminportal:settings", org_slug=organization.slug)
