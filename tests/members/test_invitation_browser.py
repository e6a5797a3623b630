"""Click-through: the invitation email's "Get started" link logs a new person in (R4.2)."""

import pytest

from members.actions.invitations import member_invite_new
from members.models import Member, PortalAccess
from tests.factories import PASSWORD
from tests.invitation_helpers import last_link

pytestmark = pytest.mark.browser


def test_the_emailed_link_logs_a_new_person_in_and_lands_in_the_member_portal(cast, browser_page):
    # live_server runs in autocommit, so the email task runs right after the invite.
    member_invite_new(
        organization=cast.org,
        location=cast.harbour,
        first_name="Nina",
        email="nina@example.test",
        company=cast.acme,
        actor=cast.admin,
    )
    path, _ = last_link("nina@example.test")
    page = browser_page
    page.goto(path)
    assert "Welcome, Nina" in page.content()
    page.get_by_role("button", name="Get started").click()
    page.wait_for_url(f"**/o/{cast.org.slug}/portal/")
    assert "Hello, Nina" in page.content()
    assert "nina@example.test" in page.content()
    member = Member.objects.get(email="nina@example.test")
    assert member.portal_access == PortalAccess.ACTIVE and member.user is not None

    # The same link, opened again, leads to the normal login page.
    page.context.clear_cookies()
    page.goto(path)
    page.wait_for_url("**/accounts/login/")
    assert "expired or was already used" in page.content()


def test_a_link_opened_while_logged_in_as_someone_else_asks_which_account(cast, browser_page):
    """Issue 10: never silently the other account. Logged in (with a
    password) as a member of another space, the person chooses to log out
    and continue as the invited address."""
    member_invite_new(
        organization=cast.org,
        location=cast.harbour,
        first_name="Nina",
        email="nina@example.test",
        actor=cast.admin,
    )
    path, _ = last_link("nina@example.test")
    page = browser_page
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(cast.other_member.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"**/o/{cast.other_org.slug}/portal/")
    page.goto(path)
    assert "Which account do you want to continue with?" in page.content()
    page.get_by_role("button", name="Log out and continue as nina@example.test").click()
    page.wait_for_url(f"**/o/{cast.org.slug}/portal/")
    assert "Hello, Nina" in page.content()
    member = Member.objects.get(email="nina@example.test")
    assert member.user.email == "nina@example.test"


def test_a_large_paste_shows_what_is_happening_and_cannot_be_sent_twice(
    cast, browser_page, live_server
):
    from tests.factories import PASSWORD

    page = browser_page
    page.goto("/accounts/login/")
    page.fill("input[name=login]", cast.admin.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(f"**/o/{cast.org.slug}/admin/")

    page.goto(f"/o/{cast.org.slug}/admin/invite/many/")
    rows = "\n".join(f"First{i}\tLast{i}\tperson{i}@bulk.test" for i in range(2000))
    # As a paste arrives: the whole text at once, then one input event. fill()
    # types it through the editing machinery, which took over 10 s on a
    # loaded 2-core machine; what is tested is the page's answer, not that.
    textarea = page.locator("textarea")
    textarea.evaluate(
        """(area, text) => {
        area.value = text;
        area.dispatchEvent(new Event("input", {bubbles: true}));
    }""",
        rows,
    )
    assert textarea.input_value() == rows
    # Stop the browser from leaving the page (a listener after ours), to look
    # at it while "the server works"; count the submissions that got through.
    page.evaluate(
        """() => {
        window.sent = 0;
        window.addEventListener("submit", (e) => {
            if (!e.defaultPrevented) window.sent += 1;
            e.preventDefault();
        });
    }"""
    )
    page.get_by_role("button", name="Preview").click()
    status = page.locator("[data-busy-status]")
    assert status.is_visible() and "Checking 2,000 rows" in status.inner_text()
    assert page.get_by_role("button", name="Preview").is_disabled()
    page.evaluate("document.querySelector('form[data-busy]').requestSubmit()")  # impatient
    assert page.evaluate("window.sent") == 1
    # Now let it go: the button pressed is still sent along.
    page.evaluate("document.querySelector('form[data-busy]').submit()")
    page.wait_for_selector("#preview", timeout=60_000)  # 2,000 rows on a busy machine
    assert "2000 ready to invite" in page.locator("#preview").inner_text()
