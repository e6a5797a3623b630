# Notification now belongs to the notifications app (issue 11); its table
# stays, so nothing is dropped here.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("adminportal", "0003_notification_email_claimed_at"),
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Notification")],
            database_operations=[],
        ),
    ]
