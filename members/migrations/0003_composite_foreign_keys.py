from django.db import migrations

from organizations.db import AddCompositeForeignKey


class Migration(migrations.Migration):
    """Rows never point across organizations, nor at a person outside the company."""

    dependencies = [
        ("members", "0002_initial"),
        ("companies", "0003_initial"),
    ]

    operations = [
        AddCompositeForeignKey(
            "members.Member", "member_location_in_org",
            ["location_id", "organization_id"], "organizations.Location", ["id", "organization_id"],
        ),
        AddCompositeForeignKey(
            "members.Member", "member_company_in_org",
            ["company_id", "organization_id"], "companies.Company", ["id", "organization_id"],
        ),
        AddCompositeForeignKey(
            "companies.Company", "company_location_in_org",
            ["location_id", "organization_id"], "organizations.Location", ["id", "organization_id"],
        ),
        AddCompositeForeignKey(
            "companies.Company", "contact_person_in_company",
            ["contact_person_id", "id"], "members.Member", ["id", "company_id"],
        ),
        AddCompositeForeignKey(
            "companies.Company", "billing_person_in_company",
            ["billing_person_id", "id"], "members.Member", ["id", "company_id"],
        ),
        AddCompositeForeignKey(
            "members.Plan", "plan_location_in_org",
            ["location_id", "organization_id"], "organizations.Location", ["id", "organization_id"],
        ),
        AddCompositeForeignKey(
            "members.Membership", "membership_plan_in_org",
            ["plan_id", "organization_id"], "members.Plan", ["id", "organization_id"],
        ),
        AddCompositeForeignKey(
            "members.Membership", "membership_member_in_org",
            ["member_id", "organization_id"], "members.Member", ["id", "organization_id"],
        ),
        AddCompositeForeignKey(
            "members.Membership", "membership_company_in_org",
            ["company_id", "organization_id"], "companies.Company", ["id", "organization_id"],
        ),
        AddCompositeForeignKey(
            "members.StatusChange", "status_change_member_in_org",
            ["member_id", "organization_id"], "members.Member", ["id", "organization_id"],
        ),
    ]
