"""Seat caps in My team (issue 14, item 1): the contact person sees the
seats used, is refused beyond the cap with the admins to ask, and can never
go over it, even with a forged "over_seat_cap"."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEntry, Verb
from companies.models import CompanyLocation
from members.models import Member, MemberStatus
from tests import factories as f
from tests.team_cast import refreshed, shows

REFUSAL = "Acme uses 6 of 6 seats at Harbour; ask an admin of Northwind for more."


@pytest.fixture
def full(team):
    """Acme's six Active members at Harbour fill its six seats there."""
    CompanyLocation.objects.filter(company=team.cast.acme, location=team.cast.harbour).update(
        seats=6
    )
    return team


def test_my_team_shows_the_seats(client, full):
    client.force_login(full.cast.contact.user)
    response = client.get(reverse("portal:team", args=[full.cast.org.slug]))
    assert shows(response, "Seats: 6 of 6 at Harbour")
    assert shows(response, "No seat left: ask an admin of Northwind for more.")


def test_no_seats_shown_without_a_cap(client, team):
    client.force_login(team.cast.contact.user)
    response = client.get(reverse("portal:team", args=[team.cast.org.slug]))
    assert not shows(response, "Seats:")


def test_status_change_beyond_the_cap_is_refused_even_with_a_forged_override(client, full):
    cast = full.cast
    member = f.MemberFactory(location=cast.harbour, company=cast.acme, status="contact")
    client.force_login(cast.contact.user)
    url = reverse("portal:team_member_status", args=[cast.org.slug, member.pk])
    response = client.post(url, {"status": "active", "over_seat_cap": "on"}, HTTP_HX_REQUEST="true")
    assert shows(response, REFUSAL)
    assert refreshed(member).status == MemberStatus.CONTACT
    assert not AuditEntry.objects.filter(verb=Verb.SEAT_CAP_OVERRIDDEN).exists()


def test_adding_an_active_member_beyond_the_cap_is_refused(client, full):
    cast = full.cast
    client.force_login(cast.contact.user)
    url = reverse("portal:team_add", args=[cast.org.slug])
    data = {"first_name": "Ned", "email": "ned@example.test", "status": "active"}
    response = client.post(url, {**data, "over_seat_cap": "on"})
    assert shows(response, REFUSAL)
    assert not Member.objects.filter(email="ned@example.test").exists()
    client.post(url, {**data, "status": "contact"})
    assert Member.objects.get(email="ned@example.test").status == MemberStatus.CONTACT


def test_team_page_queries_with_seats_do_not_grow(client, full, warm_caches):
    cast = full.cast
    cast.acme.company_locations.create(organization=cast.org, location=cast.mill, seats=2)
    client.force_login(cast.contact.user)
    client.get(reverse("portal:team", args=[cast.org.slug]))  # the header's switcher, kept
    counts = {}
    for size in (10, 40):
        while Member.objects.filter(company=cast.acme).count() < size:
            f.MemberFactory(location=cast.harbour, company=cast.acme)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("portal:team", args=[cast.org.slug]))
        assert shows(response, "Seats: 0 of 2 at Old Mill")
        counts[size] = len(queries)
    assert counts[10] == counts[40], counts
