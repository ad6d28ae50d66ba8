"""Writing many rows into PostgreSQL with ``COPY`` (not the ORM), one table at a time.

A ``TableWriter`` knows a model's columns from its ``_meta`` and fills what a row leaves out
with the field's default (``auto_now`` dates with the row's own time when it has one, else
the generation's clock). Rows are buffered and flushed as one ``COPY … FROM STDIN``;
identifiers are handed out by the writer (``next_id``), so that rows of other tables can
point at a row before it is written. ``finish`` moves each table's identity sequence past the
highest id written, so that the application's own inserts follow.
"""

from collections.abc import Iterable
from typing import Any

from django.db import connection, models
from django.db.models.fields import NOT_PROVIDED
from psycopg.types.json import Jsonb


class TableWriter:
    def __init__(self, model: type[models.Model], *, clock):
        self.model = model
        self.table = model._meta.db_table
        self.fields = [field for field in model._meta.concrete_fields]
        self.columns = [field.column for field in self.fields]
        self.names = [field.attname for field in self.fields]
        self.json = {field.attname for field in self.fields if isinstance(field, models.JSONField)}
        self.defaults = {}
        for field in self.fields:
            if field.primary_key and isinstance(field, models.AutoField):
                continue
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                self.defaults[field.attname] = clock
            elif field.default is not NOT_PROVIDED:
                self.defaults[field.attname] = field.default
            elif field.null:
                self.defaults[field.attname] = None
            elif field.blank and isinstance(
                field, models.CharField | models.TextField | models.FileField
            ):
                self.defaults[field.attname] = ""
        self.pk = model._meta.pk.attname
        self.auto_pk = isinstance(model._meta.pk, models.AutoField)
        self.rows: list[tuple] = []
        self.written = 0
        self._next = None

    def start_ids_after(self, value: int) -> None:
        self._next = value + 1

    def next_id(self) -> int:
        value = self._next
        self._next += 1
        return value

    def add(self, **values: Any) -> Any:
        """Buffer one row; returns its primary key (handed out here when the model's key is
        an automatic one and ``values`` gives none)."""
        if self.auto_pk and self.pk not in values:
            values[self.pk] = self.next_id()
        row = []
        for name in self.names:
            if name in values:
                value = values[name]
            elif name in self.defaults:
                value = self.defaults[name]
                if callable(value):
                    value = value()
            else:
                raise KeyError(f"{self.table}.{name}: no value and no default")
            if name in self.json and value is not None:
                value = Jsonb(value)
            row.append(value)
        if len(values) > len(self.names):
            unknown = set(values) - set(self.names)
            raise KeyError(f"{self.table}: unknown columns {sorted(unknown)}")
        self.rows.append(tuple(row))
        return values[self.pk]

    def flush(self) -> int:
        if not self.rows:
            return 0
        columns = ", ".join(connection.ops.quote_name(column) for column in self.columns)
        with connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(
                f"COPY {connection.ops.quote_name(self.table)} ({columns}) FROM STDIN"
            ) as copy:
                for row in self.rows:
                    copy.write_row(row)
        count = len(self.rows)
        self.written += count
        self.rows = []
        return count


def highest_id(model: type[models.Model]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COALESCE(MAX({connection.ops.quote_name(model._meta.pk.column)}), 0) "
            f"FROM {connection.ops.quote_name(model._meta.db_table)}"
        )
        return cursor.fetchone()[0]


def move_sequences(models_written: Iterable[type[models.Model]]) -> None:
    """Each identity sequence past the table's highest id."""
    with connection.cursor() as cursor:
        for model in models_written:
            if not isinstance(model._meta.pk, models.AutoField):
                continue
            table = model._meta.db_table
            column = model._meta.pk.column
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
            sequence = cursor.fetchone()[0]
            if sequence:
                cursor.execute(
                    f"SELECT setval(%s, GREATEST(COALESCE((SELECT MAX({column}) FROM {table}), 0), 1))",
                    [sequence],
                )
