"""Bulk rows in PostgreSQL: copy one template row many times with generate_series.

A template row is made through the ORM or a service, so every column has a
value the application would write. The copies change only the columns named
in `overrides`. New columns added later are copied as they are, so the
benchmarks keep working when the models grow.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import connection


def table_columns(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position",
            [table],
        )
        return [row[0] for row in cursor.fetchall()]


def clone_rows(
    table: str,
    template_pk: object,
    first: int,
    last: int,
    overrides: Mapping[str, str],
    pk_column: str = "id",
) -> int:
    """Insert one copy of the template row for each g from first to last inclusive.

    `overrides` maps a column to an SQL expression that may use g, the copy's
    number, and t, the template row. An integer primary key that is not
    overridden is left to its sequence. Returns the number of rows inserted.
    """
    columns = [
        column for column in table_columns(table) if column != pk_column or pk_column in overrides
    ]
    unknown = set(overrides) - set(table_columns(table))
    if unknown:
        raise ValueError(f"{table} has no column {', '.join(sorted(unknown))}.")
    # The expressions are SQL text, so a modulo sign must not read as a placeholder.
    expressions = [overrides.get(column, f't."{column}"').replace("%", "%%") for column in columns]
    column_list = ", ".join(f'"{column}"' for column in columns)
    sql = (
        f'INSERT INTO "{table}" ({column_list}) '
        f"SELECT {', '.join(expressions)} "
        f'FROM "{table}" AS t CROSS JOIN generate_series(%s::bigint, %s::bigint) AS g '
        f'WHERE t."{pk_column}" = %s'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [first, last, template_pk])
        return int(cursor.rowcount)


def analyze(*tables: str) -> None:
    """Refresh the planner's statistics, as autovacuum would after a bulk insert."""
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'ANALYZE "{table}"')
