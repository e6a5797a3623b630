"""The organization switcher in both portals' header (issue 13, item 6):
the organizations where this login is an active admin or a member with
portal access, in one query; hidden when there is only one."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from members.actions.access import member_deactivate_access
from members.models import Member, MemberStatus, PortalAccess
from members.selectors import organizations_of_login
from tests import factories as f


def _org(name):
    organization = f.OrganizationFactory(name=name, slug=name.lower())
    return organization, f.LocationFactory(organization=organization)


@pytest.fixture
def spread(db):
    """One login across six organizations, in every kind of standing."""
    user = f.UserFactory(email="roamer@example.test")
    orgs = {}
    orgs["admin"], _ = _org("Alpha")  # owner
    f.OrganizationAdminFactory(organization=orgs["admin"], user=user, is_owner=True)
    orgs["member"], place = _org("Bravo")  # member with portal access
    f.MemberFactory(location=place, user=user, portal_access=PortalAccess.ACTIVE)
    orgs["both"], place = _org("Charlie")  # admin and member
    f.OrganizationAdminFactory(organization=orgs["both"], user=user)
    f.MemberFactory(location=place, user=user, portal_access=PortalAccess.ACTIVE)
    orgs["suspended"], _ = _org("Delta")  # suspended admin role
    f.OrganizationAdminFactory(
        organization=orgs["suspended"], user=user, suspended_at=timezone.now()
    )
    orgs["no_access"], place = _org("Echo")  # member without portal access
    f.MemberFactory(location=place, user=user, portal_access=PortalAccess.NONE)
    orgs["former"], place = _org("Foxtrot")  # accepted, but no longer active
    f.MemberFactory(
        location=place, user=user, portal_access=PortalAccess.ACTIVE, status=MemberStatus.FORMER
    )
    orgs["deactivated"], place = _org("Golf")
    f.MemberFactory(location=place, user=user, portal_access=PortalAccess.DEACTIVATED)
    # Someone else's organization.
    _org("Hotel")
    return user, orgs


def _switcher(page: str) -> list[str]:
    found = re.search(r'<details class="switcher">(.*?)</details>', page, re.S)
    return re.findall(r'<a href="([^"]+)"', found.group(1)) if found else []


def test_it_lists_exactly_the_organizations_this_login_may_open(spread):
    user, orgs = spread
    listed = {o.slug: (o.is_admin, o.is_member) for o in organizations_of_login(user)}
    assert listed == {"alpha": (True, False), "bravo": (False, True), "charlie": (True, True)}


def test_both_portals_show_it_leading_to_the_right_portal(client, spread):
    user, orgs = spread
    client.force_login(user)
    admin_page = client.get(reverse("adminportal:home", args=["alpha"])).content.decode()
    assert _switcher(admin_page) == ["/o/alpha/admin/", "/o/bravo/portal/", "/o/charlie/admin/"]
    member_page = client.get(reverse("portal:home", args=["bravo"])).content.decode()
    # From the member portal, an organization where they are both opens as a member.
    assert _switcher(member_page) == ["/o/alpha/admin/", "/o/bravo/portal/", "/o/charlie/portal/"]
    assert 'href="/o/bravo/portal/" aria-current="page"' in member_page


def test_it_is_hidden_for_a_login_of_one_organization(client, cast):
    client.force_login(cast.teammate.user)
    assert (
        _switcher(client.get(reverse("portal:home", args=[cast.org.slug])).content.decode()) == []
    )
    client.force_login(cast.owner)
    page = client.get(reverse("adminportal:home", args=[cast.org.slug])).content.decode()
    assert 'class="switcher"' not in page


@pytest.mark.parametrize("portal", ["adminportal:home", "portal:home"])
def test_it_costs_one_query_however_many_organizations_then_none(client, spread, portal):
    user, orgs = spread
    client.force_login(user)
    url = reverse(portal, args=["charlie"])
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url).content.decode()
    assert len(_switcher(page)) == 3
    switcher = [q for q in queries.captured_queries if '"is_admin"' in q["sql"]]
    assert len(switcher) == 1
    # Kept for the next pages: the switcher is on every one.
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url).content.decode()
    assert len(_switcher(page)) == 3
    assert not [q for q in queries.captured_queries if '"is_admin"' in q["sql"]]


def test_a_recorded_change_shows_on_the_next_page(
    client, spread, django_capture_on_commit_callbacks
):
    user, orgs = spread
    client.force_login(user)
    url = reverse("adminportal:home", args=["alpha"])
    assert "/o/bravo/portal/" in _switcher(client.get(url).content.decode())
    member = Member.objects.get(organization=orgs["member"], user=user)
    with django_capture_on_commit_callbacks(execute=True):
        member_deactivate_access(member=member)
    assert _switcher(client.get(url).content.decode()) == ["/o/alpha/admin/", "/o/charlie/admin/"]


def test_what_one_login_keeps_is_not_shown_to_another(client, spread):
    user, orgs = spread
    client.force_login(user)
    client.get(reverse("adminportal:home", args=["alpha"]))
    other = f.UserFactory()
    f.OrganizationAdminFactory(organization=orgs["admin"], user=other)
    client.force_login(other)
    assert _switcher(client.get(reverse("adminportal:home", args=["alpha"])).content.decode()) == []


def test_pages_keep_their_switcher_when_the_cache_is_down(client, spread, settings):
    """Nothing listens on the cache's port: the switcher is read from the
    database, the page answers."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    user, orgs = spread
    client.force_login(user)
    page = client.get(reverse("portal:home", args=["bravo"]))
    assert page.status_code == 200
    assert len(_switcher(page.content.decode())) == 3
