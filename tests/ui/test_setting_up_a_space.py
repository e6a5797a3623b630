"""Issue 13's browser test: an operator sets up their space without support.

An owner starts from an empty organization (the organization and its owner,
nothing else: no location, plan, company or member), creates a location, a
plan there and a company there, invites the company's contact person, lets
contact persons manage their team, and invites an admin for that location.
The contact person accepts the emailed invitation and adds a teammate in
My team. The database is checked after each step, not only the pages.
"""

import re

import pytest
from guardian.shortcuts import get_perms

from companies.models import Company, CompanyLocation
from members.models import Member, MemberStatus, Plan, PortalAccess
from organizations.models import Location, OrganizationAdmin
from tests import factories as f
from tests.factories import PASSWORD
from tests.invitation_helpers import last_link

from .conftest import log_in
from .test_key_actions import fits, open_nav_link, press

pytestmark = pytest.mark.browser

WIDTH = "desktop"


def open_settings_tab(page, name: str):
    tabs = page.get_by_role("navigation", name="Settings")
    press(tabs.get_by_role("link", name=name), WIDTH)
    fits(page)


@pytest.fixture
def empty_org(db):
    organization = f.OrganizationFactory(name="Lakeside Desks", slug="lakeside")
    owner = f.OrganizationAdminFactory(organization=organization, is_owner=True).user
    return organization, owner


