"""The Members tab sorted by company or location (adminportal.keyset.
grouped_page): members of one company together, in the company's name
order (two companies of one name apart, by id), people without a company
first, each group by name; every row once, forwards and back, whether the
page is filled by walking the groups or by the plain sort behind them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.models import Member, MemberStatus
from tests import factories as f


@pytest.fixture
def crowd(cast):
    """Active members in companies with shared names and none, at two
    locations, with tied names (one surname: the database's collation and
    Python's order agree on these)."""
    here = {"location": cast.harbour, "also_at": [cast.mill]}
    twins = [f.CompanyFactory(name="Zeta", **here) for _ in range(2)]
    alpha = f.CompanyFactory(name="Alpha", **here)
    for company in (*twins, alpha, None):
        for first in ("Ann", "Ann", "Bob"):
            for location in (cast.harbour, cast.mill):
                f.MemberFactory(
                    location=location, company=company, first_name=first, last_name="Hale"
                )
    return cast


def expected(org, group):
    members = Member.objects.filter(organization=org, status=MemberStatus.ACTIVE).select_related(
        "company", "location"
    )

    def key(m):
        if group == "company":
            head = (m.company.name, m.company_id) if m.company_id else ("", 0)
        else:
            head = (m.location.name, m.location_id)
        return (*head, m.first_name, m.last_name, m.pk)

    return [m.pk for m in sorted(members, key=key)]


def walk(client, url, query):
    seen = []
    while True:
        page = client.get(f"{url}?{query}").context["page"]
        seen += [m.pk for m in page.object_list]
        if not page.next_query:
            break
        query = page.next_query
    back = []
    while True:
        page = client.get(f"{url}?{query}").context["page"]
        back = [m.pk for m in page.object_list] + back
        if not page.previous_query:
            break
        query = page.previous_query
    return seen, back


@pytest.mark.parametrize("walked", [100, 1])
@pytest.mark.parametrize("size", [2, 5])
@pytest.mark.parametrize("group", ["company", "location"])
def test_every_row_once_in_group_order_both_ways(client, crowd, monkeypatch, group, size, walked):
    monkeypatch.setattr("adminportal.views.directory.PAGE_SIZE", size)
    # One group walked: the rest of each page comes from the plain sort.
    monkeypatch.setattr("adminportal.keyset.GROUPS_WALKED", walked)
    client.force_login(crowd.owner)
    url = reverse("adminportal:members", args=[crowd.org.slug])
    seen, back = walk(client, url, f"sort={group}")
    assert seen == expected(crowd.org, group)
    assert back == seen


@pytest.mark.parametrize("group", ["company", "location"])
def test_a_filter_holds_and_another_locations_members_stay_out(client, crowd, group):
    client.force_login(crowd.admin)  # Harbour only
    url = reverse("adminportal:members", args=[crowd.org.slug])
    seen, back = walk(client, url, f"sort={group}&q=ann")
    harbour = set(
        Member.objects.filter(
            organization=crowd.org, location=crowd.harbour, status=MemberStatus.ACTIVE
        )
        .filter(first_name__icontains="ann")
        .values_list("pk", flat=True)
    )
    assert seen == [pk for pk in expected(crowd.org, group) if pk in harbour]
    assert back == seen


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the walk is PostgreSQL's")
def test_on_postgresql_the_groups_are_walked_not_every_row_sorted(client, crowd):
    client.force_login(crowd.owner)
    url = reverse("adminportal:members", args=[crowd.org.slug])
    client.get(f"{url}?sort=company")  # the header's switcher, kept
    with CaptureQueriesContext(connection) as queries:
        client.get(f"{url}?sort=company")
    assert any("CROSS JOIN LATERAL" in q["sql"] for q in queries.captured_queries)
