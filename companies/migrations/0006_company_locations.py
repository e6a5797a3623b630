# Issue 13, item 2: a company may be a customer at several locations
# (CompanyLocation), its contacts linked to specific ones (ContactLocation),
# and archived. Company.location is copied over in 0007 and dropped in 0008.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("companies", "0005_company_search_trigrams"),
        ("members", "0013_invitation_email_outbox_engine"),
        ("organizations", "0007_language_and_time_zone"),
    ]

    operations = [
        migrations.AddField(
            model_name="company",
            name="archived_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.CreateModel(
            name="CompanyLocation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("company", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="company_locations", to="companies.company")),
                ("location", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="organizations.location")),
                ("organization", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="organizations.organization")),
            ],
            options={"ordering": ["location__name", "pk"]},
        ),
        migrations.CreateModel(
            name="ContactLocation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("company", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="companies.company")),
                ("location", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="organizations.location")),
                ("member", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="contact_locations", to="members.member")),
                ("organization", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="organizations.organization")),
            ],
            options={"ordering": ["location__name", "pk"]},
        ),
        migrations.AddConstraint(
            model_name="companylocation",
            constraint=models.UniqueConstraint(fields=("company", "location"), name="company_location_once"),
        ),
        migrations.AddConstraint(
            model_name="contactlocation",
            constraint=models.UniqueConstraint(fields=("member", "location"), name="contact_location_once"),
        ),
        # The old column stops being required (and stops claiming the
        # ``companies`` reverse name) until 0008 drops it.
        migrations.AlterField(
            model_name="company",
            name="location",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="organizations.location"),
        ),
    ]
