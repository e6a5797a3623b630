from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0009_status_history_in_the_audit_log"),
        ("notifications", "0004_status_notices_point_at_their_entry"),
    ]

    operations = [migrations.DeleteModel("OldStatusChange")]
