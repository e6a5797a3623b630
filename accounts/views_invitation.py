"""The invitation email's "Get started" link (R4.2).

GET shows a page with one button; only the POST from it uses the link, so
a mail scanner that opens links does not spend it. A link that cannot be
used sends the person to the normal login with a message, never an error.
"""

from allauth.account.utils import perform_login
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables

from members.invitations import InvitationInvalid, invitation_accept, invitation_for_token

EXPIRED_MESSAGE = (
    "This invitation link has expired or was already used. Log in with your email "
    "address: use your password, or ask for a sign-in code by email."
)


def _to_login(request):
    messages.info(request, EXPIRED_MESSAGE)
    return redirect("account_login")


@never_cache
@sensitive_variables("token")
def invitation_accept_view(request, token):
    if request.method == "POST":
        try:
            member = invitation_accept(token=token)
        except InvitationInvalid:
            return _to_login(request)
        if request.user.is_authenticated and request.user.pk != member.user_id:
            # Someone else was logged in on this browser; the link is for
            # the invited person.
            logout(request)
        return perform_login(
            request,
            member.user,
            redirect_url=reverse("portal:home", args=[member.organization.slug]),
        )
    invitation = invitation_for_token(token)
    if invitation is None:
        return _to_login(request)
    response = render(
        request,
        "invitations/get_started.html",
        {"invitation": invitation, "member": invitation.member, "org": invitation.organization},
    )
    # The token is in the URL: keep it out of Referer headers sent to other
    # sites ("no-referrer" would make the browser send Origin: null on the
    # form's POST, which CSRF protection rightly refuses).
    response["Referrer-Policy"] = "same-origin"
    return response
