"""A status change never takes more than the member portal it is about
(issue 10, item 3): the record of an owner or admin follows the same rule
as deactivate/remove, and setting it Former or Contact leaves the admin
portal and the person's sessions alone."""

import pytest
from django.test import Client
from django.urls import reverse
from guardian.shortcuts import assign_perm

from accounts.models import LoginSession
from members.actions.team import team_change_status
from members.models import Member, MemberStatus, PortalAccess
from organizations.models import OrganizationAdmin
from organizations.permissions import MANAGE_CUSTOMERS
from organizations.services import organization_update_settings
from tests import factories as f
from tests.team_cast import shows

pytestmark = pytest.mark.django_db


def _status(actor, cast, member, status, capture):
    browser = Client()
    browser.force_login(actor)
    with capture(execute=True):
        return browser.post(
            reverse("adminportal:member_status", args=[cast.org.slug, member.pk]),
            {"status": status},
            follow=True,
        )


def _record_of(user, cast, **extra):
    return f.PortalMemberFactory(location=cast.harbour, email=user.email, user=user, **extra)


@pytest.mark.parametrize("status", [MemberStatus.FORMER, MemberStatus.CONTACT])
def test_a_location_admin_cannot_change_the_owners_status(
    client, cast, status, django_capture_on_commit_callbacks
):
    owner_record = _record_of(cast.owner, cast)
    client.force_login(cast.owner)
    response = _status(cast.admin, cast, owner_record, status, django_capture_on_commit_callbacks)
    assert "only an owner can change their access" in response.content.decode()
    owner_record.refresh_from_db()
    assert owner_record.status == MemberStatus.ACTIVE
    assert LoginSession.objects.filter(user_id=cast.owner.pk).exists()
    assert client.get(reverse("adminportal:home", args=[cast.org.slug])).status_code == 200


def test_an_admin_cannot_change_the_status_of_one_who_holds_more(
    cast, django_capture_on_commit_callbacks
):
    # Customers at both locations: more than cast.admin, who holds the harbour only.
    boss = f.OrganizationAdminFactory(organization=cast.org).user
    for location in (cast.harbour, cast.mill):
        assign_perm(MANAGE_CUSTOMERS, boss, location)
    boss_record = _record_of(boss, cast)
    response = _status(cast.admin, cast, boss_record, "former", django_capture_on_commit_callbacks)
    assert "permissions you do not hold" in response.content.decode()
    assert Member.objects.get(pk=boss_record.pk).status == MemberStatus.ACTIVE


def test_an_admin_cannot_change_their_own_status(cast, django_capture_on_commit_callbacks):
    record = _record_of(cast.admin, cast)
    response = _status(cast.admin, cast, record, "former", django_capture_on_commit_callbacks)
    assert "This is your own record" in response.content.decode()
    assert Member.objects.get(pk=record.pk).status == MemberStatus.ACTIVE


def test_set_former_by_an_owner_an_admin_keeps_the_admin_portal_and_sessions(
    client, cast, django_capture_on_commit_callbacks
):
    record = _record_of(cast.admin, cast)
    client.force_login(cast.admin)
    assert client.get(reverse("portal:home", args=[cast.org.slug])).status_code == 200
    response = _status(cast.owner, cast, record, "former", django_capture_on_commit_callbacks)
    assert "is now Former" in response.content.decode()
    role = OrganizationAdmin.objects.get(user=cast.admin, organization=cast.org)
    assert role.suspended_at is None
    assert LoginSession.objects.filter(user_id=cast.admin.pk).exists()
    assert client.get(reverse("adminportal:home", args=[cast.org.slug])).status_code == 200
    # Only the member portal closes, at once.
    assert client.get(reverse("portal:home", args=[cast.org.slug])).status_code == 404


def test_set_former_a_person_with_no_other_access_is_logged_out(
    client, cast, django_capture_on_commit_callbacks
):
    client.force_login(cast.teammate.user)
    response = _status(
        cast.admin, cast, cast.teammate, "former", django_capture_on_commit_callbacks
    )
    assert "Their member portal sessions have ended." in response.content.decode()
    assert not LoginSession.objects.filter(user_id=cast.teammate.user_id).exists()


def test_a_member_with_access_elsewhere_keeps_their_sessions(
    client, cast, django_capture_on_commit_callbacks
):
    elsewhere = f.PortalMemberFactory(
        location=cast.other_location, email=cast.teammate.email, user=cast.teammate.user
    )
    client.force_login(cast.teammate.user)
    _status(cast.admin, cast, cast.teammate, "former", django_capture_on_commit_callbacks)
    assert client.get(reverse("portal:home", args=[cast.org.slug])).status_code == 404
    assert client.get(reverse("portal:home", args=[cast.other_org.slug])).status_code == 200
    assert elsewhere.can_use_portal


def test_a_contact_person_cannot_change_a_teammate_who_is_an_admin_here(
    client, cast, django_capture_on_commit_callbacks
):
    organization_update_settings(organization=cast.org, actor=None, contacts_manage_team=True)
    admin_record = _record_of(cast.admin, cast, company=cast.acme)
    client.force_login(cast.contact.user)
    page = client.get(reverse("portal:team", args=[cast.org.slug])).content.decode()
    assert "is also an administrator of Northwind" in page
    response = client.post(
        reverse("portal:team_member_status", args=[cast.org.slug, admin_record.pk]),
        {"status": "former"},
        follow=True,
    )
    assert "is also an administrator of Northwind" in response.content.decode()
    assert Member.objects.get(pk=admin_record.pk).status == MemberStatus.ACTIVE
    with pytest.raises(Exception, match="also an administrator"):
        team_change_status(actor=cast.contact.user, member=admin_record, status="former")
    assert Member.objects.get(pk=admin_record.pk).portal_access == PortalAccess.ACTIVE


def _admin_status(client, team, member):
    client.force_login(team.cast.admin)
    url = reverse("adminportal:member_status", args=[team.cast.org.slug, member.pk])
    return client.post(url, {"status": "former"}, follow=True)


def test_admin_message_mentions_sessions_only_for_someone_who_could_log_in(client, team):
    no_login = _admin_status(client, team, team.colleague)
    assert shows(no_login, f"{team.colleague.full_name} is now Former.")
    assert not shows(no_login, "sessions have ended")
    with_login = _admin_status(client, team, team.cast.teammate)
    assert shows(with_login, "Their member portal sessions have ended.")
