from django.db import migrations, models

# Existing events are numbered per member in the order they were recorded
# (their ids). A correlated count: plain SQL that PostgreSQL and SQLite share.
NUMBER_EXISTING = """
UPDATE integrations_outboxevent
SET sequence = (
    SELECT COUNT(*) FROM integrations_outboxevent AS earlier
    WHERE earlier.member_ref = integrations_outboxevent.member_ref
      AND earlier.id <= integrations_outboxevent.id
)
"""


class Migration(migrations.Migration):

    dependencies = [
        ('integrations', '0004_remote_address'),
    ]

    operations = [
        migrations.AddField(
            model_name='outboxevent',
            name='sequence',
            field=models.PositiveBigIntegerField(null=True),
        ),
        migrations.RunSQL(NUMBER_EXISTING, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name='outboxevent',
            name='sequence',
            field=models.PositiveBigIntegerField(),
        ),
        migrations.AddConstraint(
            model_name='outboxevent',
            constraint=models.UniqueConstraint(fields=('member_ref', 'sequence'), name='outbox_sequence_per_member'),
        ),
    ]
