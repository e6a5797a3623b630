"""The invitation email's "Get started" link (R4.2), and the invitations
waiting for a logged-in person (issue 10, item 2).

GET shows a page with one button; only the POST from it uses the link, so
a mail scanner that opens links does not spend it. A link that cannot be
used sends the person to the normal login with a message, never an error.

Using the link proves the invited address, so it logs the person in as the
login of that address. Opened in a browser logged in as someone else, the
page asks which account to continue with (log out and continue as the
invited address, or accept with the current login): it never picks one
silently.
"""

from allauth.account.utils import perform_login
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_POST
from django_scopes import scopes_disabled

from members.actions.invitations import (
    InvitationInvalid,
    InvitationNeedsLogin,
    InvitationRefused,
    invitation_accept,
    invitation_accept_by_login,
    invitation_for_token,
    invited_admin_role,
    link_login,
    may_link_other_login,
)
from members.selectors import invitations_waiting_for
from organizations.branding import brand_of

EXPIRED_MESSAGE = gettext_lazy(
    "This invitation link has expired or was already used. Log in with your email "
    "address: use your password, or ask for a sign-in code by email."
)
CHOOSE_MESSAGE = gettext_lazy("Choose which account to continue with.")


def _to_login(request, message=EXPIRED_MESSAGE):
    messages.info(request, message)
    return redirect("account_login")


def _portal(member) -> str:
    return reverse("portal:home", args=[member.organization.slug])


def _page(request, invitation):
    member = invitation.member
    role = invited_admin_role(member)
    target = link_login(member, role)
    current = request.user if request.user.is_authenticated else None
    someone_else = current is not None and (target is None or target.pk != current.pk)
    response = render(
        request,
        "invitations/get_started.html",
        {
            "invitation": invitation,
            "member": member,
            "org": invitation.organization,
            # Outside /o/<slug>/, yet the page the branded email opens.
            "brand": brand_of(invitation.organization),
            "someone_else": current if someone_else else None,
            "may_link": someone_else and may_link_other_login(member, role, current),
        },
    )
    # The token is in the URL: keep it out of Referer headers sent to other
    # sites ("no-referrer" would make the browser send Origin: null on the
    # form's POST, which CSRF protection rightly refuses).
    response["Referrer-Policy"] = "same-origin"
    return response


def _accept_as_invited_address(request, token):
    try:
        member = invitation_accept(token=token)
    except InvitationInvalid:
        return _to_login(request)
    except InvitationNeedsLogin as refused:
        return _to_login(request, str(refused))
    except InvitationRefused as refused:
        messages.error(request, str(refused))
        return redirect("account_login")
    return perform_login(request, member.user, redirect_url=_portal(member))


# The link names its organization only through the invitation it leads
# to, and a login's records elsewhere decide which login may accept it:
# these pages are outside any one organization (tenancy/scoping.py).
@never_cache
@scopes_disabled()
@sensitive_variables("token")
def invitation_accept_view(request, token):
    invitation = invitation_for_token(token)
    if invitation is None:
        return _to_login(request)
    if request.method != "POST":
        return _page(request, invitation)
    target = link_login(invitation.member, invited_admin_role(invitation.member))
    if not request.user.is_authenticated or (target is not None and target.pk == request.user.pk):
        return _accept_as_invited_address(request, token)
    choice = request.POST.get("choice")
    if choice == "switch":
        logout(request)
        return _accept_as_invited_address(request, token)
    if choice == "link":
        try:
            member = invitation_accept(token=token, user=request.user)
        except InvitationInvalid:
            return _to_login(request)
        except InvitationRefused as refused:
            messages.error(request, str(refused))
            return _page(request, invitation)
        messages.success(
            request,
            _("Your login %(user_email)s now opens %(organization)s too.")
            % {"user_email": request.user.email, "organization": member.organization.name},
        )
        return redirect(_portal(member))
    messages.error(request, CHOOSE_MESSAGE)
    return _page(request, invitation)


@login_required
@scopes_disabled()
def invitations_waiting(request):
    """The pending invitations addressed to this login, each with Accept."""
    return render(
        request,
        "invitations/waiting.html",
        {"invitations": list(invitations_waiting_for(request.user))},
    )


@require_POST
@login_required
@scopes_disabled()
def invitation_accept_waiting(request, pk):
    member = invitations_waiting_for(request.user).filter(pk=pk).first()
    if member is None:
        raise Http404("No invitation of yours.")
    try:
        member = invitation_accept_by_login(member=member, user=request.user)
    except InvitationInvalid:
        messages.error(request, _("This invitation is no longer open."))
        return redirect("invitations_waiting")
    except InvitationRefused as refused:
        messages.error(request, str(refused))
        return redirect("invitations_waiting")
    messages.success(
        request, _("Welcome to %(organization)s.") % {"organization": member.organization.name}
    )
    return redirect(_portal(member))
