"""The customers directory (issue 12, items 1-3): each tab, filter, search
and page holds exactly the right rows for each actor, the export equals
the list, and every tab costs the same number of queries at any size."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry, Verb
from members.actions.exports import SEARCHED
from members.actions.status import member_change_status
from members.models import Member, MemberStatus, PortalAccess
from tests import factories as f


@pytest.fixture
def people(cast):
    """Beside the cast: one of each status at each location, a plan. Fixed
    surnames: a random one ("Adams") would match the searches below."""
    plan = f.PlanFactory(organization=cast.org, name="Hot desk")
    people = {
        "ada": f.MemberFactory(
            location=cast.harbour, first_name="Ada", last_name="Byron", phone="+44 20 7946 0001"
        ),
        "cleo": f.MemberFactory(
            location=cast.harbour, first_name="Cleo", last_name="Hale", status=MemberStatus.CONTACT
        ),
        "fred": f.MemberFactory(
            location=cast.harbour, first_name="Fred", last_name="Hale", status=MemberStatus.FORMER
        ),
        "milo": f.MemberFactory(
            location=cast.mill, first_name="Milo", last_name="Hale", company=None
        ),
        "mona": f.MemberFactory(
            location=cast.mill, first_name="Mona", last_name="Hale", status=MemberStatus.CONTACT
        ),
        "nell": f.MemberFactory(
            location=cast.harbour,
            first_name="Nell",
            last_name="Hale",
            invited_at=timezone.now() - timedelta(days=2),
            portal_access=PortalAccess.PENDING,
        ),
    }
    f.MembershipFactory(member=people["ada"], plan=plan)
    f.MembershipFactory(
        member=people["milo"], plan=plan, end_date=timezone.localdate() + timedelta(days=10)
    )
    people["plan"] = plan
    return people


def names(response):
    return {row.first_name for row in response.context["page"].object_list}


def get(client, user, name, org, **params):
    client.force_login(user)
    return client.get(reverse(f"adminportal:{name}", args=[org.slug]), params)


CAST_ACTIVE_HARBOUR = {"Carla", "Bill", "Tess", "Gus"}


@pytest.mark.parametrize(
    "actor, tab, expected",
    [
        ("owner", "members", CAST_ACTIVE_HARBOUR | {"Ada", "Nell", "Milo"}),
        ("admin", "members", CAST_ACTIVE_HARBOUR | {"Ada", "Nell"}),
        ("mill_admin", "members", {"Milo"}),
        ("owner", "contacts", {"Cleo", "Fred", "Mona"}),
        ("admin", "contacts", {"Cleo", "Fred"}),
        ("mill_admin", "contacts", {"Mona"}),
    ],
)
def test_member_tabs_list_exactly_the_actors_rows(client, cast, people, actor, tab, expected):
    response = get(client, getattr(cast, actor), tab, cast.org)
    assert response.status_code == 200
    assert names(response) == expected


def test_another_organization_sees_none_of_these_rows(client, cast, people):
    for tab in ("members", "contacts", "companies", "users"):
        response = get(client, cast.other_admin, tab, cast.org)
        assert response.status_code == 404
    response = get(client, cast.other_admin, "members", cast.other_org)
    assert {m.pk for m in response.context["page"].object_list} == {cast.other_member.pk}


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"q": "ada"}, {"Ada"}),
        ({"q": "byron ada"}, {"Ada"}),  # every word must match
        ({"q": "7946"}, {"Ada"}),  # phone
        ({"q": "acme"}, {"Carla", "Bill", "Tess"}),  # company name
        ({"q": "globex"}, {"Gus"}),
        ({"role": "contact"}, {"Carla", "Gus"}),
        ({"role": "billing"}, {"Bill"}),
        ({"portal_access": "pending"}, {"Nell"}),
        ({"new": "on"}, {"Nell"}),
        ({"membership": "active"}, {"Ada"}),
        ({"membership": "none"}, CAST_ACTIVE_HARBOUR | {"Nell"}),
        ({"plan": "PLAN"}, {"Ada"}),
        ({"sort": "-name", "q": "a"}, None),  # sorting changes no rows
    ],
)
def test_filters_and_search_for_a_location_admin(client, cast, people, params, expected):
    params = {k: (people["plan"].pk if v == "PLAN" else v) for k, v in params.items()}
    response = get(client, cast.admin, "members", cast.org, **params)
    if expected is None:
        expected = names(get(client, cast.admin, "members", cast.org, q="a"))
    assert names(response) == expected


def test_a_search_by_the_start_of_an_address(client, cast, people):
    ada = Member.objects.get(organization=cast.org, first_name="Ada")
    start = ada.email[: ada.email.index("@") + 2]
    for words in (ada.email, ada.email.upper(), start, f"{start} byron"):
        assert names(get(client, cast.admin, "members", cast.org, q=words)) == {"Ada"}, words
    # From its start only: a word with an "@" inside is looked up by prefix.
    assert names(get(client, cast.admin, "members", cast.org, q=ada.email[1:])) == set()
    # Never another location's or another organization's member.
    milo = Member.objects.get(organization=cast.org, first_name="Milo")
    assert names(get(client, cast.admin, "members", cast.org, q=milo.email)) == set()
    assert names(get(client, cast.admin, "members", cast.org, q=cast.other_member.email)) == set()
    assert names(get(client, cast.owner, "members", cast.org, q=milo.email)) == {"Milo"}


def test_company_role_location_and_membership_filters_for_the_owner(client, cast, people):
    assert names(get(client, cast.owner, "members", cast.org, company=cast.acme.pk)) == {
        "Carla",
        "Bill",
        "Tess",
    }
    assert names(get(client, cast.owner, "members", cast.org, location=cast.mill.pk)) == {"Milo"}
    assert names(get(client, cast.owner, "members", cast.org, membership="ending")) == {"Milo"}
    assert names(get(client, cast.owner, "contacts", cast.org, status="former")) == {"Fred"}
    # The owner's own member record is an admin's.
    f.PortalMemberFactory(location=cast.harbour, user=cast.owner, email=cast.owner.email)
    owner_record = Member.objects.get(user=cast.owner)
    assert names(get(client, cast.owner, "members", cast.org, role="admin")) == {
        owner_record.first_name
    }


def test_a_location_admin_cannot_filter_into_another_location(client, cast, people):
    response = get(client, cast.admin, "members", cast.org, location=cast.mill.pk)
    assert "Milo" not in names(response)
    response = get(client, cast.mill_admin, "members", cast.org, q="acme")
    assert names(response) == set()


def test_companies_tab_search_and_counts(client, cast, people):
    f.CompanyFactory(location=cast.mill, name="Millworks")
    response = get(client, cast.admin, "companies", cast.org)
    rows = {c.name: c for c in response.context["page"].object_list}
    assert set(rows) == {"Acme", "Globex"}
    assert (rows["Acme"].active_member_count, rows["Acme"].member_count) == (3, 3)
    assert {
        c.name
        for c in get(client, cast.owner, "companies", cast.org, q="mill")
        .context["page"]
        .object_list
    } == {"Millworks"}
    assert (
        get(client, cast.mill_admin, "companies", cast.org, q="acme").context["page"].object_list
        == []
    )


def test_users_tab_lists_logins_of_the_actors_locations_only(client, cast, people):
    response = get(client, cast.admin, "users", cast.org)
    emails = {u.email for u in response.context["page"].object_list}
    assert emails == {
        m.email for m in (cast.contact, cast.billing, cast.teammate, cast.globex_contact)
    }
    assert cast.other_member.email not in emails
    assert get(client, cast.mill_admin, "users", cast.org).context["page"].object_list == []
    response = get(client, cast.admin, "users", cast.org, q="acme")
    assert {u.email for u in response.context["page"].object_list} == {
        cast.contact.email,
        cast.billing.email,
        cast.teammate.email,
    }


def test_tab_counts_are_right_and_follow_a_change(
    client, cast, people, django_capture_on_commit_callbacks
):
    counts = get(client, cast.admin, "members", cast.org).context["counts"]
    assert counts == {"members": 6, "contacts": 2, "companies": 2, "users": 4}
    with django_capture_on_commit_callbacks(execute=True):
        member_change_status(
            member=people["ada"], status=MemberStatus.FORMER, actor=cast.admin, via="admin"
        )
    counts = get(client, cast.admin, "members", cast.org).context["counts"]
    assert (counts["members"], counts["contacts"]) == (5, 3)


@pytest.mark.parametrize("sort", ["name", "-name", "company", "location", "-added", "email"])
def test_keyset_pages_walk_every_row_once_both_ways(client, cast, people, monkeypatch, sort):
    monkeypatch.setattr("adminportal.views.directory.PAGE_SIZE", 2)
    for _ in range(5):
        f.MemberFactory(location=cast.harbour, first_name="Ada")  # ties on the name
    client.force_login(cast.owner)
    url = reverse("adminportal:members", args=[cast.org.slug])
    everyone = list(
        Member.objects.filter(organization=cast.org, status=MemberStatus.ACTIVE).values_list(
            "pk", flat=True
        )
    )
    seen, pages, query = [], [], f"sort={sort}&q=a"
    while True:
        response = client.get(f"{url}?{query}")
        page = response.context["page"]
        pages.append(query)
        seen += [m.pk for m in page.object_list]
        assert "sort=" in page.next_query or not page.next_query  # filters survive paging
        if not page.next_query:
            break
        query = page.next_query
    matching = set(
        Member.objects.filter(pk__in=everyone)
        .filter(first_name__icontains="a")
        .values_list("pk", flat=True)
        | Member.objects.filter(pk__in=everyone)
        .filter(last_name__icontains="a")
        .values_list("pk", flat=True)
        | Member.objects.filter(pk__in=everyone)
        .filter(email__icontains="a")
        .values_list("pk", flat=True)
        | Member.objects.filter(pk__in=everyone)
        .filter(company__name__icontains="a")
        .values_list("pk", flat=True)
    )
    assert len(seen) == len(set(seen)) == len(matching)
    assert set(seen) == matching
    # And back: previous links from the last page give the same rows reversed.
    back = []
    while True:
        page = client.get(f"{url}?{query}").context["page"]
        back = [m.pk for m in page.object_list] + back
        if not page.previous_query:
            break
        query = page.previous_query
    assert back == seen


# ------------------------------------------------------------ export


def export(client, user, org, tab="members", **params):
    client.force_login(user)
    response = client.get(reverse(f"adminportal:{tab}_export", args=[org.slug]), params)
    assert isinstance(response, StreamingHttpResponse)
    return response


def read_csv(response):
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.mark.parametrize("actor", ["owner", "admin", "mill_admin"])
@pytest.mark.parametrize(
    "params", [{}, {"q": "a"}, {"membership": "active"}, {"sort": "-name"}, {"sort": "company"}]
)
def test_export_rows_equal_the_filtered_list(client, cast, people, monkeypatch, actor, params):
    monkeypatch.setattr("adminportal.views.directory.PAGE_SIZE", 1000)
    user = getattr(cast, actor)
    listed = [m.pk for m in get(client, user, "members", cast.org, **params).context["page"]]
    rows = read_csv(export(client, user, cast.org, **params))
    assert [int(r["member_id"]) for r in rows] == listed
    entry = AuditEntry.objects.filter(verb=Verb.EXPORT_CREATED).latest("pk")
    assert (entry.actor_id, entry.organization_id, entry.after["rows"]) == (
        user.pk,
        cast.org.pk,
        len(listed),
    )
    expected = {k: v for k, v in params.items() if k != "sort"}
    if "q" in expected:
        expected["q"] = SEARCHED
    assert entry.after["filters"] == expected


def test_an_export_entry_keeps_no_words_searched_for(client, cast, people):
    """A search is often someone's name; the log outlives their erasure."""
    read_csv(export(client, cast.owner, cast.org, q="Lovelace"))
    entry = AuditEntry.objects.filter(verb=Verb.EXPORT_CREATED).latest("pk")
    assert entry.after["filters"] == {"q": SEARCHED}
    assert "Lovelace" not in str(entry.after)


