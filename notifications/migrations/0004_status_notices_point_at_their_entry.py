# A notice of a status change now points at that change's audit entry
# (members 0009 copied the history into the log).

import django.db.models.deletion
from django.db import migrations, models


def point_at_entries(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    OldStatusChange = apps.get_model("members", "OldStatusChange")
    AuditEntry = apps.get_model("audit", "AuditEntry")
    old_ids = set(
        Notification.objects.filter(old_status_change__isnull=False).values_list(
            "old_status_change_id", flat=True
        )
    )
    for old in OldStatusChange.objects.filter(pk__in=old_ids).iterator():
        # The copy kept the member, the time and both statuses.
        entry = (
            AuditEntry.objects.filter(
                verb="member.status_changed", member_id=old.member_id, created_at=old.created_at
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        match = [
            pk
            for pk, before, after in AuditEntry.objects.filter(pk__in=entry).values_list(
                "pk", "before", "after"
            )
            if before.get("status") == old.from_status and after.get("status") == old.to_status
        ]
        if match:
            Notification.objects.filter(old_status_change_id=old.pk).update(status_change_id=match[0])


def point_back(apps, schema_editor):
    """Going back, the notices lose their link to the change (the old rows
    are numbered anew by members 0009's reverse)."""


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0009_status_history_in_the_audit_log"),
        ("notifications", "0003_notices_point_at_their_join_request"),
    ]

    operations = [
        migrations.RenameField("notification", "status_change", "old_status_change"),
        migrations.AddField(
            model_name="notification",
            name="status_change",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="members.statuschange",
            ),
        ),
        migrations.RunPython(point_at_entries, point_back),
        migrations.RemoveField("notification", "old_status_change"),
    ]
