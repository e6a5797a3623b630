# A member of a company is at one of the company's locations (issue 13,
# item 2). NULL company: not checked (MATCH SIMPLE).

from django.db import migrations

from organizations.db import AddCompositeForeignKey


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0015_member_search_text"),
        ("companies", "0008_drop_company_location"),
    ]

    operations = [
        AddCompositeForeignKey(
            "members.Member", "member_at_company_location",
            ["company_id", "location_id"], "companies.CompanyLocation", ["company_id", "location_id"],
        ),
    ]
