"""Several ORM reads in one round trip on PostgreSQL.

A stream start reads a few small rows (the active system prompt, the caller's quota, the site
budget, the caller's session) before its transaction. Each read was a round trip of its own
from a database thread, and under hundreds of streams every round trip also waited for the
GIL to come back from the event loop. Here the querysets are compiled by the ORM as usual and
sent together as one query (Django's PostgreSQL cursors bind parameters on the client, so
several statements may share one `execute`); each result set is then converted by its own
compiler, as the queryset would have done. Elsewhere (SQLite) the querysets run one by one.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import ValuesIterable


def read_together(*querysets: QuerySet) -> list[list[dict[str, Any]]]:
    """The rows of each `values()` queryset, as lists of dicts, in the order given."""
    for queryset in querysets:
        if queryset._iterable_class is not ValuesIterable:
            raise ValueError("read_together takes values() querysets only.")
    aliases = {queryset.db for queryset in querysets}
    if len(aliases) != 1:
        raise ValueError("read_together reads from one database at a time.")
    connection = connections[aliases.pop()]
    if connection.vendor != "postgresql" or len(querysets) == 1:
        return [list(queryset) for queryset in querysets]
    compilers, statements, params = [], [], []
    for queryset in querysets:
        compiler = queryset.query.get_compiler(queryset.db)
        try:
            sql, statement_params = compiler.as_sql()
        except EmptyResultSet:  # e.g. pk__in=[]: no rows, and nothing to send
            compiler = None
        else:
            statements.append(sql)
            params.extend(statement_params)
        compilers.append(compiler)
    results = []
    with connection.cursor() as cursor:
        if statements:
            cursor.execute("; ".join(statements), params)
        sent = 0
        for queryset, compiler in zip(querysets, compilers, strict=True):
            if compiler is None:
                results.append([])
                continue
            if sent:
                cursor.nextset()
            sent += 1
            rows = cursor.fetchall()
            query = queryset.query
            names = [*query.extra_select, *query.values_select, *query.annotation_select]
            converted = compiler.results_iter(results=[rows])
            results.append([dict(zip(names, row, strict=True)) for row in converted])
    return results
