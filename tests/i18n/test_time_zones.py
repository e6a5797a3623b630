"""Times in the location's time zone (issue 16, item 5): the organization
sets a default, a location may set its own. Pages run in the organization's
zone, a notice about a location with its own zone shows that zone's time and
names it; the member portal runs in the member's location's zone; emails
show the location's."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from emails.render import reader_time_zone, render_email
from members.actions.invitations import member_invite
from notifications.models import Notification
from organizations.models import Location, Organization
from tests import factories as f

pytestmark = pytest.mark.django_db

#: 12:00 UTC on 10 March 2026: 13:00 in Berlin (CET), 08:00 in New York
#: (EDT since 8 March).
NOON_UTC = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def zones(cast):
    Organization.objects.filter(pk=cast.org.pk).update(time_zone="Europe/Berlin")
    Location.objects.filter(pk=cast.mill.pk).update(time_zone="America/New_York")
    cast.org.refresh_from_db()
    cast.mill.refresh_from_db()
    cast.harbour.refresh_from_db()
    return cast


def _notice(cast, location):
    notice = Notification.objects.create(
        organization=cast.org,
        location=location,
        recipient=cast.owner,
        kind=Notification.Kind.JOIN_REQUEST,
        message="Someone asked to join",
    )
    Notification.objects.filter(pk=notice.pk).update(created_at=NOON_UTC)
    return notice


def test_the_zone_of_a_location_falls_back_to_the_organizations(zones):
    assert reader_time_zone(zones.org, zones.mill).key == "America/New_York"
    assert reader_time_zone(zones.org, zones.harbour).key == "Europe/Berlin"
    assert reader_time_zone(None, zones.harbour).key == "Europe/Berlin"
    assert reader_time_zone().key == "UTC"


def test_a_notice_at_a_location_in_another_zone_shows_its_time_there(client, zones):
    _notice(zones, zones.mill)
    _notice(zones, zones.harbour)
    client.force_login(zones.owner)
    page = client.get(reverse("adminportal:notifications", args=[zones.org.slug])).content.decode()
    # The Old Mill's in New York time, named; the Harbour's in the page's (Berlin).
    assert "10 Mar 2026, 08:00 (America/New_York)" in page
    assert "10 Mar 2026, 13:00<" in page
    assert "12:00" not in page


def test_the_member_portal_shows_the_members_location_zone(client, zones):
    member = f.PortalMemberFactory(location=zones.mill, first_name="Mia")
    f.StatusChangeFactory(member=member, actor=zones.owner)
    from audit.models import AuditEntry

    AuditEntry.objects.filter(member_id=member.pk).update(created_at=NOON_UTC)
    client.force_login(member.user)
    page = client.get(reverse("portal:home", args=[zones.org.slug])).content.decode()
    assert "10 Mar 2026, 08:00" in page


def test_an_invitation_shows_its_expiry_in_the_locations_zone(
    zones, django_capture_on_commit_callbacks
):
    member = f.MemberFactory(location=zones.mill, email="nyc@example.test")
    with (
        time_machine.travel(NOON_UTC - timedelta(hours=24), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        member_invite(member=member, actor=zones.owner)
    (message,) = [m for m in mail.outbox if "nyc@example.test" in m.to]
    # Sent at 12:00 UTC the day before, good for 24 hours: 08:00 in New York.
    assert "works until 10 Mar 2026, 08:00 (America/New_York)" in message.body
    assert "works until 10 Mar 2026, 08:00 (America/New_York)" in message.alternatives[0][0]


def test_a_german_reader_gets_a_german_date_in_the_locations_zone(zones):
    user = zones.teammate.user
    user.language = "de"
    _, text, html = render_email(
        "account/email/login_code",
        {"code": "ABC123"},
        organization=zones.org,
        location=zones.mill,
        expires_at=NOON_UTC,
        reader=user,
    )
    assert "Dieser Code gilt bis 10. März 2026 08:00 (America/New_York)." in text
    assert "Dieser Code gilt bis 10. März 2026 08:00 (America/New_York)." in html
