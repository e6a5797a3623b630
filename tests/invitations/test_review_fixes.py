"""Lifecycle corners: invited back after a removal, resend that would send
nothing, erased records staying erased, privacy on the My team page."""

import pytest
from django.core import mail
from django.urls import reverse

from audit.models import Via
from members.actions.access import member_remove_from_location
from members.actions.invitations import invitation_resend, member_invite
from members.actions.status import member_change_status
from members.models import Invitation, JoinRequest, Member, MemberStatus, PortalAccess
from organizations.services import organization_update_settings
from tests import factories as f
from tests.factories import PASSWORD

from .helpers import last_link

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


def test_resend_to_a_pending_member_who_is_no_longer_active_keeps_the_link(
    cast, django_capture_on_commit_callbacks
):
    member = f.MemberFactory(location=cast.harbour)
    with django_capture_on_commit_callbacks(execute=True):
        member_invite(member=member, actor=cast.admin)
    member_change_status(member=member, status=MemberStatus.FORMER, actor=cast.admin, via=Via.ADMIN)
    mail.outbox.clear()
    with pytest.raises(Exception, match="only active members are invited"):
        invitation_resend(member=Member.objects.get(pk=member.pk), actor=cast.admin)
    assert Invitation.objects.filter(member=member, revoked_at__isnull=True).count() == 1
    assert mail.outbox == []


def test_an_erased_record_stays_erased(client, cast, django_capture_on_commit_callbacks):
    member = cast.teammate
    join = JoinRequest.objects.create(
        organization=cast.org,
        location=cast.harbour,
        first_name="Tess",
        email=member.email,
        phone="+1 555",
        message="Hot desk please",
        member=member,
        state=JoinRequest.State.APPROVED,
    )
    client.force_login(member.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("portal:account_delete", args=[cast.org.slug]), {"confirm": "delete"})
    join.refresh_from_db()
    assert (join.first_name, join.email, join.phone, join.message) == ("Deleted user", "", "", "")

    client.force_login(cast.admin)
    url = reverse("adminportal:member_edit", args=[cast.org.slug, member.pk])
    client.post(url, {"first_name": "Tess", "email": "tess@example.test", "billing_name": "X"})
    member.refresh_from_db()
    assert member.full_name == "Deleted user" and member.email == ""


def test_the_team_page_honours_each_persons_phone_choice(client, cast):
    organization_update_settings(organization=cast.org, actor=None, contacts_manage_team=True)
    hidden = f.MemberFactory(location=cast.harbour, company=cast.acme, phone="+1 555 0100")
    shown = f.MemberFactory(
        location=cast.harbour, company=cast.acme, phone="+1 555 0199", show_phone=True
    )
    default = f.MemberFactory(location=cast.harbour, company=cast.acme, phone="+1 555 0142")
    client.force_login(cast.contact.user)
    page = client.get(reverse("portal:team", args=[cast.org.slug])).content.decode()
    assert shown.phone in page
    assert hidden.phone not in page  # the organization's default hides phones
    assert default.phone not in page
    assert hidden.email in page  # the contact person needs emails to manage the team

    organization_update_settings(organization=cast.org, actor=None, members_see_phone=True)
    Member.objects.filter(pk=hidden.pk).update(show_phone=False)
    page = client.get(reverse("portal:team", args=[cast.org.slug])).content.decode()
    assert default.phone in page and hidden.phone not in page
