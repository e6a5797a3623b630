# The Notification model moved here from adminportal (issue 11). The table
# stays where it is: only Django's idea of which app owns it changes.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("adminportal", "0003_notification_email_claimed_at"),
        ("members", "0007_invitation_next_attempt_at"),
        ("organizations", "0005_suspend_roles_of_shut_members"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Notification",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("kind", models.CharField(choices=[("status_changed", "Contact person changed the status of a company member"), ("member_added", "Contact person added a new company member"), ("account_deleted", "A user deleted their account"), ("join_request", "New request to join")], max_length=20)),
                        ("message", models.CharField(max_length=500)),
                        ("resolution", models.CharField(blank=True, choices=[("", "Open"), ("confirmed", "Confirmed"), ("reverted", "Reverted")], default="", max_length=10)),
                        ("resolved_at", models.DateTimeField(blank=True, null=True)),
                        ("read_at", models.DateTimeField(blank=True, null=True)),
                        ("email_claimed_at", models.DateTimeField(blank=True, null=True)),
                        ("emailed_at", models.DateTimeField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("actor", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("location", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="organizations.location")),
                        ("member", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="members.member")),
                        ("organization", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="organizations.organization")),
                        ("recipient", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="notifications", to=settings.AUTH_USER_MODEL)),
                        ("resolved_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("status_change", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="members.statuschange")),
                    ],
                    options={
                        "db_table": "adminportal_notification",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [models.Index(fields=["recipient", "organization", "read_at"], name="adminportal_recipie_cc030f_idx")],
                    },
                ),
            ],
        ),
    ]
