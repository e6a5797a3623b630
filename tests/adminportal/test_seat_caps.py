"""Seat caps in the admin portal (issue 14, item 1): the member page, add
member, bulk status change, mass invite and approvals refuse beyond the cap
and offer "Go over the cap", whose use is recorded; the company page shows
and sets the caps; the dashboard lists companies at their cap."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry, Verb
from companies.models import CompanyLocation
from members.actions.team import team_add_member
from members.models import Member, Membership, MemberStatus, StatusRequest
from members.seats import seat_usages
from organizations.services import organization_update_settings
from tests import factories as f
from tests.invitation_helpers import preview_then_invite
from tests.team_cast import refreshed, shows

FULL = "Acme uses 3 of 3 seats at Harbour"


@pytest.fixture
def full(cast):
    """Acme's three Active members at Harbour fill its three seats there."""
    CompanyLocation.objects.filter(company=cast.acme, location=cast.harbour).update(seats=3)
    return cast


def waiting(cast, **kwargs):
    return f.MemberFactory(
        location=cast.harbour, company=cast.acme, status=MemberStatus.CONTACT, **kwargs
    )


def overrides():
    return AuditEntry.objects.filter(verb=Verb.SEAT_CAP_OVERRIDDEN)


def test_member_page_refuses_then_goes_over_with_the_checkbox(client, full):
    cast = full
    member = waiting(cast)
    client.force_login(cast.admin)
    page = client.get(reverse("adminportal:member", args=[cast.org.slug, member.pk]))
    assert shows(page, "Seats: 3 of 3 at Harbour") and shows(page, "Go over the cap")
    url = reverse("adminportal:member_status", args=[cast.org.slug, member.pk])
    response = client.post(url, {"status": "active"}, follow=True)
    assert shows(response, FULL)
    assert refreshed(member).status == MemberStatus.CONTACT and not overrides().exists()
    client.post(url, {"status": "active", "over_seat_cap": "1"})
    assert refreshed(member).status == MemberStatus.ACTIVE
    entry = overrides().get()
    assert entry.member_id == member.pk and entry.actor == cast.admin


def test_company_add_member_refuses_beyond_the_cap_unless_confirmed(client, full):
    cast = full
    client.force_login(cast.admin)
    url = reverse("adminportal:company_add_member", args=[cast.org.slug, cast.acme.pk])
    data = {"first_name": "Nia", "email": "nia@example.test", "status": "active"}
    response = client.post(url, data)
    assert response.status_code == 200 and shows(response, FULL)
    assert not Member.objects.filter(email="nia@example.test").exists()
    client.post(url, {**data, "over_seat_cap": "on"})
    assert Member.objects.get(email="nia@example.test").status == MemberStatus.ACTIVE
    assert overrides().count() == 1


def test_bulk_status_change_refuses_beyond_the_cap_per_row(client, full):
    cast = full
    first, second = waiting(cast, first_name="Ann"), waiting(cast, first_name="Ben")
    client.force_login(cast.admin)
    url = reverse("adminportal:contacts_bulk", args=[cast.org.slug])
    data = {"action": "status", "status": "active", "member": [first.pk, second.pk]}
    response = client.post(url, data)
    assert response.status_code == 200 and shows(response, FULL)
    assert {refreshed(first).status, refreshed(second).status} == {MemberStatus.CONTACT}
    client.post(url, {**data, "over_seat_cap": "1"})
    assert {refreshed(first).status, refreshed(second).status} == {MemberStatus.ACTIVE}
    assert overrides().count() == 2


def test_mass_invite_refuses_rows_beyond_the_cap_unless_confirmed(client, full):
    cast = full
    client.force_login(cast.admin)
    url = reverse("adminportal:company_mass_invite", args=[cast.org.slug, cast.acme.pk])
    rows = "Kim\t\tkim@example.test\nLou\t\tlou@example.test"
    response = preview_then_invite(client, url, {"rows": rows})
    assert shows(response, FULL)
    assert not Member.objects.filter(email__in=["kim@example.test", "lou@example.test"]).exists()
    preview_then_invite(client, url, {"rows": rows, "over_seat_cap": "on"})
    assert Member.objects.filter(company=cast.acme, status=MemberStatus.ACTIVE).count() == 5
    entry = overrides().get()
    assert entry.subject_id == cast.acme.pk and entry.after["used"] == 5


def test_approving_beyond_the_cap_asks_for_the_override(client, full):
    cast = full
    organization_update_settings(
        organization=cast.org,
        actor=None,
        contacts_manage_team=True,
        contact_additions_need_approval=True,
    )
    member = team_add_member(
        actor=cast.contact.user, company=cast.acme, first_name="Wes", email="wes@example.test"
    )
    request = StatusRequest.objects.get(member=member)
    client.force_login(cast.admin)
    url = reverse("adminportal:approval_decide", args=[cast.org.slug, request.pk, "approve"])
    response = client.post(url)
    assert response.status_code == 200
    assert shows(response, FULL) and shows(response, "Go over the cap")
    assert refreshed(member).status == MemberStatus.CONTACT
    client.post(url, {"over_seat_cap": "1"})
    assert refreshed(member).status == MemberStatus.ACTIVE
    assert overrides().get().member_id == member.pk


