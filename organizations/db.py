"""Composite foreign keys: database rules that span two tables.

"A member's company is in the member's organization" and "the contact person
belongs to the company" cannot be CHECK constraints. A foreign key over two
columns says them exactly: (company_id, organization_id) must be a pair that
exists in the company table.

Django has no composite foreign keys, so this migration operation adds them
with SQL on PostgreSQL (where the product runs). SQLite cannot add a
constraint to an existing table; there the services' validation is the guard.
They are DEFERRABLE INITIALLY DEFERRED like Django's own foreign keys, so a
transaction may pass through an intermediate state (e.g. deleting a company
with its contact person) and is judged at commit.
"""

from django.db import migrations


class AddCompositeForeignKey(migrations.operations.base.Operation):
    reduces_to_sql = True
    reversible = True

    def __init__(self, model, name, columns, to_model, to_columns):
        self.model = model
        self.name = name
        self.columns = columns
        self.to_model = to_model
        self.to_columns = to_columns

    def deconstruct(self):
        kwargs = {
            "model": self.model,
            "name": self.name,
            "columns": self.columns,
            "to_model": self.to_model,
            "to_columns": self.to_columns,
        }
        return self.__class__.__qualname__, [], kwargs

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        qn = schema_editor.quote_name
        table = to_state.apps.get_model(self.model)._meta.db_table
        target = to_state.apps.get_model(self.to_model)._meta.db_table
        schema_editor.execute(
            f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(self.name)} "
            f"FOREIGN KEY ({', '.join(map(qn, self.columns))}) "
            f"REFERENCES {qn(target)} ({', '.join(map(qn, self.to_columns))}) "
            "DEFERRABLE INITIALLY DEFERRED"
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        qn = schema_editor.quote_name
        table = from_state.apps.get_model(self.model)._meta.db_table
        schema_editor.execute(f"ALTER TABLE {qn(table)} DROP CONSTRAINT {qn(self.name)}")

    def describe(self):
        return f"Add composite foreign key {self.name} on {self.model}"

    @property
    def migration_name_fragment(self):
        return self.name
