"""The standing cast (after Healthchecks' alice/bob/charlie).

Every test can reach across a boundary: two organizations, two locations in
the first, two companies, and the people who sit on each side.
"""

import os
import socket
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.cache import caches
from django_scopes import scopes_disabled
from guardian import shortcuts as guardian_shortcuts
from guardian.shortcuts import assign_perm

from companies.models import Company
from members.actions.roles import company_set_roles
from members.models import Member
from organizations.models import Location, Organization
from organizations.permissions import MANAGE_CUSTOMERS, MANAGE_SETTINGS

from . import factories as f

# The team cast (team management switched on) for every folder that tests
# team rules: companies, members, notifications, portal.
pytest_plugins = ["tests.team_cast"]


@dataclass
class Cast:
    org: Organization
    harbour: Location  # first location of org
    mill: Location  # second location of org
    acme: Company  # at harbour
    globex: Company  # at harbour, another company
    owner: object  # user: owner of org
    admin: object  # user: admin of harbour only (customers + settings)
    mill_admin: object  # user: admin of mill only
    contact: Member  # Acme's contact person (portal login)
    billing: Member  # Acme's billing person (portal login)
    teammate: Member  # plain Acme member (portal login)
    globex_contact: Member  # Globex's contact person
    other_org: Organization
    other_location: Location
    other_admin: object  # user: owner of other_org
    other_member: Member  # member of other_org


@pytest.fixture
def cast(db) -> Cast:
    org = f.OrganizationFactory(name="Northwind", slug="northwind")
    harbour = f.LocationFactory(organization=org, name="Harbour", slug="harbour")
    mill = f.LocationFactory(organization=org, name="Old Mill", slug="mill")
    acme = f.CompanyFactory(location=harbour, name="Acme")
    globex = f.CompanyFactory(location=harbour, name="Globex")

    owner = f.OrganizationAdminFactory(organization=org, is_owner=True).user
    admin = f.OrganizationAdminFactory(organization=org).user
    assign_perm(MANAGE_CUSTOMERS, admin, harbour)
    assign_perm(MANAGE_SETTINGS, admin, harbour)
    mill_admin = f.OrganizationAdminFactory(organization=org).user
    assign_perm(MANAGE_CUSTOMERS, mill_admin, mill)

    # Fixed surnames: a random one ("Adams", "Estrada") would match searches.
    contact = f.PortalMemberFactory(
        location=harbour, company=acme, first_name="Carla", last_name="Quint"
    )
    billing = f.PortalMemberFactory(
        location=harbour, company=acme, first_name="Bill", last_name="Quarry"
    )
    teammate = f.PortalMemberFactory(
        location=harbour, company=acme, first_name="Tess", last_name="Quayle"
    )
    company_set_roles(company=acme, contact_person=contact, billing_person=billing)
    globex_contact = f.PortalMemberFactory(
        location=harbour, company=globex, first_name="Gus", last_name="Quimby"
    )
    company_set_roles(company=globex, contact_person=globex_contact, billing_person=None)

    other_org = f.OrganizationFactory(name="Southgate", slug="southgate")
    other_location = f.LocationFactory(organization=other_org, name="Riverside")
    other_admin = f.OrganizationAdminFactory(organization=other_org, is_owner=True).user
    other_member = f.PortalMemberFactory(location=other_location)

    return Cast(
        org=org,
        harbour=harbour,
        mill=mill,
        acme=acme,
        globex=globex,
        owner=owner,
        admin=admin,
        mill_admin=mill_admin,
        contact=contact,
        billing=billing,
        teammate=teammate,
        globex_contact=globex_contact,
        other_org=other_org,
        other_location=other_location,
        other_admin=other_admin,
        other_member=other_member,
    )


#: ``make test`` runs the suite on two processes (pytest-xdist, ``--dist
#: loadgroup``). Each kind of heavy test keeps to one of them: two Chromiums,
#: or two real Celery workers, side by side on a 2-core machine would each
#: run slower than one after the other.
XDIST_GROUPS = {"browser": "browser", "worker": "processes", "processes": "processes"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    for item in items:
        for marker, group in XDIST_GROUPS.items():
            if item.get_closest_marker(marker):
                item.add_marker(pytest.mark.xdist_group(group))
                break


@contextmanager
def hung_redis():
    """A port that accepts TCP connections and never answers: a hung Redis."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"


def require_or_skip(reason: str):
    """Missing service: CI (REQUIRE_SERVICES=1) fails, a laptop skips."""
    if os.environ.get("REQUIRE_SERVICES"):
        pytest.fail(f"{reason} (REQUIRE_SERVICES is set, so this is a failure)")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _scopes_disabled():
    """Tests build and check rows of several organizations outside any
    request, so tenant scoping (tenancy/scoping.py) is off around each
    test, as pretix's tests do. A request made with the test client runs in
    its own scope again (organizations/middleware.py), so views are tested
    as they run; tests/organizations/test_scoping_fails_loud.py enters a
    request's scope itself to prove that it refuses."""
    with scopes_disabled():
        yield


@pytest.fixture(autouse=True)
def _empty_django_caches():
    """The cache is per process (locmem): rate-limit counters and whatever
    else a test leaves there must not reach the next test."""
    for cache in caches.all():
        cache.clear()


@pytest.fixture
def warm_caches(db):
    """Fill the per-process lookups a running server fills on its first
    requests: content types, and guardian's permission -> content type cache.

    A flush after a transactional test (live server, worker) empties both, so
    whether they are warm would otherwise depend on which tests ran before:
    a query count measures the page, not the order. Every query-count test
    gets this through the two fixtures below; a test that counts with
    CaptureQueriesContext asks for it."""
    ContentType.objects.get_for_models(*apps.get_models())
    for permission in Permission.objects.select_related("content_type"):
        # What get_objects_for_user asks for "app_label.codename" permissions.
        guardian_shortcuts._get_ct_cached(permission.content_type.app_label, permission.codename)


@pytest.fixture
def django_assert_num_queries(warm_caches, django_assert_num_queries):
    return django_assert_num_queries


@pytest.fixture
def django_assert_max_num_queries(warm_caches, django_assert_max_num_queries):
    return django_assert_max_num_queries


CHROMIUM = "/usr/bin/chromium"
# Long enough for a page of a loaded 2-core CI machine, short enough that a
# page that never comes fails the test rather than the CI run's time limit.
BROWSER_TIMEOUT_MS = 30_000


@pytest.fixture
def browser_page(live_server, monkeypatch):
    """A Playwright page in Debian's Chromium, against ``live_server``.

    Marks the test ``browser``. Playwright's sync API keeps an event loop on
    this thread, so Django's async-safety check is switched off for it.
    """
    if not os.path.exists(CHROMIUM):
        require_or_skip("Debian's Chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        context = browser.new_context(base_url=live_server.url)
        context.set_default_timeout(BROWSER_TIMEOUT_MS)
        page = context.new_page()
        try:
            yield page
        finally:
            context.close()
            browser.close()
