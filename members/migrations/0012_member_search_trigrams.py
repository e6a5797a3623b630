# The directory's search (issue 12): trigram indexes on PostgreSQL only.

from django.db import migrations

from organizations.postgres import trigram_indexes


class Migration(migrations.Migration):
    dependencies = [("members", "0011_directory_indexes")]

    operations = [
        trigram_indexes(
            "members_member", ["first_name", "last_name", "email", "phone"], prefix="member"
        ),
    ]
