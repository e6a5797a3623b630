"""Click-through as a contact person: log in, My team, add, set Former, see a refusal."""

import pytest

from members.models import Member, MemberStatus
from members.policy import OWN_STATUS
from tests.factories import PASSWORD
from tests.team_cast import said

pytestmark = pytest.mark.browser


def test_contact_person_manages_the_team_in_a_browser(team, browser_page):
    page = browser_page
    cast = team.cast
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(cast.contact.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"**/o/{cast.org.slug}/portal/")

    page.get_by_role("link", name="My team").click()
    page.wait_for_url("**/portal/team/")
    own_row = page.locator(f"#member-{cast.contact.pk}")
    assert said(OWN_STATUS) in own_row.inner_text()
    assert own_row.locator("select").count() == 0

    page.get_by_role("link", name="Add a member").first.click()
    page.get_by_label("First name").fill("Nina")
    page.get_by_label("Last name").fill("Novak")
    page.get_by_label("Email").fill("nina.novak@example.test")
    page.get_by_label("Contact", exact=True).check()
    page.get_by_role("button", name="Add member").click()
    page.wait_for_url("**/portal/team/")
    assert "Nina Novak is now on Acme's team as Contact" in page.content()
    assert Member.objects.get(email="nina.novak@example.test").status == MemberStatus.CONTACT

    row = page.locator(f"#member-{team.colleague.pk}")
    row.get_by_label(f"New status for {team.colleague.full_name}").select_option("former")
    row.get_by_label(f"Reason for {team.colleague.full_name}").fill("Moved abroad")
    row.get_by_role("button", name="Change").click()
    # htmx swaps the row in place: the new row carries the outcome.
    swapped = page.locator(f"#member-{team.colleague.pk}")
    swapped.get_by_text("is now Former").wait_for()
    assert "Former" in swapped.locator(".badge").first.inner_text()
    assert page.url.endswith("/portal/team/")
    team.colleague.refresh_from_db()
    assert team.colleague.status == MemberStatus.FORMER
    swapped.locator("summary").click()  # the history is read when it is opened
    swapped.locator(".history table").wait_for()
    assert "Moved abroad" in swapped.locator(".history").inner_text()


def test_a_team_of_120_in_a_browser_pages_searches_and_opens_a_history(team, browser_page):
    from members.actions.team import team_change_status
    from tests import factories as f

    cast, page = team.cast, browser_page
    for i in range(120 - Member.objects.filter(company=cast.acme).count()):
        f.MemberFactory(location=cast.harbour, company=cast.acme, first_name=f"Ann{i:03}")
    team_change_status(
        actor=cast.contact.user, member=team.colleague, status="contact", reason="On leave"
    )
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(cast.contact.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"**/o/{cast.org.slug}/portal/")
    page.goto(f"/o/{cast.org.slug}/portal/team/")
    rows = page.locator("tbody.team-member")
    assert rows.count() == 50
    assert "Page 1 of 3 · 120 in all" in page.locator(".pager").inner_text()

    page.get_by_role("link", name="Next →").click()
    page.wait_for_url("**/portal/team/?page=2")
    assert "Page 2 of 3" in page.locator(".pager").inner_text()
    assert rows.count() == 50

    page.get_by_label("Search by name").fill(team.colleague.first_name)
    page.wait_for_url(f"**q={team.colleague.first_name}**")
    row = page.locator(f"#member-{team.colleague.pk}")
    row.wait_for()
    row.locator("summary").click()
    row.locator(".history table").wait_for()
    assert "On leave" in row.locator(".history").inner_text()
