from datetime import timedelta

from django.db import migrations, models
from django.db.models import F

#: SEND_LEASE in members/invitation_emails.py before the outbox engine.
OLD_LEASE = timedelta(minutes=10)


def claims_to_leases(apps, schema_editor):
    """A claim's start becomes its lease's end."""
    Invitation = apps.get_model("members", "Invitation")
    Invitation.objects.filter(lease_expires_at__isnull=False).update(
        lease_expires_at=F("lease_expires_at") + OLD_LEASE
    )


def leases_to_claims(apps, schema_editor):
    Invitation = apps.get_model("members", "Invitation")
    Invitation.objects.filter(lease_expires_at__isnull=False).update(
        lease_expires_at=F("lease_expires_at") - OLD_LEASE
    )


class Migration(migrations.Migration):
    dependencies = [("members", "0012_member_search_trigrams")]

    operations = [
        migrations.RenameField("invitation", "send_attempts", "attempts"),
        migrations.AlterField(
            model_name="invitation",
            name="attempts",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RenameField("invitation", "claimed_at", "lease_expires_at"),
        migrations.RunPython(claims_to_leases, leases_to_claims),
        migrations.AddField(
            model_name="invitation",
            name="enqueued_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="invitation",
            name="last_error",
            field=models.TextField(blank=True),
        ),
    ]
