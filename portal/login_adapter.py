from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from django.contrib import messages
from django.shortcuts import redirect

from accounts.emails import ADDRESS_TAKEN, held_by_another_login
from members.actions.invitations import members_logged_in
from members.login_access import has_usable_access

NO_ACCESS_MESSAGE = (
    "Your access to the member portal has been deactivated or removed. "
    "Ask your space's team if you think this is a mistake."
)


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

    def confirm_email(self, request, email_address):
        # The address was free when its code was mailed; another login
        # (an invitation's, say) may have been given it since.
        if held_by_another_login(email_address.email, email_address.user):
            messages.error(request, ADDRESS_TAKEN)
            return False
        return super().confirm_email(request, email_address)