def test_an_owner_sets_up_a_space_and_its_contact_person_adds_a_teammate(empty_org, open_context):
    org, owner = empty_org
    base = f"/o/{org.slug}/admin"
    page = open_context(WIDTH).new_page()
    log_in(page, owner)
    assert page.url.endswith(f"{base}/"), "the owner lands on the empty dashboard"
    fits(page)

    # A location.
    open_nav_link(page, "Settings", WIDTH)
    open_settings_tab(page, "Locations")
    page.get_by_text("No locations yet.").wait_for()
    press(page.get_by_role("link", name="New location"), WIDTH)
    page.get_by_label("Name").fill("Lakeside")
    page.get_by_label("Address").fill("1 Shore Road")
    page.get_by_label("Time zone").fill("Europe/Berlin")
    fits(page)
    press(page.get_by_role("button", name="Create the location"), WIDTH)
    page.get_by_role("cell", name="1 Shore Road").wait_for()
    lakeside = Location.objects.get(organization=org)
    assert (lakeside.name, lakeside.address, lakeside.time_zone) == (
        "Lakeside",
        "1 Shore Road",
        "Europe/Berlin",
    )
    assert not lakeside.is_archived

    # A plan at that location.
    open_settings_tab(page, "Plans")
    press(page.get_by_role("link", name="New plan"), WIDTH)
    page.get_by_label("Location").select_option(label="Lakeside")
    page.get_by_label("Name").fill("Hot desk")
    page.get_by_label("Price").fill("180")
    fits(page)
    press(page.get_by_role("button", name="Create the plan"), WIDTH)
    page.get_by_role("link", name="Edit Hot desk").wait_for()
    plan = Plan.objects.get(organization=org)
    assert (plan.name, plan.location, plan.price) == ("Hot desk", lakeside, 180)
    assert plan.gives_door_access and plan.gives_printing_access

    # Contact persons may manage their team (off by default).
    open_settings_tab(page, "Organization")
    page.get_by_label("Allow contact persons to manage their company's member directory").check()
    press(page.get_by_role("button", name="Update"), WIDTH)
    org.refresh_from_db()
    assert org.contacts_manage_team

    # A company at that location.
    open_nav_link(page, "Companies", WIDTH)
    press(page.get_by_role("link", name="New company"), WIDTH)
    page.get_by_role("textbox", name="Name:", exact=True).fill("Pixel Mill")
    page.get_by_label("Lakeside").check()
    fits(page)
    press(page.get_by_role("button", name="Create company"), WIDTH)
    page.get_by_role("heading", name="Pixel Mill").wait_for()
    company = Company.objects.get(organization=org)
    assert company.name == "Pixel Mill"
    places = CompanyLocation.objects.filter(company=company).values_list("location", flat=True)
    assert list(places) == [lakeside.pk]

    # Its contact person: invited, then given the role on the company's page.
    open_nav_link(page, "Invitations", WIDTH)
    press(page.get_by_role("link", name="Invite a person").first, WIDTH)
    page.get_by_label("First name").fill("Cara")
    page.get_by_label("Last name").fill("Contact")
    page.get_by_label("Email").fill("cara@example.test")
    page.get_by_label("Location").select_option(label="Lakeside")
    page.get_by_label("Company:").select_option(label="Pixel Mill (Lakeside)")
    fits(page)
    press(page.get_by_role("button", name="Send invitation"), WIDTH)
    page.get_by_text("cara@example.test").first.wait_for()
    cara = Member.objects.get(organization=org, email="cara@example.test")
    assert (cara.company, cara.location, cara.portal_access) == (
        company,
        lakeside,
        PortalAccess.PENDING,
    )
    cara_link, _ = last_link("cara@example.test")

    open_nav_link(page, "Companies", WIDTH)
    press(page.get_by_role("link", name="Pixel Mill").first, WIDTH)
    roles = page.locator("#roles")
    roles.get_by_label("Find someone on the team").first.fill("Cara")
    roles.locator("#found-contact_person").get_by_label("Cara Contact").check()
    press(roles.get_by_role("button", name="Save roles"), WIDTH)
    company.refresh_from_db()
    assert company.contact_person == cara
    # Back on the company's page: its activity card reads the entries when
    # it comes into view.
    page.get_by_role("heading", name="Pixel Mill").wait_for()
    activity = page.locator("#timeline")
    activity.scroll_into_view_if_needed()
    activity.get_by_text("Company roles changed").first.wait_for()

    # An admin for that location, invited from the Admins page.
    open_nav_link(page, "Admins", WIDTH)
    press(page.get_by_role("link", name="Invite an admin"), WIDTH)
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Last name").fill("Admin")
    page.get_by_label("Email").fill("ada@example.test")
    page.get_by_label("Home location").select_option(label="Lakeside")
    page.get_by_role("group", name="Lakeside").get_by_label("Manage customers").check()
    fits(page)
    press(page.get_by_role("button", name="Send invitation"), WIDTH)
    page.get_by_text("ada@example.test").first.wait_for()
    ada = OrganizationAdmin.objects.get(organization=org, user__email="ada@example.test")
    assert not ada.is_owner
    assert get_perms(ada.user, lakeside) == ["manage_customers"]
    assert Member.objects.get(organization=org, email="ada@example.test").location == lakeside
    last_link("ada@example.test")

    # The contact person accepts the invitation and adds a teammate.
    contact = open_context(WIDTH).new_page()
    contact.goto(cara_link)
    fits(contact)
    press(contact.get_by_role("button", name="Get started"), WIDTH)
    contact.wait_for_url(f"**/o/{org.slug}/portal/")
    cara.refresh_from_db()
    assert cara.portal_access == PortalAccess.ACTIVE and cara.user.email == "cara@example.test"
    assert not cara.user.has_usable_password()

    # Nothing asks for a password (codes by email work); she sets one from
    # My account, and comes back with it.
    open_nav_link(contact, "My account", WIDTH)
    press(contact.get_by_role("link", name="Set a password"), WIDTH)
    contact.locator("#id_password1").fill(PASSWORD)
    contact.locator("#id_password2").fill(PASSWORD)
    fits(contact)
    press(contact.get_by_role("button", name=re.compile("set password", re.I)), WIDTH)
    cara.user.refresh_from_db()
    assert cara.user.check_password(PASSWORD)
    contact.context.close()
    contact = open_context(WIDTH).new_page()
    log_in(contact, cara.user)

    open_nav_link(contact, "My team", WIDTH)
    press(contact.get_by_role("link", name="Add a member"), WIDTH)
    contact.get_by_label("First name").fill("Tom")
    contact.get_by_label("Last name").fill("Teammate")
    contact.get_by_label("Email").fill("tom@example.test")
    fits(contact)
    press(contact.get_by_role("button", name="Add member"), WIDTH)
    contact.get_by_text("Tom Teammate").first.wait_for()
    fits(contact)
    tom = Member.objects.get(organization=org, email="tom@example.test")
    assert (tom.company, tom.location, tom.status) == (company, lakeside, MemberStatus.ACTIVE)
    # Approval of contact persons' additions is off: invited at once.
    assert tom.portal_access == PortalAccess.PENDING
    last_link("tom@example.test")
