from allauth.account.adapter import DefaultAccountAdapter
from django.contrib import messages
from django.shortcuts import redirect

from .access import has_usable_access

NO_ACCESS_MESSAGE = (
    "Your access to the member portal has been deactivated or removed. "
    "Ask your space's team if you think this is a mistake."
)


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        # People join by invitation or by a request an admin approves (R4).
        return False

    def pre_login(self, request, user, **kwargs):
        # Every way in (password, emailed code, invitation link) passes here,
        # so a deactivated person is refused by all three (R4.6).
        response = super().pre_login(request, user, **kwargs)
        if response is not None:
            return response
        if not has_usable_access(user):
            from allauth.account.internal.stagekit import clear_login

            clear_login(request)
            messages.error(request, NO_ACCESS_MESSAGE)
            return redirect("account_login")
        return None

    def post_login(self, request, user, **kwargs):
        from members.invitations import invitations_on_login

        # A login by password or code after the link expired still accepts
        # the pending invitation, and ends the "New" label (R4.2, R4.4).
        invitations_on_login(user=user)
        return super().post_login(request, user, **kwargs)
