import pytest

from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_contact_person_logs_in_with_password_and_lands_in_member_portal(cast, browser_page):
    page = browser_page
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(cast.contact.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"**/o/{cast.org.slug}/portal/")
    assert "Acme" in page.content()
