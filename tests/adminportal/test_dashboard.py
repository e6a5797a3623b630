"""The dashboard (issue 12, item 5): the right numbers for each admin,
every number a link to a page that lists them, a fixed number of queries."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from audit.models import Via
from integrations.models import Delivery, DeliveryStatus, OutboxEvent
from integrations.services import connection_save
from members.actions.status import member_change_status
from members.models import JoinRequest, MemberStatus, PortalAccess
from notifications.models import Notification
from tests import factories as f

HREF = re.compile(r'href="([^"#]+)"')
MEMBER_LINK = re.compile(r'href="/o/[^/]+/admin/members/(\d+)/(?:\?[^"]*)?"')


#: The walk's bound in the "walk to a horizon" read plan (conftest.py):
#: the owner's fifteen newest entries lie within it, a location admin's
#: do not.
HORIZON = 16


def _dashboard(client, cast, user, org=None):
    client.force_login(user)
    response = client.get(reverse("adminportal:home", args=[(org or cast.org).slug]))
    assert response.status_code == 200
    return response


def _row(response, location):
    return next(r for r in response.context["rows"] if r["location"] == location)


def _cell(row, kind, value):
    return next(n for v, _label, n, _url in row[kind] if v == value)


@pytest.fixture
def world(cast):
    """Beside the cast (four members with portal access at Harbour): at the
    Mill, two Active members without access, one invited, one Former; a
    request to join each location; a dead delivery; one open notice for
    the Harbour admin."""
    f.MemberFactory.create_batch(2, location=cast.mill)
    f.MemberFactory(location=cast.mill, portal_access=PortalAccess.PENDING)
    f.MemberFactory(location=cast.mill, status=MemberStatus.FORMER, first_name="Millicent")
    for location in (cast.harbour, cast.mill):
        JoinRequest.objects.create(
            organization=cast.org, location=location, first_name="Jo", email="jo@example.test"
        )
    connection = connection_save(
        organization=cast.org,
        kind="webhook",
        name="Hook",
        base_url="https://hooks.example.test/in",
        credentials={"secret": "s" * 32},
    )
    event = OutboxEvent.objects.create(
        organization=cast.org,
        member=cast.teammate,
        member_ref=cast.teammate.pk,
        event="member.updated",
        sequence=99,
    )
    Delivery.objects.create(
        organization=cast.org,
        event=event,
        connection=connection,
        member=cast.teammate,
        member_ref=cast.teammate.pk,
        status=DeliveryStatus.DEAD,
    )
    Notification.objects.create(
        organization=cast.org,
        location=cast.harbour,
        recipient=cast.admin,
        kind=Notification.Kind.STATUS_CHANGED,
        message="changed",
        member=cast.teammate,
    )
    member_change_status(
        member=cast.teammate, status=MemberStatus.CONTACT, actor=cast.owner, via=Via.ADMIN
    )
    # Another organization's rows, which nobody here may count.
    f.MemberFactory.create_batch(3, location=cast.other_location)
    JoinRequest.objects.create(
        organization=cast.other_org, location=cast.other_location, first_name="X", email="x@x.test"
    )
    return cast


def test_the_owner_sees_every_location_counted(client, world):
    response = _dashboard(client, world, world.owner)
    harbour, mill = _row(response, world.harbour), _row(response, world.mill)
    assert harbour["total"] == 4
    assert _cell(harbour, "statuses", MemberStatus.ACTIVE) == 3
    assert _cell(harbour, "statuses", MemberStatus.CONTACT) == 1
    # Portal access is counted among Active members (the Contact one is not).
    assert _cell(harbour, "access", PortalAccess.ACTIVE) == 3
    assert mill["total"] == 4
    assert _cell(mill, "statuses", MemberStatus.ACTIVE) == 3
    assert _cell(mill, "statuses", MemberStatus.FORMER) == 1
    assert _cell(mill, "access", PortalAccess.NONE) == 2
    assert _cell(mill, "access", PortalAccess.PENDING) == 1
    assert response.context["totals"]["total"] == 8
    assert response.context["pending_invitations"] == 1
    assert response.context["open_join_requests"] == 2
    assert response.context["open_notifications"] == 0  # the notice was for the Harbour admin
    assert response.context["health"] == {"connections_needing_attention": 1, "dead_deliveries": 1}
    activity = list(response.context["activity"])
    assert activity and activity[0].member == world.teammate


def test_a_location_limited_admin_sees_only_their_location(client, world):
    response = _dashboard(client, world, world.admin)  # Harbour only
    assert [r["location"] for r in response.context["rows"]] == [world.harbour]
    assert response.context["totals"]["total"] == 4
    assert response.context["pending_invitations"] == 0  # the invited one is at the Mill
    assert response.context["open_join_requests"] == 1
    assert response.context["open_notifications"] == 1
    # Settings on one location of two: not the integrations, whose pages refuse them.
    assert response.context["health"] is None
    html = response.content.decode()
    assert "Old Mill" not in html and "Millicent" not in html
    assert "dead deliver" not in html


def test_recent_activity_is_the_newest_readable_entries_either_way(client, world, read_plan):
    from django.utils import timezone

    from audit.models import AuditEntry, Verb

    AuditEntry.objects.all().delete()
    start = timezone.now()
    harbour = list(world.harbour.members.all()[:3])
    at_mill = world.mill.members.first()
    entries = []
    for n in range(20):  # harbour's members, the mill's one, and no member at all
        member = (*harbour, at_mill, None)[n % 5]
        entries.append(
            AuditEntry.objects.create(
                organization=world.org,
                member=member,
                verb=Verb.MEMBER_UPDATED if member else Verb.ORGANIZATION_SETTINGS_CHANGED,
                via=Via.ADMIN,
                created_at=start - timedelta(seconds=n // 2),  # ties: the id decides
            )
        )
    AuditEntry.objects.create(
        organization=world.other_org,
        member=world.other_member,
        verb=Verb.MEMBER_UPDATED,
        via=Via.ADMIN,
        created_at=start,
    )

    def newest(keep):
        kept = [e for e in entries if keep(e)]
        return [e.pk for e in sorted(kept, key=lambda e: (e.created_at, e.pk), reverse=True)][:15]

    def shown(user):
        return [e.pk for e in _dashboard(client, world, user).context["activity"]]

    assert shown(world.owner) == newest(lambda e: True)
    # The harbour's admin manages settings there only: no organization-wide entries.
    assert shown(world.admin) == newest(lambda e: e.member in harbour)
    assert shown(world.mill_admin) == newest(lambda e: e.member == at_mill)


def test_recent_activity_shows_no_member_of_a_location_the_admin_does_not_manage(client, world):
    at_mill = world.mill.members.filter(status=MemberStatus.ACTIVE).first()
    member_change_status(
        member=at_mill, status=MemberStatus.CONTACT, actor=world.owner, via=Via.ADMIN
    )
    owner_view = _dashboard(client, world, world.owner)
    assert at_mill in [e.member for e in owner_view.context["activity"]]
    mill_admin_view = _dashboard(client, world, world.mill_admin)
    assert [e.member for e in mill_admin_view.context["activity"]] == [at_mill]
    harbour_view = _dashboard(client, world, world.admin)
    assert at_mill not in [e.member for e in harbour_view.context["activity"]]
    assert at_mill.full_name not in harbour_view.content.decode()


def test_another_organization_sees_nothing_of_this_one(client, world):
    response = _dashboard(client, world, world.other_admin, org=world.other_org)
    assert [r["location"] for r in response.context["rows"]] == [world.other_location]
    assert response.context["totals"]["total"] == 4  # other_member and the three above
    assert response.context["open_join_requests"] == 1
    assert response.context["health"] == {"connections_needing_attention": 0, "dead_deliveries": 0}
    assert list(response.context["activity"]) == []
    html = response.content.decode()
    for name in ("Harbour", "Old Mill", "Northwind", world.teammate.full_name):
        assert name not in html
    # And this organization's admin cannot open the other's dashboard.
    client.force_login(world.owner)
    other = reverse("adminportal:home", args=[world.other_org.slug])
    assert client.get(other).status_code == 404


@pytest.mark.parametrize("persona", ["owner", "admin", "mill_admin"])
def test_every_number_links_to_a_page_listing_what_it_counts(client, world, persona):
    user = getattr(world, persona)
    response = _dashboard(client, world, user)
    html = response.content.decode()
    main = html[html.index("<main") :]
    links = [h.replace("&amp;", "&") for h in HREF.findall(main)]
    number_links = re.findall(r'<a [^>]*href="([^"]+)"[^>]*>(?:<strong>)?(\d+)<', main)
    assert len(number_links) >= 6
    for href in set(links):
        assert client.get(href).status_code == 200, href
    tabs = (
        reverse("adminportal:members", args=[world.org.slug]),
        reverse("adminportal:contacts", args=[world.org.slug]),
    )
    followed = 0
    for href, number in number_links:
        href = href.replace("&amp;", "&")
        page = client.get(href)
        assert page.status_code == 200, href
        if href.startswith(tabs) and int(number) <= 50:
            # The directory filtered by the link shows exactly what was counted.
            shown = set(MEMBER_LINK.findall(page.content.decode()))
            assert len(shown) == int(number), href
            followed += 1
    assert followed >= 5


def test_counts_are_cached_and_say_when_they_were_made(client, world):
    first = _dashboard(client, world, world.owner)
    f.MemberFactory(location=world.harbour)  # no action recorded it
    again = _dashboard(client, world, world.owner)
    assert again.context["counted_at"] == first.context["counted_at"]
    assert _row(again, world.harbour)["total"] == 4
    assert "as of" in again.content.decode()


@pytest.mark.parametrize("change", ["status", "invitation"])
def test_a_recorded_change_is_counted_on_the_next_visit(
    client, world, change, django_capture_on_commit_callbacks
):
    from members.actions.invitations import member_invite

    before = _row(_dashboard(client, world, world.owner), world.harbour)
    member = f.MemberFactory(location=world.harbour, status=MemberStatus.ACTIVE)
    _dashboard(client, world, world.owner)  # counted (with or without it), kept
    with django_capture_on_commit_callbacks(execute=True):
        if change == "status":
            member_change_status(
                member=member, status=MemberStatus.FORMER, actor=world.owner, via=Via.ADMIN
            )
        else:
            member_invite(member=member, actor=world.owner)
    after = _row(_dashboard(client, world, world.owner), world.harbour)
    if change == "status":
        assert after["statuses"] != before["statuses"]
        assert after["total"] == before["total"] + 1
    else:
        assert after["access"] != before["access"]


def _fill(cast, n):
    for i in range(n):
        location = cast.harbour if i % 2 else cast.mill
        member = f.MemberFactory(location=location, status=MemberStatus.values[i % 3])
        if i % 5 == 0:
            member_change_status(
                member=member, status=MemberStatus.FORMER, actor=cast.owner, via=Via.ADMIN
            )
        if i % 7 == 0:
            JoinRequest.objects.create(
                organization=cast.org, location=location, first_name="J", email=f"j{i}@x.test"
            )


@pytest.mark.parametrize("persona", ["owner", "admin"])
def test_dashboard_queries_do_not_grow_with_members(
    client, cast, persona, django_assert_num_queries
):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = getattr(cast, persona)
    client.force_login(user)
    url = reverse("adminportal:home", args=[cast.org.slug])
    counts = []
    for added in (10, 50):  # 10 members, then 60
        _fill(cast, added)
        cache.clear()
        client.get(url)  # the session and the per-process lookups, warmed
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    # One of them the header's organization switcher; since issue 14 one for
    # the companies with a seat cap (none here).
    assert counts[1] <= 16, counts
