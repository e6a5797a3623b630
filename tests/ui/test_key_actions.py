"""Each persona's main pages at 360 px and at 1280 px: no sideways page
scroll, and the actions people come for are visible, a fingertip big on a
phone, and work when tapped or clicked."""

import pytest

from members.actions.team import team_change_status
from members.models import JoinRequest, Member, MemberStatus, PortalAccess
from notifications.models import Notification
from tests import factories as f

from .checks import MIN_TARGET_PX, overflow
from .conftest import log_in

pytestmark = pytest.mark.browser

WIDTHS = ["phone", "desktop"]


def press(locator, width: str, *, loads: bool = True):
    """Check that a person can reach ``locator``, then tap or click it and
    wait for the page it loads (``loads=False``: an htmx update, a menu)."""
    locator.scroll_into_view_if_needed()
    assert locator.is_visible()
    box = locator.bounding_box()
    viewport = locator.page.viewport_size
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], "off the side"
    if width == "phone":
        assert box["height"] >= MIN_TARGET_PX - 0.5 and box["width"] >= MIN_TARGET_PX - 0.5, box
    act = locator.tap if width == "phone" else locator.click
    if loads:
        with locator.page.expect_navigation():
            act()
    else:
        act()


def fits(page):
    assert overflow(page) is None, f"{page.url}: {overflow(page)}"


def go(page, path: str):
    page.goto(path)
    fits(page)


def open_nav_link(page, name: str, width: str):
    """Follow a link of the header's menu, opening the menu first on a phone."""
    nav = page.get_by_role("navigation", name="Main")
    toggle = page.get_by_role("button", name="Menu")
    if width == "phone":
        assert not nav.get_by_role("link", name=name).is_visible(), "the menu starts folded"
        assert toggle.get_attribute("aria-expanded") == "false"
        press(toggle, width, loads=False)
        assert toggle.get_attribute("aria-expanded") == "true"
    else:
        assert not toggle.is_visible()
    press(nav.get_by_role("link", name=name), width)
    fits(page)


@pytest.fixture
def signed_in(world, open_context):
    """signed_in(user, width) -> a page of a fresh context, logged in."""

    def sign_in(user, width):
        page = open_context(width).new_page()
        log_in(page, user)
        fits(page)
        return page

    return sign_in


@pytest.mark.parametrize("width", WIDTHS)
def test_contact_person_changes_a_status_on_my_team(width, world, signed_in):
    cast, cole = world.cast, world.colleague
    ivy = f.MemberFactory(location=cast.harbour, company=cast.acme, first_name="Ivy")
    page = signed_in(cast.contact.user, width)
    open_nav_link(page, "My team", width)
    row = page.locator(f"#member-{cole.pk}")
    row.get_by_label(f"New status for {cole.full_name}").select_option("contact")
    row.get_by_label(f"Reason for {cole.full_name}").fill("Works remotely now")
    press(row.get_by_role("button", name=f"Change status of {cole.full_name}"), width, loads=False)

    swapped = page.locator(f"#member-{cole.pk}")
    swapped.get_by_text("is now Contact").wait_for()
    assert Member.objects.get(pk=cole.pk).status == MemberStatus.CONTACT
    # Read out by the live region, and the focus did not fall back to the page.
    page.wait_for_function(
        "document.getElementById('announce').textContent.includes('is now Contact')"
    )
    assert page.evaluate("document.activeElement !== document.body")
    fits(page)

    invite = page.get_by_role("button", name=f"Invite to the portal ({ivy.full_name})")
    press(invite, width, loads=False)
    page.locator(f"#member-{ivy.pk}").get_by_text("Pending").first.wait_for()
    assert Member.objects.get(pk=ivy.pk).portal_access == PortalAccess.PENDING
    fits(page)


@pytest.mark.parametrize("width", WIDTHS)
def test_owner_changes_a_members_status_and_invites_someone(width, world, signed_in):
    cast, cole = world.cast, world.colleague
    page = signed_in(cast.owner, width)
    page.goto(f"/o/{cast.org.slug}/admin/members/")  # an admin lands on the dashboard
    press(page.get_by_role("link", name=cole.full_name), width)
    assert page.url.endswith(f"/members/{cole.pk}/")
    fits(page)
    page.get_by_label("New status").select_option("former")
    page.get_by_label("Reason").fill("Left the company")
    press(page.get_by_role("button", name="Change status"), width)
    page.get_by_text(f"{cole.full_name} is now Former").wait_for()
    assert Member.objects.get(pk=cole.pk).status == MemberStatus.FORMER
    fits(page)

    open_nav_link(page, "Invitations", width)
    press(page.get_by_role("link", name="Invite a person").first, width)
    page.get_by_label("First name").fill("Pia")
    page.get_by_label("Email").fill("pia@example.test")
    page.get_by_label("Location").select_option(label=cast.harbour.name)
    fits(page)
    press(page.get_by_role("button", name="Send invitation"), width)
    page.get_by_text("pia@example.test").first.wait_for()
    assert Member.objects.get(email="pia@example.test").portal_access == PortalAccess.PENDING


