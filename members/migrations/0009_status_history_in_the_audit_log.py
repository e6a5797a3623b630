# The status history (R2.6) moves into the audit log (issue 11): every
# StatusChange row becomes a member.status_changed entry with the same
# time, actor, door and reason; StatusChange stays as the name the code
# reads that history by (a proxy of AuditEntry). The old table is renamed
# here, emptied into the log, and dropped once the notices that point at
# its rows point at their entries (notifications 0004, members 0010).

from django.db import migrations


def copy_into_the_log(apps, schema_editor):
    OldStatusChange = apps.get_model("members", "OldStatusChange")
    AuditEntry = apps.get_model("audit", "AuditEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    member_type, _ = ContentType.objects.get_or_create(app_label="members", model="member")
    rows = OldStatusChange.objects.select_related("actor").order_by("pk").iterator(chunk_size=2000)
    batch = []
    for row in rows:
        batch.append(
            AuditEntry(
                organization_id=row.organization_id,
                actor_id=row.actor_id,
                actor_label=row.actor.email if row.actor_id else "",
                subject_type=member_type,
                subject_id=row.member_id,
                member_id=row.member_id,
                verb="member.status_changed",
                before={"status": row.from_status},
                after={"status": row.to_status},
                via=row.via,
                reason=row.reason,
                created_at=row.created_at,
            )
        )
        if len(batch) == 2000:
            AuditEntry.objects.bulk_create(batch)
            batch = []
    AuditEntry.objects.bulk_create(batch)


def copy_back(apps, schema_editor):
    OldStatusChange = apps.get_model("members", "OldStatusChange")
    AuditEntry = apps.get_model("audit", "AuditEntry")
    OldStatusChange.objects.bulk_create(
        OldStatusChange(
            organization_id=entry.organization_id,
            member_id=entry.member_id,
            from_status=entry.before.get("status", ""),
            to_status=entry.after.get("status", ""),
            actor_id=entry.actor_id,
            via=entry.via,
            reason=entry.reason,
            created_at=entry.created_at,
        )
        for entry in AuditEntry.objects.filter(verb="member.status_changed").iterator()
    )
    AuditEntry.objects.filter(verb="member.status_changed").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("members", "0008_alter_member_added_via_alter_statuschange_via"),
        ("notifications", "0003_notices_point_at_their_join_request"),
    ]

    operations = [
        migrations.RenameModel("StatusChange", "OldStatusChange"),
        migrations.CreateModel(
            name="StatusChange",
            fields=[],
            options={
                "ordering": ["-created_at", "-id"],
                "get_latest_by": "created_at",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("audit.auditentry",),
        ),
        migrations.RunPython(copy_into_the_log, copy_back),
    ]
