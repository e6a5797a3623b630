# The directory's search (issue 12): trigram indexes on PostgreSQL only.

from django.db import migrations

from organizations.postgres import trigram_indexes


class Migration(migrations.Migration):
    dependencies = [("companies", "0004_directory_indexes")]

    operations = [
        trigram_indexes("companies_company", ["name", "email", "phone"], prefix="company"),
    ]
