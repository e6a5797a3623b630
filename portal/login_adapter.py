from datetime import timedelta

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.emails import ADDRESS_TAKEN, held_by_another_login, login_for_address
from emails.render import branded_email
from members.actions.invitations import members_logged_in
from members.login_access import has_usable_access
from members.selectors import organization_of_login

NO_ACCESS_MESSAGE = gettext_lazy(
    "Your access to the member portal has been deactivated or removed. "
    "Ask your space's team if you think this is a mistake."
)


#: Emails whose call to action is choosing a new password: the security
#: notices ("not you?") and a sign-up with a known address.
LEAD_TO_A_NEW_PASSWORD = frozenset(
    {
        "account/email/account_already_exists",
        "account/email/email_changed",
        "account/email/email_confirm",
        "account/email/email_deleted",
        "account/email/password_changed",
        "account/email/password_reset",
        "account/email/password_set",
        "mfa/email/recovery_codes_generated",
        "mfa/email/totp_activated",
        "mfa/email/totp_deactivated",
        "mfa/email/webauthn_added",
        "mfa/email/webauthn_removed",
    }
)


def _lifetimes() -> dict[str, int]:
    """Seconds each of allauth's codes and links works, by email."""
    return {
        "account/email/login_code": account_settings.LOGIN_BY_CODE_TIMEOUT,
        "account/email/email_confirmation": account_settings.EMAIL_VERIFICATION_BY_CODE_TIMEOUT,
        "account/email/email_confirmation_signup": (
            account_settings.EMAIL_VERIFICATION_BY_CODE_TIMEOUT
        ),
        "account/email/password_reset_code": account_settings.PASSWORD_RESET_BY_CODE_TIMEOUT,
        # allauth's reset links are Django's password reset tokens.
        "account/email/password_reset_key": settings.PASSWORD_RESET_TIMEOUT,
    }


class AccountAdapter(DefaultAccountAdapter):
    # allauth's own check (say, when the code is typed) says it our way.
    error_messages = {**DefaultAccountAdapter.error_messages, "email_taken": ADDRESS_TAKEN}

    def is_open_for_signup(self, request):
        # People join by invitation or by a request an admin approves (R4).
        return False

    def login(self, request, user):
        # Every way in (password, emailed code, invitation link, the support
        # site) ends here, after allauth's stages: the address is proven
        # (mandatory verification) and the second factor given. Only then
        # is "may this person get in?" asked, so that a pending invitation
        # counts only for an address the person has proven (R4.6, issue 10).
        if not has_usable_access(user):
            from allauth.account.internal.stagekit import clear_login

            clear_login(request)
            messages.error(request, NO_ACCESS_MESSAGE)
            raise ImmediateHttpResponse(redirect("account_login"))
        super().login(request, user)

    def post_login(self, request, user, **kwargs):
        # Ends the "New" label (R4.4). Pending invitations are not accepted
        # here: the landing page shows them and the person accepts each one.
        members_logged_in(user=user)
        return super().post_login(request, user, **kwargs)

    def send_mail(self, template_prefix, email, context):
        """allauth's emails like every other: text and HTML from the base
        template (templates/account/email/ extend templates/emails/), in the
        brand of the organization the login belongs to, with the code's or
        link's expiry and one call to action."""
        user = context.get("user") or login_for_address(email)
        context = {"email": email, **context}
        context["cta_url"] = context.get("password_reset_url") or context.get("activate_url")
        if not context["cta_url"] and template_prefix in LEAD_TO_A_NEW_PASSWORD:
            context["cta_url"] = settings.SITE_URL + reverse("account_reset_password")
        lifetime = _lifetimes().get(template_prefix)
        branded_email(
            template_prefix,
            context,
            to=[email],
            organization=organization_of_login(user),
            expires_at=timezone.now() + timedelta(seconds=lifetime) if lifetime else None,
            reader=user,
        ).send()

    def confirm_email(self, request, email_address):
        # The address was free when its code was mailed; another login
        # (an invitation's, say) may have been given it since.
        if held_by_another_login(email_address.email, email_address.user):
            messages.error(request, ADDRESS_TAKEN)
            return False
        return super().confirm_email(request, email_address)
