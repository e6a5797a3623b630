"""R7.2: list pages cost the same number of queries for 5 rows as for 50.

Every admin page's header shows the unread notifications and the
organization switcher, both cached per admin: a query each when the cache
is cold (the counting fixtures warm it).
"""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from guardian.shortcuts import clear_ct_cache

from tests import factories as f


def fill(cast, n):
    for i in range(n):
        company = cast.acme if i % 2 else None
        member = f.MemberFactory(location=cast.harbour, company=company)
        if i % 3 == 0:
            f.MembershipFactory(member=member)


def fill_companies(cast, n):
    for _ in range(n):
        company = f.CompanyFactory(location=cast.harbour)
        f.MemberFactory(location=cast.harbour, company=company)


@pytest.mark.parametrize("rows", [5, 50])
def test_members_list_queries_do_not_grow_with_rows(
    client, cast, rows, django_assert_max_num_queries
):
    fill(cast, rows)
    client.force_login(cast.admin)
    # 10, and a location-limited admin's grants, read once a request.
    with django_assert_max_num_queries(11):
        response = client.get(reverse("adminportal:members", args=[cast.org.slug]))
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [5, 50])
def test_companies_list_queries_do_not_grow_with_rows(
    client, cast, rows, django_assert_max_num_queries
):
    fill_companies(cast, rows)
    client.force_login(cast.admin)
    # 9, and since issue 13 the page's companies' locations and the header's
    # organization switcher (one query each); a location-limited admin's
    # grants, read once a request.
    with django_assert_max_num_queries(12):
        response = client.get(reverse("adminportal:companies", args=[cast.org.slug]))
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [5, 50])
def test_company_page_queries_do_not_grow_with_team_size(
    client, cast, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        f.MembershipFactory(member=f.MemberFactory(location=cast.harbour, company=cast.acme))
    client.force_login(cast.admin)
    # 11, and since issue 13: the company's locations, the admin's location
    # ids, the role holders' location links.
    with django_assert_max_num_queries(COMPANY_PAGE):
        response = client.get(reverse("adminportal:company", args=[cast.org.slug, cast.acme.pk]))
    assert response.status_code == 200


# 15, and the header's organization switcher (issue 13, item 6); since
# issue 14 the company's recent whole-team moves, each with Undo. Less the
# activity timeline, which its card reads when it is shown (issue 12), and
# the seats' own queries: they come from the memberships card and the
# member counts the page reads anyway.
COMPANY_PAGE = 15


def test_a_count_does_not_depend_on_the_tests_before_it(request, client, cast):
    """A flush after a transactional test (live server, worker) empties the
    per-process caches; the counting fixtures fill them again, so a count
    measures the page whichever tests ran before, or none did."""
    ContentType.objects.clear_cache()
    clear_ct_cache()
    assert_max_num_queries = request.getfixturevalue("django_assert_max_num_queries")
    client.force_login(cast.admin)
    with assert_max_num_queries(COMPANY_PAGE):
        response = client.get(reverse("adminportal:company", args=[cast.org.slug, cast.acme.pk]))
    assert response.status_code == 200


def fill_setup(cast, n):
    """n locations, each with a plan; n memberships on the teammate and on Acme."""
    for i in range(n):
        location = f.LocationFactory(organization=cast.org, door_group=str(i))
        f.PlanFactory(organization=cast.org, location=location)
        plan = f.PlanFactory(organization=cast.org, location=cast.harbour)
        f.MembershipFactory(member=cast.teammate, plan=plan)
        f.MembershipFactory(member=None, company=cast.acme, organization=cast.org, plan=plan)


@pytest.mark.parametrize("rows", [3, 30])
@pytest.mark.parametrize(
    ("page", "limit"),
    # Each with the header's organization switcher (issue 13, item 6); a
    # company's form also names its locations; the lists count their rows
    # for their pager.
    # Issue 14: the company page's seats per location (two queries; the
    # member page's fit in its budget) and its recent whole-team moves.
    [("locations", 11), ("plans", 10), ("member", 16), ("company", COMPANY_PAGE)],
)
def test_setup_pages_queries_do_not_grow_with_rows(
    client, cast, rows, page, limit, django_assert_max_num_queries
):
    fill_setup(cast, rows)
    args = {"member": [cast.teammate.pk], "company": [cast.acme.pk]}.get(page, [])
    client.force_login(cast.admin)
    with django_assert_max_num_queries(limit):
        response = client.get(reverse(f"adminportal:{page}", args=[cast.org.slug, *args]))
    assert response.status_code == 200
