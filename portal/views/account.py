"""The member's own account page: profile, privacy, deleting the account (R5)."""

from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from members.actions.personal_data import (
    account_delete,
    language_update,
    privacy_update,
    profile_update,
)
from members.forms.language import LanguageForm
from members.forms.privacy import PrivacyForm
from members.forms.profile import ProfileForm
from members.photos import photo_url
from members.privacy import shows_email, shows_phone
from organizations.locale import language_of

from ..decorators import portal_view


def _forms(member, data=None, files=None, which=None):
    profile = ProfileForm(
        data if which == "profile" else None,
        files if which == "profile" else None,
        initial={
            "first_name": member.first_name,
            "last_name": member.last_name,
            "phone": member.phone,
        },
    )
    privacy = PrivacyForm(
        data if which == "privacy" else None,
        initial={
            "show_email": PrivacyForm.to_choice(member.show_email),
            "show_phone": PrivacyForm.to_choice(member.show_phone),
        },
    )
    return profile, privacy


def _language_form(request, which):
    return LanguageForm(
        request.POST if which == "language" else None,
        initial={"language": request.user.language},
    )


@portal_view
def account(request):
    member = request.member
    which = request.POST.get("form") if request.method == "POST" else None
    profile, privacy = _forms(member, request.POST, request.FILES, which)
    if which == "profile" and profile.is_valid():
        data = profile.cleaned_data
        try:
            profile_update(
                user=request.user,
                first_name=data["first_name"],
                last_name=data["last_name"],
                phone=data["phone"],
                photo=data["photo"],
                remove_photo=data["remove_photo"],
            )
        except ValidationError as invalid:
            for field, errors in invalid.message_dict.items():
                profile.add_error(field if field in profile.fields else None, errors)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("portal:account", org_slug=request.organization.slug)
    if which == "privacy" and privacy.is_valid():
        privacy_update(
            member=member,
            show_email=PrivacyForm.from_choice(privacy.cleaned_data["show_email"]),
            show_phone=PrivacyForm.from_choice(privacy.cleaned_data["show_phone"]),
        )
        messages.success(request, _("Your privacy settings are saved."))
        return redirect("portal:account", org_slug=request.organization.slug)
    language = _language_form(request, which)
    if which == "language" and language.is_valid():
        chosen = language.cleaned_data["language"]
        language_update(member=member, language=chosen)
        # Said in the language just chosen: the next page is in it.
        with translation.override(chosen or language_of(None, request.organization)):
            messages.success(request, _("Your language is saved."))
        return redirect("portal:account", org_slug=request.organization.slug)
    return render(
        request,
        "portal/account.html",
        {
            "member": member,
            "profile_form": profile,
            "privacy_form": privacy,
            "language_form": language,
            "email_shown": shows_email(member),
            "phone_shown": shows_phone(member),
            "photo_url": photo_url(member, request.organization.slug),
        },
    )


@portal_view
def account_delete_view(request):
    if request.method == "POST":
        if request.POST.get("confirm") != "delete":
            messages.error(
                request, _("Tick the box to confirm that you want to delete your account.")
            )
            return redirect("portal:account_delete", org_slug=request.organization.slug)
        org_name = request.organization.name
        user = request.user
        logout(request)
        account_delete(user=user)
        messages.success(
            request,
            _(
                "Your account is deleted. %(org_name)s keeps your membership "
                "and billing records without your personal details."
            )
            % {"org_name": org_name},
        )
        return redirect("account_login")
    return render(request, "portal/account_delete.html", {"member": request.member})
