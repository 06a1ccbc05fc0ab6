"""Several ORM reads in one round trip on PostgreSQL.

A stream start reads a few small rows (the active system prompt, the caller's quota, the site
budget, the caller's session) before its transaction. Each read was a round trip of its own
from a database thread, and under hundreds of streams every round trip also waited for the
GIL to come back from the event loop. Here the querysets are compiled by the ORM as usual and
sent together as one query (Django's PostgreSQL cursors bind parameters on the client, so
several statements may share one `execute`); each result set is then converted by its own
compiler, as the queryset would have done. Elsewhere (SQLite) the querysets run one by one.

A read given as a `Shape` is compiled once per process: its SQL is kept and sent again with
the new parameters, and its result converted by the converters kept with it. Building and
compiling the stream start's four querysets took longer than the database took to answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.db.models.query import ValuesIterable

from config.rows import Converters, convert_row


@dataclass(frozen=True)
class Shape:
    """A values() queryset of the default database, read by its shape: `build()` makes it,
    and its SQL must depend on `key` alone, `params` only filling its placeholders in order.

    The first read builds and compiles it and checks that the compiled parameters are
    `params`; only then is its SQL kept for `key`, and later reads build nothing. A None among
    the parameters (which may change the SQL: `IS NULL`) is never read from what was kept.
    """

    key: str
    build: Callable[[], QuerySet]
    params: tuple[Any, ...] = ()


@dataclass(frozen=True)
class _Kept:
    sql: str
    names: list[str]
    converters: Converters


_kept: dict[tuple[str, str], _Kept] = {}


def read_together(*reads: QuerySet | Shape) -> list[list[dict[str, Any]]]:
    """The rows of each `values()` queryset (or Shape), as lists of dicts, in the order given."""
    aliases = {DEFAULT_DB_ALIAS if isinstance(r, Shape) else r.db for r in reads}
    if len(aliases) != 1:
        raise ValueError("read_together reads from one database at a time.")
    for read in reads:
        if not isinstance(read, Shape):
            _checked(read)
    connection = connections[aliases.pop()]
    if connection.vendor != "postgresql" or len(reads) == 1:
        return [list(_queryset(read)) for read in reads]
    parts: list[_Kept | None] = []
    statements, params = [], []
    for read in reads:
        kept, sql, statement_params = _compiled(read, connection)
        parts.append(kept)
        if sql is not None:
            statements.append(sql)
            params.extend(statement_params)
    results = []
    with connection.cursor() as cursor:
        if statements:
            cursor.execute("; ".join(statements), params)
        sent = 0
        for kept in parts:
            if kept is None:  # no rows, and nothing was sent
                results.append([])
                continue
            if sent:
                cursor.nextset()
            sent += 1
            rows = cursor.fetchall()
            converted = (convert_row(kept.converters, row, connection) for row in rows)
            results.append([dict(zip(kept.names, row, strict=True)) for row in converted])
    return results


def _checked(queryset: QuerySet) -> QuerySet:
    if queryset._iterable_class is not ValuesIterable:
        raise ValueError("read_together takes values() querysets only.")
    return queryset


def _queryset(read: QuerySet | Shape) -> QuerySet:
    return _checked(read.build()) if isinstance(read, Shape) else read


def _compiled(read: QuerySet | Shape, connection) -> tuple[_Kept | None, str | None, list]:
    """The SQL to send for one read and how to convert its rows (None: nothing to send)."""
    shaped = isinstance(read, Shape) and None not in read.params
    key = (connection.alias, read.key) if shaped else None
    if key is not None and key in _kept:
        kept = _kept[key]
        return kept, kept.sql, list(read.params)
    queryset = _queryset(read)
    compiler = queryset.query.get_compiler(connection.alias)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:  # e.g. pk__in=[]: no rows, and nothing to send
        return None, None, []
    query = queryset.query
    names = [*query.extra_select, *query.values_select, *query.annotation_select]
    expressions = [column[0] for column in compiler.select[: compiler.col_count]]
    # The compiler's own converters (results_iter's), in column order.
    found = sorted(compiler.get_converters(expressions).items())
    kept = _Kept(sql, names, [(index, functions, expr) for index, (functions, expr) in found])
    if key is not None and list(params) == list(read.params):
        _kept[key] = kept
    return kept, sql, list(params)
