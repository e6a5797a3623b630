# The directory's search by the start of an address (members.directory.
# member_search): "jane@acme" is looked up by prefix in this index, not in
# the trigram index, where every address of a domain shares its trigrams.
# PostgreSQL only; the expression is the one Django's istartswith writes.

from django.db import migrations

from organizations.postgres import RunSQLOnPostgres


class Migration(migrations.Migration):
    dependencies = [("members", "0019_teammove")]

    operations = [
        RunSQLOnPostgres(
            "CREATE INDEX IF NOT EXISTS member_email_prefix ON members_member "
            "(organization_id, (UPPER(email::text)) text_pattern_ops)",
            reverse_sql="DROP INDEX IF EXISTS member_email_prefix",
        ),
    ]
