"""The cast with something on every page, and the browser contexts the UI
checks use: one browser (``browser_page``'s), one login per persona, reused
at each width through Playwright's storage state."""

from dataclasses import dataclass

import pytest

from members.actions.approvals import status_request_open
from members.actions.invitations import member_invite_new
from members.actions.join_requests import join_request_submit
from members.actions.team import team_change_status
from members.models import Member, MemberStatus
from organizations.logo_files import prepare_logo
from organizations.services import organization_update_brand, organization_update_settings
from tests import factories as f
from tests.branding_helpers import LIGHT_ACCENT, logo_upload
from tests.conftest import BROWSER_TIMEOUT_MS
from tests.factories import PASSWORD
from tests.invitation_helpers import last_link

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
WIDTHS = {"phone": PHONE, "desktop": DESKTOP}


@dataclass
class World:
    cast: object
    colleague: Member  # Acme member without a login: the contact person may change and invite
    leaver: Member  # set to Former by the contact person: an open notification
    invitation_path: str  # the "Get started" link of a pending invitation


@pytest.fixture
def world(cast) -> World:
    organization_update_settings(organization=cast.org, actor=None, contacts_manage_team=True)
    # An operator's brand on every page, with an accent too light for white
    # text or for links as it is: axe checks what the portals make of it.
    organization_update_brand(
        organization=cast.org,
        actor=None,
        accent_colour=LIGHT_ACCENT,
        logo=prepare_logo(logo_upload()),
    )
    colleague = f.MemberFactory(
        location=cast.harbour, company=cast.acme, first_name="Cole", last_name="Baker"
    )
    f.MembershipFactory(
        member=f.MemberFactory(
            location=cast.harbour, company=cast.acme, first_name="Cora", last_name="Vance"
        )
    )
    leaver = f.MemberFactory(
        location=cast.harbour, company=cast.acme, first_name="Finn", last_name="Lee"
    )
    team_change_status(
        actor=cast.contact.user, member=leaver, status=MemberStatus.FORMER, reason="Moved away"
    )
    join_request_submit(
        location=cast.harbour,
        first_name="Jo",
        last_name="Joiner",
        email="jo@example.test",
        company_name="Jo's Bakery",
        message="We need two desks from May.",
    )
    member_invite_new(
        organization=cast.org,
        location=cast.harbour,
        first_name="Nina",
        last_name="Novak",
        email="nina@example.test",
        company=cast.acme,
        actor=cast.owner,
    )
    invitation_path, _ = last_link("nina@example.test")
    # A former teammate the contact person asked to bring back: the
    # approvals queue has a row, and its Reject page a form (R8.2).
    status_request_open(
        member=f.MemberFactory(
            location=cast.harbour,
            company=cast.acme,
            first_name="Remy",
            last_name="Back",
            status=MemberStatus.FORMER,
        ),
        to_status=MemberStatus.ACTIVE,
        actor=cast.contact.user,
        kind="status",
        reason="Back from leave",
    )
    return World(cast, colleague, leaver, invitation_path)


# The personas of the cast, by the attribute that holds their login.
PERSONAS = {
    "owner": lambda cast: cast.owner,
    "location_admin": lambda cast: cast.admin,
    "contact_person": lambda cast: cast.contact.user,
    "plain_member": lambda cast: cast.teammate.user,
    "anonymous": lambda cast: None,
}


def log_in(page, user) -> dict:
    """Log in through the real form; returns the storage state to reuse."""
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return page.context.storage_state()


@pytest.fixture
def open_context(browser_page, live_server):
    """Opens contexts of ``browser_page``'s browser at a width: ``phone`` is
    a touch screen 360 px wide, as a small Android phone. Closed at the end."""
    opened = []

    def open_(width: str, storage_state=None, **options):
        context = browser_page.context.browser.new_context(
            base_url=live_server.url,
            viewport=WIDTHS[width],
            is_mobile=width == "phone",
            has_touch=width == "phone",
            storage_state=storage_state,
            **options,
        )
        context.set_default_timeout(BROWSER_TIMEOUT_MS)
        opened.append(context)
        return context

    yield open_
    for context in opened:
        context.close()
