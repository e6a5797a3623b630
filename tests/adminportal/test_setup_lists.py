"""The setup lists (locations, plans, admins) search and page like the
directory (issue 13): a typed word narrows the list, a page holds at most
50 rows and its links keep the search, and another organization's rows
never show."""

import pytest
from django.urls import reverse

from adminportal.setup_lists import SETUP_PAGE_SIZE
from tests import factories as f

pytestmark = pytest.mark.django_db


def _get(client, cast, name, **params):
    response = client.get(reverse(f"adminportal:{name}", args=[cast.org.slug]), params)
    assert response.status_code == 200
    return response.content.decode()


def test_locations_search_by_name_or_address(client, cast):
    f.LocationFactory(organization=cast.org, name="Dockside", address="1 Quay Road")
    f.LocationFactory(organization=cast.other_org, name="Dockside South")
    client.force_login(cast.owner)
    html = _get(client, cast, "locations", q="quay")
    assert "Dockside" in html and "Harbour" not in html and "Dockside South" not in html
    assert "No location matches this search." in _get(client, cast, "locations", q="zzz")


def test_plans_search_by_name_or_location(client, cast):
    f.PlanFactory(organization=cast.org, location=cast.harbour, name="Hot desk")
    f.PlanFactory(organization=cast.org, location=cast.mill, name="Private office")
    f.PlanFactory(organization=cast.other_org, location=cast.other_location, name="Hot seat")
    client.force_login(cast.owner)
    html = _get(client, cast, "plans", q="hot")
    assert "Hot desk" in html and "Private office" not in html and "Hot seat" not in html
    assert "Private office" in _get(client, cast, "plans", q="old mill")
    assert "No plan matches this search." in _get(client, cast, "plans", q="zzz")


def test_admins_search_by_email(client, cast):
    f.OrganizationAdminFactory(organization=cast.org, user=f.UserFactory(email="zoe@example.test"))
    client.force_login(cast.owner)
    html = _get(client, cast, "admins", q="ZOE@")
    assert "zoe@example.test" in html and cast.owner.email not in html.split("<h1>", 1)[1]
    assert cast.other_admin.email not in _get(client, cast, "admins")


def test_a_long_list_pages_and_its_links_keep_the_search(client, cast):
    for n in range(SETUP_PAGE_SIZE + 5):
        f.LocationFactory(organization=cast.org, name=f"Site {n:03}")
    client.force_login(cast.owner)
    first = _get(client, cast, "locations", q="site")
    assert first.count('<td class="title">Site 0') == SETUP_PAGE_SIZE
    assert "?q=site&page=2" in first
    second = _get(client, cast, "locations", q="site", page=2)
    assert second.count('<td class="title">Site 0') == 5 and "Harbour" not in second
    # A forged page number shows a page, never an error: not a number the
    # first, too far the last.
    assert "Site 000" in _get(client, cast, "locations", q="site", page="x9")
    assert "Site 054" in _get(client, cast, "locations", q="site", page=99)
