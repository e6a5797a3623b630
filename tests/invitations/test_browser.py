"""Click-through: the invitation email's "Get started" link logs a new person in (R4.2)."""

import pytest

from members.invitations import member_invite_new
from members.models import Member, PortalAccess

from .helpers import last_link

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
