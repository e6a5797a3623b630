"""The admin portal's unread badge is cached (notifications/unread.py): a
notification added, read or resolved shows on the next page, for its
organization's admins only."""

from django.core.cache import cache, caches
from django.test import override_settings
from django.urls import reverse

from members.actions.approvals import status_request_approve
from members.actions.team import team_add_member, team_change_status
from members.models import MemberStatus, StatusRequest
from notifications.models import Notification
from notifications.unread import _generation_key, unread_count
from organizations.services import organization_update_settings
from tests import factories as f
from tests.conftest import hung_redis


def _badge(client, user, org) -> int:
    """The number the header shows ``user``, 0 when it shows none."""
    client.force_login(user)
    page = client.get(reverse("adminportal:home", args=[org.slug])).content.decode()
    if ' unread">' not in page:
        return 0
    return int(page.split(' unread">', 1)[0].rsplit('title="', 1)[1])


def _unread(user, org) -> int:
    return Notification.objects.filter(recipient=user, organization=org, read_at=None).count()


def _a_status_change(team):
    """A contact person's change, which every admin of Harbour is told of."""
    cast = team.cast
    member = f.MemberFactory(location=cast.harbour, company=cast.acme, status=MemberStatus.ACTIVE)
    team_change_status(actor=cast.contact.user, member=member, status="contact", reason="Quiet")


def test_the_badge_follows_each_change_though_it_is_kept(client, team):
    cast = team.cast
    assert _badge(client, cast.admin, cast.org) == 0  # counted, and kept
    _a_status_change(team)
    _a_status_change(team)
    assert _badge(client, cast.admin, cast.org) == _unread(cast.admin, cast.org) == 2
    mine = Notification.objects.filter(recipient=cast.admin).first()
    client.force_login(cast.admin)
    client.post(reverse("adminportal:notification_confirm", args=[cast.org.slug, mine.pk]))
    # Resolved for every admin of the location, each of whom had a count kept.
    assert _badge(client, cast.admin, cast.org) == _unread(cast.admin, cast.org) == 1
    assert _badge(client, cast.owner, cast.org) == _unread(cast.owner, cast.org) == 1
    client.force_login(cast.admin)
    client.post(reverse("adminportal:notifications_read", args=[cast.org.slug]))
    assert _badge(client, cast.admin, cast.org) == 0
    assert _badge(client, cast.owner, cast.org) == 1  # read by one admin, not by all


def test_an_approval_decided_clears_every_admins_badge(client, team):
    """Approving a request closes every admin's copy of its question
    (notifications/reactions.py close_approval_notices): the badges that
    counted it drop, not only the deciding admin's."""
    cast = team.cast
    organization_update_settings(
        organization=cast.org, actor=None, contact_additions_need_approval=True
    )
    cast.org.refresh_from_db()
    team_add_member(
        actor=cast.contact.user,
        company=cast.acme,
        first_name="Nina",
        email="nina@example.test",
        status=MemberStatus.ACTIVE,
    )
    assert _badge(client, cast.admin, cast.org) == 1  # counted, and kept
    assert _badge(client, cast.owner, cast.org) == 1
    status_request_approve(status_request=StatusRequest.objects.get(), actor=cast.admin)
    assert _badge(client, cast.admin, cast.org) == _unread(cast.admin, cast.org) == 0
    assert _badge(client, cast.owner, cast.org) == _unread(cast.owner, cast.org) == 0


def test_a_generation_the_cache_evicted_does_not_bring_back_an_old_count(client, team):
    """The organization's generation was evicted while counts kept under it
    lived on: the next change must not start it again at a number one of
    them holds."""
    cast = team.cast
    _a_status_change(team)
    assert _badge(client, cast.admin, cast.org) == 1  # kept under generation 1
    cache.delete(_generation_key(cast.org.pk))
    _a_status_change(team)
    assert _badge(client, cast.admin, cast.org) == _unread(cast.admin, cast.org) == 2


def test_each_admin_and_organization_has_its_own_count(client, team):
    cast = team.cast
    assert _badge(client, cast.other_admin, cast.other_org) == 0
    _a_status_change(team)
    assert _badge(client, cast.other_admin, cast.other_org) == 0
    assert _badge(client, cast.mill_admin, cast.org) == 0  # not an admin of Harbour
    assert _badge(client, cast.admin, cast.org) == 1


def test_the_badge_counts_from_the_database_when_the_cache_is_down(team):
    cast = team.cast
    _a_status_change(team)
    with hung_redis() as url:
        redis = {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
        with override_settings(CACHES={"default": redis}):
            try:
                assert unread_count(cast.admin, cast.org) == 1
            finally:
                caches["default"].close()