@pytest.mark.parametrize("width", WIDTHS)
def test_location_admin_approves_a_request_and_reviews_notifications(width, world, signed_in):
    cast = world.cast
    team_change_status(actor=cast.contact.user, member=world.colleague, status=MemberStatus.FORMER)
    page = signed_in(cast.admin, width)

    open_nav_link(page, "Invitations", width)
    press(page.get_by_role("link", name="Requests to join"), width)
    fits(page)
    press(page.get_by_role("button", name="Approve Jo Joiner"), width)
    page.get_by_text("Jo Joiner is invited").wait_for()
    assert JoinRequest.objects.get(email="jo@example.test").state == JoinRequest.State.APPROVED

    open_nav_link(page, "Notifications", width)
    leaver = page.locator(".notification", has_text=world.leaver.full_name)
    press(leaver.get_by_role("button", name="Confirm"), width)
    page.get_by_text("Confirmed:").wait_for()
    fits(page)
    colleague = page.locator(".notification", has_text=world.colleague.full_name)
    press(colleague.get_by_role("button", name="Revert to Active"), width)
    page.get_by_text(f"Reverted: {world.colleague.full_name} is Active again").wait_for()
    assert Member.objects.get(pk=world.colleague.pk).status == MemberStatus.ACTIVE
    assert not Notification.objects.filter(
        recipient=cast.admin, kind=Notification.Kind.STATUS_CHANGED, resolution=""
    ).exists()
    fits(page)


@pytest.mark.parametrize("width", WIDTHS)
def test_plain_member_reaches_profile_and_account(width, world, signed_in):
    page = signed_in(world.cast.teammate.user, width)
    assert page.get_by_role("heading", name=f"Hello, {world.cast.teammate.first_name}")
    open_nav_link(page, "My account", width)
    page.locator("#id_phone").fill("+44 20 7946 0000")
    press(page.get_by_role("button", name="Save profile"), width)
    page.get_by_text("saved", exact=False).first.wait_for()
    assert Member.objects.get(pk=world.cast.teammate.pk).phone == "+44 20 7946 0000"
    fits(page)


@pytest.mark.parametrize("width", WIDTHS)
def test_anonymous_pages_login_join_and_get_started(width, world, open_context):
    page = open_context(width).new_page()
    go(page, f"/o/{world.cast.org.slug}/join/{world.cast.harbour.slug}/")
    page.get_by_label("First name").fill("Kim")
    page.get_by_label("Email").fill("kim@example.test")
    press(page.get_by_role("button", name="Send request"), width)
    fits(page)
    assert JoinRequest.objects.filter(email="kim@example.test").exists()

    go(page, world.invitation_path)
    press(page.get_by_role("button", name="Get started"), width)
    page.wait_for_url(f"**/o/{world.cast.org.slug}/portal/")
    fits(page)
    assert Member.objects.get(email="nina@example.test").portal_access == PortalAccess.ACTIVE


def test_without_javascript_the_menu_is_open_and_fits_a_phone(world, open_context):
    context = open_context("phone", java_script_enabled=False)
    page = context.new_page()
    log_in(page, world.cast.owner)
    nav = page.get_by_role("navigation", name="Main")
    for name in ("Members", "Companies", "Invitations", "Notifications", "Settings"):
        assert nav.get_by_role("link", name=name).is_visible()
    assert not page.get_by_role("button", name="Menu").is_visible()
    assert page.get_by_role("button", name="Log out").is_visible()
    fits(page)


def test_keyboard_skip_link_and_menu(world, open_context):
    page = open_context("phone").new_page()
    log_in(page, world.cast.contact.user)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    assert skip.is_visible(), "the skip link shows when it has the focus"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    page.keyboard.press("Shift+Tab")  # back to the header: brand, then the menu button
    toggle = page.get_by_role("button", name="Menu")
    toggle.focus()
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "My profile"
    page.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.textContent.trim()") == "Menu"
