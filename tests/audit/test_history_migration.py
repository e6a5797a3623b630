"""Upgrading an installation with a status history (members 0009,
notifications 0004): the history and the notices survive the move into the
audit log."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)


def _migrate(targets=None):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_status_history_and_its_notices_survive_the_move(cast):
    when = datetime.datetime(2026, 3, 1, 9, 30, tzinfo=datetime.UTC)
    apps = _migrate(
        [
            ("members", "0008_alter_member_added_via_alter_statuschange_via"),
            ("notifications", "0003_notices_point_at_their_join_request"),
        ]
    )
    try:
        Change = apps.get_model("members", "StatusChange")
        Notice = apps.get_model("notifications", "Notification")
        member = cast.teammate.pk
        first = Change.objects.create(
            organization_id=cast.org.pk,
            member_id=member,
            from_status="active",
            to_status="contact",
            actor_id=cast.contact.user.pk,
            via="portal",
            reason="On leave",
            created_at=when,
        )
        Change.objects.create(
            organization_id=cast.org.pk,
            member_id=member,
            from_status="contact",
            to_status="active",
            actor_id=cast.admin.pk,
            via="admin",
            created_at=when + datetime.timedelta(days=1),
        )
        notice = Notice.objects.create(
            organization_id=cast.org.pk,
            location_id=cast.harbour.pk,
            recipient_id=cast.admin.pk,
            kind="status_changed",
            message="changed",
            member_id=member,
            status_change=first,
        )
    finally:
        apps = _migrate()
    from members.models import StatusChange
    from notifications.models import Notification

    history = list(StatusChange.objects.filter(member_id=member).order_by("created_at"))
    assert [(c.from_status, c.to_status, c.via, c.actor_id, c.reason) for c in history] == [
        ("active", "contact", "portal", cast.contact.user.pk, "On leave"),
        ("contact", "active", "admin", cast.admin.pk, ""),
    ]
    assert history[0].created_at == when
    assert history[0].actor_label == cast.contact.user.email
    assert Notification.objects.get(pk=notice.pk).status_change_id == history[0].pk
