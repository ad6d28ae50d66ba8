"""The journal partitioned by month on PostgreSQL (docs/audit.md, "Partitions").

On every database: ``hash`` loses its unique constraint for a plain index (a unique index
of a partitioned table must include its partition key, and the chain does not need it).
On PostgreSQL only: ``audit_auditentry`` is rebuilt as a table partitioned by range of ``at``
with the primary key ``(id, at)``, monthly partitions from the month of its oldest row to three
months ahead and a default partition; its rows are copied into it, its indexes and foreign key
recreated under the same names, its identity sequence moved past the highest id. The model
state is the same on both databases (``id`` stays the model's primary key).
"""

from django.db import migrations, models

from probatio.audit import partitions

TABLE = partitions.TABLE
OLD = f"{TABLE}_unpartitioned"


def _definitions(cursor):
    """The table's indexes (except those of its constraints) and its foreign keys and checks,
    as SQL to replay once the table is rebuilt under the same name."""
    cursor.execute(
        """
        SELECT pg_get_indexdef(x.indexrelid)
        FROM pg_index x
        WHERE x.indrelid = to_regclass(%s)
          AND NOT EXISTS (
            SELECT 1 FROM pg_constraint c
            WHERE c.conrelid = x.indrelid AND c.conindid = x.indexrelid
              AND c.contype IN ('p', 'u', 'x')
          )
        ORDER BY x.indexrelid
        """,
        [TABLE],
    )
    # A partitioned table's indexes read "ON ONLY": replayed on the table and its partitions.
    indexes = [row[0].replace(" ON ONLY ", " ON ", 1) for row in cursor.fetchall()]
    cursor.execute(
        """
        SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
        WHERE conrelid = to_regclass(%s) AND contype IN ('f', 'c') ORDER BY conname
        """,
        [TABLE],
    )
    constraints = [
        f'ALTER TABLE "{TABLE}" ADD CONSTRAINT "{name}" {definition}'
        for name, definition in cursor.fetchall()
    ]
    return indexes, constraints


def _rebuild(schema_editor, *, partitioned: bool):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    if partitions.is_partitioned(connection.alias) == partitioned:
        return
    with connection.cursor() as cursor:
        # No row may be moved with a foreign-key check pending in this transaction.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        indexes, constraints = _definitions(cursor)
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = to_regclass(%s) AND contype = 'p'",
            [TABLE],
        )
        primary_key = cursor.fetchone()[0]
        cursor.execute(f'SELECT min("at") FROM "{TABLE}"')
        oldest = cursor.fetchone()[0]
        cursor.execute(f'ALTER TABLE "{TABLE}" RENAME TO "{OLD}"')
        # Free the names of its indexes and constraints for the new table.
        cursor.execute(f'ALTER TABLE "{OLD}" DROP CONSTRAINT "{primary_key}" CASCADE')
        for sql in indexes:
            name = sql.split(" INDEX ", 1)[1].split(" ON ", 1)[0]
            cursor.execute(f"DROP INDEX {name}")
        cursor.execute(
            f'CREATE TABLE "{TABLE}" (LIKE "{OLD}" INCLUDING DEFAULTS INCLUDING IDENTITY '
            "INCLUDING STORAGE INCLUDING COMMENTS)"
            + (' PARTITION BY RANGE ("at")' if partitioned else "")
        )
        cursor.execute(
            f'ALTER TABLE "{TABLE}" ADD CONSTRAINT "{primary_key}" PRIMARY KEY '
            + ('("id", "at")' if partitioned else '("id")')
        )
        if partitioned:
            partitions.ensure_partitions(from_month=oldest, using=connection.alias)
        cursor.execute(
            "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute "
            "WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped",
            [TABLE],
        )
        columns = cursor.fetchone()[0]
        cursor.execute(f'INSERT INTO "{TABLE}" ({columns}) SELECT {columns} FROM "{OLD}"')
        cursor.execute(f'DROP TABLE "{OLD}"')
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [TABLE])
        sequence = cursor.fetchone()[0]
        if sequence.split(".")[-1].strip('"') != f"{TABLE}_id_seq":
            cursor.execute(f'ALTER SEQUENCE {sequence} RENAME TO "{TABLE}_id_seq"')
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, 'id'), "
            f'COALESCE((SELECT max("id") FROM "{TABLE}"), 0) + 1, false)',
            [TABLE],
        )
        for sql in indexes + constraints:
            cursor.execute(sql)
    if partitioned:
        # Partitions for every month of the rows copied: nothing is left in the default one.
        partitions.ensure_partitions(from_month=oldest, using=connection.alias)
    with connection.cursor() as cursor:
        cursor.execute(f'ANALYZE "{TABLE}"')


def partition(apps, schema_editor):
    _rebuild(schema_editor, partitioned=True)


def unpartition(apps, schema_editor):
    _rebuild(schema_editor, partitioned=False)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_export_action"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditentry",
            name="hash",
            field=models.CharField(max_length=64),
        ),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(fields=["hash"], name="audit_entry_hash_idx"),
        ),
        migrations.RunPython(partition, unpartition, elidable=False),
    ]