def test_company_page_shows_and_sets_the_cap_per_location(client, full):
    cast = full
    client.force_login(cast.owner)
    page = reverse("adminportal:company", args=[cast.org.slug, cast.acme.pk])
    assert shows(client.get(page), "Seats: 3 of 3 at Harbour")
    url = reverse("adminportal:company_seats", args=[cast.org.slug, cast.acme.pk, cast.harbour.pk])
    client.post(url, {"seats": "10"})
    assert shows(client.get(page), "Seats: 3 of 10 at Harbour")
    assert AuditEntry.objects.filter(verb=Verb.COMPANY_SEATS_CHANGED).count() == 1
    response = client.post(url, {"seats": "0"}, follow=True)
    assert CompanyLocation.objects.get(company=cast.acme, location=cast.harbour).seats == 10
    assert response.status_code == 200
    client.post(url, {"seats": ""})
    assert CompanyLocation.objects.get(company=cast.acme, location=cast.harbour).seats is None


def test_setting_a_cap_is_refused_elsewhere(client, full):
    cast = full
    # A location the company is not at, another organization's company, an
    # admin of another location: 404 or refused, nothing changes.
    client.force_login(cast.owner)
    mill = reverse("adminportal:company_seats", args=[cast.org.slug, cast.acme.pk, cast.mill.pk])
    assert client.post(mill, {"seats": "5"}).status_code == 404
    foreign = f.CompanyFactory(location=cast.other_location)
    url = reverse("adminportal:company_seats", args=[cast.org.slug, foreign.pk, cast.harbour.pk])
    assert client.post(url, {"seats": "5"}).status_code == 404
    client.force_login(cast.mill_admin)
    url = reverse("adminportal:company_seats", args=[cast.org.slug, cast.acme.pk, cast.harbour.pk])
    assert client.post(url, {"seats": "50"}).status_code in (403, 404)
    assert CompanyLocation.objects.get(company=cast.acme, location=cast.harbour).seats == 3


def test_dashboard_lists_companies_at_their_cap(client, full):
    cast = full
    client.force_login(cast.admin)
    response = client.get(reverse("adminportal:home", args=[cast.org.slug]))
    assert shows(response, "Companies at or near their seat cap")
    assert shows(response, "Seats: 3 of 3 at Harbour")
    assert not shows(response, "Globex")


def test_dashboard_lists_a_company_capped_by_its_membership(client, cast):
    """No cap on the company's location row: its membership's seats are it."""
    Membership.objects.create(
        organization=cast.org,
        plan=f.PlanFactory(organization=cast.org, location=cast.harbour),
        company=cast.acme,
        seats=3,
        start_date=timezone.localdate() - timedelta(days=3),
    )
    client.force_login(cast.admin)
    response = client.get(reverse("adminportal:home", args=[cast.org.slug]))
    assert shows(response, "Seats: 3 of 3 at Harbour")


@pytest.mark.parametrize("companies", [2, 12])
def test_dashboard_seat_list_queries_do_not_grow(
    client, cast, companies, django_assert_max_num_queries
):
    for i in range(companies):
        company = f.CompanyFactory(location=cast.harbour, name=f"Full {i}")
        CompanyLocation.objects.filter(company=company).update(seats=1)
        f.MemberFactory(location=cast.harbour, company=company)
    client.force_login(cast.admin)
    client.get(reverse("adminportal:home", args=[cast.org.slug]))  # warm the session
    with django_assert_max_num_queries(18):
        response = client.get(reverse("adminportal:home", args=[cast.org.slug]))
    assert shows(response, "Full 1")


@pytest.mark.parametrize("admin", ["owner", "mill_admin"])
def test_company_page_seats_agree_with_the_seat_rule(client, cast, admin):
    """The page works its seats out from what it has read already (the
    memberships card, the member counts): the same numbers as the rule's
    own queries (``members.seats.seat_usages``), at the admin's locations."""
    today = timezone.localdate()
    CompanyLocation.objects.create(
        organization=cast.org, company=cast.acme, location=cast.mill, seats=9
    )

    def membership(seats, location=None, start=-3, end=None):
        Membership.objects.create(
            organization=cast.org,
            plan=f.PlanFactory(organization=cast.org, location=location),
            company=cast.acme,
            seats=seats,
            start_date=today + timedelta(days=start),
            end_date=None if end is None else today + timedelta(days=end),
        )

    membership(2, cast.harbour)
    membership(3)  # a plan offered everywhere
    membership(50, cast.harbour, start=-60, end=-30)  # ended
    membership(40, cast.harbour, start=5)  # not started
    membership(None, cast.harbour)  # carries no seats
    for status in (MemberStatus.ACTIVE, MemberStatus.ACTIVE, MemberStatus.CONTACT):
        f.MemberFactory(location=cast.mill, company=cast.acme, status=status)
    user = getattr(cast, admin)
    client.force_login(user)
    response = client.get(reverse("adminportal:company", args=[cast.org.slug, cast.acme.pk]))
    mine = {cast.harbour.pk, cast.mill.pk} if admin == "owner" else {cast.mill.pk}
    rows = CompanyLocation.objects.filter(company=cast.acme).select_related("company", "location")
    expected = seat_usages(rows)
    assert {u.location_id for u in expected} == {cast.harbour.pk, cast.mill.pk}
    assert any(u.used for u in expected) and all(u.capped for u in expected)
    for usage in expected:
        assert shows(response, usage.summary()) == (usage.location_id in mine), usage.summary()
