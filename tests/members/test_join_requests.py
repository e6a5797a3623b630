"""Requests to join (R4.5) and the cross-tenant rules of this issue (R1.1)."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from members.actions.join_requests import join_request_submit
from members.models import Invitation, JoinRequest, Member, PortalAccess
from notifications.models import Notification
from organizations.models import OrganizationAdmin
from portal.views import join
from tests import factories as f
from tests.invitation_helpers import admin_invite

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


def _join(client, cast, location=None, ip="127.0.0.1", **data):
    location = location or cast.harbour
    payload = {"first_name": "Jo", "last_name": "Joiner", "email": "jo@example.test"}
    payload.update(data)
    url = reverse("join:location", args=[cast.org.slug, location.slug])
    return client.post(url, payload, REMOTE_ADDR=ip)


def test_the_public_form_needs_no_login_and_tells_the_admins(client, cast):
    assert (
        client.get(reverse("join:location", args=[cast.org.slug, cast.harbour.slug])).status_code
        == 200
    )
    response = _join(client, cast, company_name="Initech", message="Hot desk please")
    assert response.status_code == 200 and "reached" in response.content.decode()
    request = JoinRequest.objects.get(email="jo@example.test")
    assert request.location == cast.harbour and request.state == JoinRequest.State.PENDING
    kinds = Notification.objects.filter(kind=Notification.Kind.JOIN_REQUEST)
    assert {n.recipient for n in kinds} == {cast.owner, cast.admin}


def test_the_form_is_rate_limited_and_bots_are_ignored(client, cast):
    for i in range(5):
        assert _join(client, cast, email=f"p{i}@example.test").status_code == 200
    limited = _join(client, cast, email="late@example.test")
    assert limited.status_code == 429 and "try again in an hour" in limited.content.decode()
    assert not JoinRequest.objects.filter(email="late@example.test").exists()
    # Another connection, or the same one at another location, is not held back.
    assert _join(client, cast, email="other@example.test", ip="10.0.0.2").status_code == 200
    assert _join(client, cast, location=cast.mill, email="mill@example.test").status_code == 200
    cache.clear()
    _join(client, cast, email="bot@example.test", website="http://spam")
    assert not JoinRequest.objects.filter(email="bot@example.test").exists()


def test_an_unknown_location_or_another_organizations_location_is_a_404(client, cast):
    url = reverse("join:location", args=[cast.org.slug, cast.other_location.slug])
    assert client.get(url).status_code == 404


def test_approving_invites_the_person(client, cast, django_capture_on_commit_callbacks):
    jr = join_request_submit(location=cast.harbour, first_name="Jo", email="jo@example.test")
    client.force_login(cast.admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("adminportal:join_request_decide", args=[cast.org.slug, jr.pk, "approve"])
        )
    jr.refresh_from_db()
    assert jr.state == JoinRequest.State.APPROVED and jr.decided_by == cast.admin
    assert jr.member.portal_access == PortalAccess.PENDING
    assert Invitation.objects.filter(member=jr.member).exists()


def test_rejecting_and_deciding_twice(client, cast):
    jr = join_request_submit(location=cast.harbour, first_name="Jo", email="jo@example.test")
    client.force_login(cast.admin)
    url = reverse("adminportal:join_request_decide", args=[cast.org.slug, jr.pk, "reject"])
    client.post(url)
    response = client.post(
        reverse("adminportal:join_request_decide", args=[cast.org.slug, jr.pk, "approve"]),
        follow=True,
    )
    assert "already rejected" in response.content.decode()
    assert not Member.objects.filter(email="jo@example.test").exists()


def test_an_admin_of_another_location_cannot_decide(client, cast):
    jr = join_request_submit(location=cast.harbour, first_name="Jo", email="jo@example.test")
    client.force_login(cast.mill_admin)
    url = reverse("adminportal:join_request_decide", args=[cast.org.slug, jr.pk, "approve"])
    assert client.post(url).status_code == 404


# ------------------------------------------------------------- cross-tenant


def test_approving_another_organizations_join_request_is_a_404(client, cast):
    jr = join_request_submit(location=cast.other_location, first_name="Jo", email="jo@example.test")
    client.force_login(cast.owner)
    for decision in ("approve", "reject"):
        url = reverse("adminportal:join_request_decide", args=[cast.org.slug, jr.pk, decision])
        assert client.post(url).status_code == 404
    client.force_login(cast.other_admin)  # their own org's URL with our org's slug
    url = reverse("adminportal:join_request_decide", args=[cast.org.slug, jr.pk, "approve"])
    assert client.post(url).status_code == 404
    jr.refresh_from_db()
    assert jr.state == JoinRequest.State.PENDING


def test_viewing_another_organizations_invitation_is_a_404(
    client, cast, django_capture_on_commit_callbacks
):
    from members.actions.invitations import member_invite

    member = f.MemberFactory(location=cast.other_location)
    with django_capture_on_commit_callbacks(execute=True):
        member_invite(member=member, actor=cast.other_admin)
    invitation = Invitation.objects.get(member=member)
    client.force_login(cast.owner)
    assert (
        client.get(
            reverse("adminportal:invitation", args=[cast.org.slug, invitation.pk])
        ).status_code
        == 404
    )
    for name in (
        "invitation_resend",
        "member_invite",
        "member_remove",
        "member_edit",
        "member_transfer",
    ):
        assert (
            client.post(reverse(f"adminportal:{name}", args=[cast.org.slug, member.pk])).status_code
            == 404
        )
    client.force_login(cast.other_admin)
    assert (
        client.get(
            reverse("adminportal:invitation", args=[cast.other_org.slug, invitation.pk])
        ).status_code
        == 200
    )


def test_inviting_into_another_organizations_location_or_company_creates_nothing(
    client, cast, django_capture_on_commit_callbacks
):
    other_company = f.CompanyFactory(location=cast.other_location)
    for data in (
        {"location": cast.other_location.pk},
        {"location": cast.harbour.pk, "company": other_company.pk},
        {"location": cast.mill.pk},  # the admin's own org, not their location
    ):
        response = admin_invite(client, cast, django_capture_on_commit_callbacks, **data)
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()
    assert not Member.objects.filter(email="newbie@example.test").exists()
    # And the company page's mass invite for another org's company is a 404.
    client.force_login(cast.admin)
    url = reverse("adminportal:company_mass_invite", args=[cast.org.slug, other_company.pk])
    assert client.get(url).status_code == 404


def test_inviting_an_admin_grants_only_what_the_inviter_holds(
    client, cast, django_capture_on_commit_callbacks
):
    perms = {"as_admin": "on", "admin_permissions": ["organizations.manage_customers"]}
    response = admin_invite(
        client,
        cast,
        django_capture_on_commit_callbacks,
        email="boss@example.test",
        admin_locations=[cast.harbour.pk],
        **perms,
    )
    assert response.status_code == 302
    boss = Member.objects.get(email="boss@example.test")
    role = OrganizationAdmin.objects.get(organization=cast.org, user__email="boss@example.test")
    assert role.user.has_perm("organizations.manage_customers", cast.harbour)
    assert not role.user.has_perm("organizations.manage_customers", cast.mill)
    assert boss.portal_access == PortalAccess.PENDING
    # cast.admin cannot hand out the mill, which they do not manage.
    response = admin_invite(
        client,
        cast,
        django_capture_on_commit_callbacks,
        email="boss2@example.test",
        admin_locations=[cast.mill.pk],
        **perms,
    )
    assert response.status_code == 200
    assert not Member.objects.filter(email="boss2@example.test").exists()


def test_a_location_takes_a_bounded_number_a_day_from_everyone(client, cast, monkeypatch):
    monkeypatch.setattr(join, "PER_LOCATION", "3/d")
    for i in range(3):
        assert _join(client, cast, email=f"p{i}@example.test", ip=f"10.0.1.{i}").status_code == 200
    assert _join(client, cast, email="fourth@example.test", ip="10.0.2.1").status_code == 429
    assert JoinRequest.objects.count() == 3
