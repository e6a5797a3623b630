"""Migration operations for what only PostgreSQL has.

The product runs on PostgreSQL; ``make run`` and the SQLite test run use
the embedded SQLite database, where these operations do nothing (the
queries they speed up still answer, only slower).
"""

from django.db import migrations


class RunSQLOnPostgres(migrations.RunSQL):
    """``RunSQL`` that runs on PostgreSQL and is a no-op elsewhere."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def trigram_indexes(table: str, columns: list[str], prefix: str) -> RunSQLOnPostgres:
    """GIN trigram indexes on ``UPPER(column::text)``: the very expression
    Django's ``icontains`` compares on PostgreSQL, so a search for a word
    anywhere in the column uses the index instead of reading the table."""
    create = ["CREATE EXTENSION IF NOT EXISTS pg_trgm"]
    drop = []
    for column in columns:
        name = f"{prefix}_trgm_{column}"
        create.append(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
            f"USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )
        drop.append(f"DROP INDEX IF EXISTS {name}")
    return RunSQLOnPostgres(create, reverse_sql=drop)
