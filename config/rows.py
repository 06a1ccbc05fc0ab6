"""Rows read with hand-written or kept SQL, converted as the ORM converts them."""

from __future__ import annotations

from typing import Any

# Per column that needs it: (its position, its converters, the expression they are given).
Converters = list[tuple[int, list[Any], Any]]


def column_converters(connection: Any, expressions: list[Any]) -> Converters:
    """What the ORM's compiler applies to each selected column (backend and field converters).

    The converters are bound to `connection`'s backend; they read only what every connection
    of the process shares (settings such as the time zone), so they may be kept and used with
    any connection of the same database.
    """
    found = []
    for index, expression in enumerate(expressions):
        converters = connection.ops.get_db_converters(expression)
        converters += expression.get_db_converters(connection)
        if converters:
            found.append((index, converters, expression))
    return found


def convert_row(converters: Converters, row: tuple, connection: Any) -> list[Any]:
    values = list(row)
    for index, functions, expression in converters:
        for convert in functions:
            values[index] = convert(values[index], expression, connection)
    return values
