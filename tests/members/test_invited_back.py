"""A member removed and invited back: the new link works, and so does their
old password (R4.2, R4.7)."""

import pytest
from django.urls import reverse

from audit.models import Via
from members.actions.access import member_remove_from_location
from members.actions.invitations import member_invite
from members.actions.status import member_change_status
from members.models import Member, MemberStatus, PortalAccess
from tests.factories import PASSWORD
from tests.invitation_helpers import last_link

pytestmark = pytest.mark.django_db


def _removed_and_invited_back(cast, capture):
    member = cast.teammate  # had a login
    member_remove_from_location(member=member, actor=cast.admin)
    member_change_status(member=member, status=MemberStatus.ACTIVE, actor=cast.admin, via=Via.ADMIN)
    with capture(execute=True):
        member_invite(member=Member.objects.get(pk=member.pk), actor=cast.admin)
    return Member.objects.get(pk=member.pk)


def test_a_member_invited_back_after_a_removal_gets_a_link_that_works(
    client, cast, django_capture_on_commit_callbacks
):
    member = _removed_and_invited_back(cast, django_capture_on_commit_callbacks)
    assert member.portal_access == PortalAccess.PENDING and member.user_id is not None
    path, _ = last_link(member.email)
    response = client.post(path)
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.portal_access == PortalAccess.ACTIVE
    assert client.session["_auth_user_id"] == str(member.user_id)


def test_a_member_invited_back_may_log_in_with_their_password_instead(
    client, cast, django_capture_on_commit_callbacks
):
    member = _removed_and_invited_back(cast, django_capture_on_commit_callbacks)
    response = client.post(
        reverse("account_login"), {"login": member.email, "password": PASSWORD}, follow=True
    )
    assert "_auth_user_id" in client.session
    # Logging in accepts nothing by itself: the invitation waits for a click.
    assert response.redirect_chain[-1][0] == reverse("invitations_waiting")
    assert Member.objects.get(pk=member.pk).portal_access == PortalAccess.PENDING
    client.post(reverse("invitation_accept_waiting", args=[member.pk]))
    member.refresh_from_db()
    assert member.portal_access == PortalAccess.ACTIVE
