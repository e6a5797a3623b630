# Company.location gives way to Company.locations (CompanyLocation). The
# composite foreign keys keep each row inside its organization, and a
# contact's link inside their company's locations (organizations/db.py).

import django.db.models.deletion
from django.db import migrations, models

from organizations.db import AddCompositeForeignKey


def drop_old_key(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            'ALTER TABLE "companies_company" DROP CONSTRAINT IF EXISTS "company_location_in_org"'
        )


class Migration(migrations.Migration):
    dependencies = [("companies", "0007_copy_company_locations")]

    operations = [
        # Its reverse (restoring the column) is 0007's backwards plus the
        # key below; the key itself comes back only with 0003's forwards.
        migrations.RunPython(drop_old_key, migrations.RunPython.noop),
        migrations.RemoveField(model_name="company", name="location"),
        migrations.AddField(
            model_name="company",
            name="locations",
            field=models.ManyToManyField(
                blank=True,
                related_name="companies",
                through="companies.CompanyLocation",
                to="organizations.location",
            ),
        ),
        migrations.AlterField(
            model_name="contactlocation",
            name="location",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="organizations.location",
            ),
        ),
        AddCompositeForeignKey(
            "companies.CompanyLocation", "company_location_company_in_org",
            ["company_id", "organization_id"], "companies.Company", ["id", "organization_id"],
        ),
        AddCompositeForeignKey(
            "companies.CompanyLocation", "company_location_location_in_org",
            ["location_id", "organization_id"], "organizations.Location", ["id", "organization_id"],
        ),
        AddCompositeForeignKey(
            "companies.ContactLocation", "contact_location_at_company_location",
            ["company_id", "location_id"], "companies.CompanyLocation", ["company_id", "location_id"],
        ),
        AddCompositeForeignKey(
            "companies.ContactLocation", "contact_location_member_in_company",
            ["member_id", "company_id"], "members.Member", ["id", "company_id"],
        ),
        AddCompositeForeignKey(
            "companies.ContactLocation", "contact_location_in_org",
            ["company_id", "organization_id"], "companies.Company", ["id", "organization_id"],
        ),
    ]
