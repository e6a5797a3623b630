from datetime import timedelta

from django.db import migrations, models
from django.db.models import F

#: notifications' EMAIL_LEASE before the outbox engine (outbox/timing.py now).
OLD_LEASE = timedelta(minutes=5)


def claims_to_leases(apps, schema_editor):
    """A claim's start becomes its lease's end; nothing else was stored."""
    Notification = apps.get_model("notifications", "Notification")
    Notification.objects.filter(lease_expires_at__isnull=False).update(
        lease_expires_at=F("lease_expires_at") + OLD_LEASE
    )


def leases_to_claims(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    Notification.objects.filter(lease_expires_at__isnull=False).update(
        lease_expires_at=F("lease_expires_at") - OLD_LEASE
    )


class Migration(migrations.Migration):
    dependencies = [("notifications", "0005_kind_connection_off")]

    operations = [
        migrations.RenameField("notification", "email_claimed_at", "lease_expires_at"),
        migrations.RunPython(claims_to_leases, leases_to_claims),
        migrations.AddField(
            model_name="notification",
            name="attempts",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="notification",
            name="next_attempt_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="notification",
            name="enqueued_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="notification",
            name="last_error",
            field=models.TextField(blank=True),
        ),
    ]