def test_export_carries_the_ids_a_reimport_needs(client, cast, people):
    rows = {r["first_name"]: r for r in read_csv(export(client, cast.owner, cast.org))}
    ada, milo = rows["Ada"], rows["Milo"]
    assert ada["plan_id"] == str(people["plan"].pk) and ada["membership"] == "active"
    assert milo["location_id"] == str(cast.mill.pk) and milo["company_id"] == ""
    assert rows["Tess"]["company_id"] == str(cast.acme.pk)


def test_formula_cells_are_neutralised(client, cast):
    f.MemberFactory(location=cast.harbour, first_name='=HYPERLINK("http://x")', last_name="+1")
    body = b"".join(export(client, cast.admin, cast.org).streaming_content).decode()
    assert "'=HYPERLINK" in body and ",'+1," in body
    assert ",=HYPERLINK" not in body


def test_export_dates_are_in_the_organizations_time_zone(client, cast):
    """The file is read after the view returned (and the request's zone
    with it): its dates still show in the organization's zone."""
    from zoneinfo import ZoneInfo

    cast.org.time_zone = "Asia/Tokyo"
    cast.org.save(update_fields=["time_zone"])
    member = f.MemberFactory(location=cast.harbour)
    rows = read_csv(export(client, cast.admin, cast.org))
    added = next(r["added"] for r in rows if int(r["member_id"]) == member.pk)
    tokyo = member.created_at.astimezone(ZoneInfo("Asia/Tokyo"))
    assert added == tokyo.isoformat(timespec="seconds")
    assert added.endswith("+09:00")


