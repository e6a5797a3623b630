# The directory's search (issue 12): one trigram index over a member's
# name, email and phone together (members.directory.MemberText) instead of
# one per column. PostgreSQL only.

from django.db import migrations

from organizations.postgres import RunSQLOnPostgres

TEXT = "UPPER(first_name::text || ' ' || last_name::text || ' ' || email::text || ' ' || phone::text)"
COLUMNS = ["first_name", "last_name", "email", "phone"]


class Migration(migrations.Migration):
    dependencies = [("members", "0014_directory_speed_indexes")]

    operations = [
        RunSQLOnPostgres(
            [
                f"CREATE INDEX IF NOT EXISTS member_search_text ON members_member "
                f"USING gin (({TEXT}) gin_trgm_ops)",
                *(f"DROP INDEX IF EXISTS member_trgm_{column}" for column in COLUMNS),
            ],
            reverse_sql=[
                "DROP INDEX IF EXISTS member_search_text",
                *(
                    f"CREATE INDEX IF NOT EXISTS member_trgm_{column} ON members_member "
                    f"USING gin ((UPPER({column}::text)) gin_trgm_ops)"
                    for column in COLUMNS
                ),
            ],
        ),
    ]
