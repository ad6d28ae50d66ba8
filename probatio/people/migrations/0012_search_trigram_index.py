"""Name search at national scale (docs/search.md): on PostgreSQL, the extensions ``pg_trgm``
(trigram index and near spellings) and ``unaccent``, and a GIN trigram index on the stored,
folded search text, so that ``LIKE '%word%'`` and the ``%>`` near-spelling operator read the
index instead of every person, with a finer statistics sample of that column. Nothing on
SQLite, whose search stays a plain ``LIKE``.

The index is not declared on the model: SQLite has no GIN index, and the search reads the
column the model already has. Both extensions are "trusted" since PostgreSQL 13: a database
owner may create them without being a superuser."""

from django.db import migrations

INDEX = "person_search_trgm"

FORWARDS = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    f"CREATE INDEX IF NOT EXISTS {INDEX} ON people_person USING gin (search_text gin_trgm_ops)",
    # A finer sample of the names, so that PostgreSQL estimates how many persons hold a word
    # and combines the trigram index with the service's when the word is common.
    "ALTER TABLE people_person ALTER COLUMN search_text SET STATISTICS 1000",
]
# The extensions stay: other database objects may use them, and dropping one is not needed
# to undo this step.
BACKWARDS = [
    "ALTER TABLE people_person ALTER COLUMN search_text SET STATISTICS -1",
    f"DROP INDEX IF EXISTS {INDEX}",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0011_allocation_fields"),
    ]

    operations = [
        migrations.RunPython(_run(FORWARDS), _run(BACKWARDS), elidable=False),
    ]