def test_export_streams_in_chunks_of_queries(client, cast, monkeypatch):
    monkeypatch.setattr("adminportal.views.directory.EXPORT_CHUNK", 3)
    for _ in range(7):
        f.MemberFactory(location=cast.harbour)
    response = export(client, cast.admin, cast.org)
    lines = iter(response.streaming_content)
    with CaptureQueriesContext(connection) as first:
        next(lines)  # the header goes out before any row is read
    assert len(first) == 0
    with CaptureQueriesContext(connection) as rest:
        rows = b"".join(lines).decode().splitlines()
    assert len(rows) == 7 + 4  # 4 cast members at the harbour
    # 11 rows in chunks of 3: four reads, each of one chunk.
    selects = [q for q in rest.captured_queries if "members_member" in q["sql"]]
    assert len(selects) == 4


# ------------------------------------------------------------ query counts


def fill(cast, n):
    for i in range(n):
        company = cast.acme if i % 2 else None
        member = f.MemberFactory(location=cast.harbour, company=company)
        f.PortalMemberFactory(location=cast.harbour, status=MemberStatus.CONTACT)
        if i % 3 == 0:
            f.MembershipFactory(member=member)
        f.CompanyFactory(location=cast.harbour)


@pytest.mark.parametrize("rows", [3, 30])
@pytest.mark.parametrize(
    "tab, params",
    [
        ("members", {}),
        ("members", {"q": "a b", "role": "contact", "membership": "ending", "new": "on"}),
        ("members", {"sort": "company", "after": "CAST"}),
        ("contacts", {"status": "contact", "portal_access": "active"}),
        ("companies", {"q": "company"}),
        ("users", {"q": "example", "admin": "on"}),
    ],
)
def test_every_tab_costs_the_same_queries_at_any_size(
    client, cast, rows, tab, params, django_assert_max_num_queries
):
    fill(cast, rows)
    params = {k: (cast.teammate.pk if v == "CAST" else v) for k, v in params.items()}
    client.force_login(cast.admin)
    # One of them the header's organization switcher. A sort by company
    # reads its page in up to four steps (keyset.grouped_page): three more.
    # And the location-limited admin's grants, read once a request.
    with django_assert_max_num_queries(15 if "sort" in params else 12):
        response = client.get(reverse(f"adminportal:{tab}", args=[cast.org.slug]), params)
    assert response.status_code == 200


def test_a_member_opened_from_a_filtered_tab_leads_back_to_it(client, cast, people):
    response = get(client, cast.admin, "contacts", cast.org, q="cleo", sort="-name")
    link = re.search(r'href="([^"]+)">Cleo', response.content.decode()).group(1)
    member_page = client.get(link)
    back = re.search(r'href="([^"]+)">← Members', member_page.content.decode()).group(1)
    contacts = reverse("adminportal:contacts", args=[cast.org.slug])
    assert back.replace("&amp;", "&") == f"{contacts}?q=cleo&sort=-name"
    assert names(client.get(back.replace("&amp;", "&"))) == {"Cleo"}


@pytest.mark.parametrize(
    "back", ["", "https://evil.example/?q=1", "settings?x=1", "//evil.example", "members?q=<b>"]
)
def test_the_way_back_goes_only_to_a_directory_tab(client, cast, people, back):
    client.force_login(cast.admin)
    url = reverse("adminportal:member", args=[cast.org.slug, people["ada"].pk])
    page = client.get(url, {"back": back}).content.decode()
    target = re.search(r'href="([^"]+)">← Members', page).group(1)
    assert target.startswith(reverse("adminportal:members", args=[cast.org.slug]))
    assert "evil" not in target and "<b>" not in target
