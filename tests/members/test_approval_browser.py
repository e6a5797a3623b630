"""Click-through of R8.2: a contact person adds a member while approval is
on; an admin approves from the link in their email; the member's invitation
arrives and logs them in."""

import pytest
from django.core import mail

from members.models import Member, MemberStatus, PortalAccess
from organizations.services import organization_update_settings
from tests.factories import PASSWORD
from tests.invitation_helpers import last_link

from .test_approvals import LINK, NINA

pytestmark = pytest.mark.browser


def log_in(page, email):
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()


def test_an_admin_approves_from_the_email_and_the_invitation_arrives(team, browser_page):
    cast, page = team.cast, browser_page
    organization_update_settings(
        organization=cast.org, actor=None, contact_additions_need_approval=True
    )

    # The contact person adds Nina as Active from My team.
    page.goto("/accounts/login/")
    log_in(page, cast.contact.email)
    page.wait_for_url(f"**/o/{cast.org.slug}/portal/")
    page.goto(f"/o/{cast.org.slug}/portal/team/add/")
    page.get_by_label("First name").fill("Nina")
    page.get_by_label("Last name").fill("Novak")
    page.get_by_label("Email").fill(NINA)
    page.get_by_label("Active", exact=True).check()
    page.get_by_role("button", name="Add member").click()
    page.wait_for_url("**/portal/team/")
    assert "awaiting an admin's approval" in page.content()
    nina = Member.objects.get(email=NINA)
    assert nina.status == MemberStatus.CONTACT
    row = page.locator(f"#member-{nina.pk}")
    assert "Awaiting approval" in row.inner_text()
    assert not [m for m in mail.outbox if NINA in m.to]  # no invitation yet

    # The admin's email carries Approve; the link asks them to log in first.
    (approval_email,) = [m for m in mail.outbox if cast.admin.email in m.to and LINK.search(m.body)]
    approve = next(
        m.group(1) for m in LINK.finditer(approval_email.body) if m.group(2) == "approve"
    )
    page.context.clear_cookies()
    page.goto(approve)
    page.wait_for_url("**/accounts/login/**")
    log_in(page, cast.admin.email)
    page.wait_for_url("**/admin/approvals/**/approve/**")
    page.get_by_role("button", name="Approve Nina Novak").click()
    page.wait_for_url(f"**/o/{cast.org.slug}/admin/approvals/")
    assert "Approved: Nina Novak is now Active" in page.content()

    # The invitation arrives; its link logs Nina in.
    nina.refresh_from_db()
    assert nina.status == MemberStatus.ACTIVE and nina.portal_access == PortalAccess.PENDING
    path, _ = last_link(NINA)
    page.context.clear_cookies()
    page.goto(path)
    assert "Welcome, Nina" in page.content()
    page.get_by_role("button", name="Get started").click()
    page.wait_for_url(f"**/o/{cast.org.slug}/portal/")
    assert "Hello, Nina" in page.content()
    # The contact person was told.
    assert any(
        cast.contact.email in m.to and "Approved: Nina Novak" in m.subject for m in mail.outbox
    )
