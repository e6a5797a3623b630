# Each company is a customer where it was, and wherever its members already
# are: members 0014 requires every member's home location to be one of its
# company's locations.

from django.db import migrations


def forwards(apps, schema_editor):
    Company = apps.get_model("companies", "Company")
    CompanyLocation = apps.get_model("companies", "CompanyLocation")
    Member = apps.get_model("members", "Member")
    pairs = {}
    for pk, organization_id, location_id in Company.objects.values_list(
        "pk", "organization_id", "location_id"
    ).iterator():
        pairs[(pk, location_id)] = organization_id
    for company_id, location_id, organization_id in (
        Member.objects.filter(company__isnull=False)
        .values_list("company_id", "location_id", "organization_id")
        .distinct()
        .iterator()
    ):
        pairs.setdefault((company_id, location_id), organization_id)
    CompanyLocation.objects.bulk_create(
        [
            CompanyLocation(company_id=company_id, location_id=location_id, organization_id=org_id)
            for (company_id, location_id), org_id in pairs.items()
            if location_id is not None
        ],
        batch_size=1000,
    )


def backwards(apps, schema_editor):
    # Back to one location: the company's first.
    Company = apps.get_model("companies", "Company")
    CompanyLocation = apps.get_model("companies", "CompanyLocation")
    for company_id, location_id in CompanyLocation.objects.order_by("company_id", "pk").values_list(
        "company_id", "location_id"
    ):
        Company.objects.filter(pk=company_id, location__isnull=True).update(location_id=location_id)
    CompanyLocation.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("companies", "0006_company_locations")]

    operations = [migrations.RunPython(forwards, backwards)]
