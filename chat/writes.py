"""UPDATEs that belong together, applied all or none, in one round trip on PostgreSQL.

On PostgreSQL the statements become the parts of a single statement (data-modifying WITH
clauses). One statement is atomic on its own, so it needs no BEGIN and no COMMIT: the end of
a turn, its answer and its settlement, costs one round trip instead of six. Elsewhere
(SQLite) the same statements run in order inside one transaction.

From the event loop (`aapply`) the statement travels over a small pool of asynchronous
connections of the loop's own: the end of a stream then waits for no database thread, whose
few places are left to the stream starts.

The parts of one statement all see the database as it was when the statement began, so they
must change different rows; each part's WHERE is still checked against the latest committed
version of its row, as in any UPDATE.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.db.models.sql import UpdateQuery

LOOP_POOL_MAX_SIZE = 4


class Writes:
    def __init__(self) -> None:
        self.statements: list[tuple[str, list[Any]]] = []

    def update(self, queryset: QuerySet, **values: Any) -> None:
        """Queue `queryset.update(**values)` (one table, fields of that table only)."""
        query = queryset.query.chain(UpdateQuery)
        query.add_update_values(values)
        if query.related_updates:
            raise ValueError("Writes.update takes fields of the queryset's own table only.")
        query.clear_select_clause()
        compiler = query.get_compiler(queryset.db)
        compiler.pre_sql_setup()
        sql, params = compiler.as_sql()
        self.sql(sql, params)

    def sql(self, sql: str, params: Sequence[Any]) -> None:
        """Queue one UPDATE statement written by hand (values as %s parameters)."""
        if not sql.lstrip().upper().startswith("UPDATE "):
            raise ValueError("Writes holds UPDATE statements only.")
        self.statements.append((sql, list(params)))

    def apply(self) -> int:
        """Run every queued statement; the number of rows they changed, in all."""
        if not self.statements:
            return 0
        with connection.cursor() as cursor:
            if len(self.statements) == 1:
                cursor.execute(*self.statements[0])
                return cursor.rowcount
            if connection.vendor == "postgresql":
                sql, params = self._combined()
                cursor.execute(sql, params)
                return cursor.fetchone()[0]
        with transaction.atomic(savepoint=False), connection.cursor() as cursor:
            changed = 0
            for sql, params in self.statements:
                cursor.execute(sql, params)
                changed += cursor.rowcount
            return changed

    async def aapply(self) -> int:
        """`apply` from the event loop: on PostgreSQL over the loop's own connections, with
        no thread; elsewhere (or with pooling off) in a database thread."""
        if not self.statements:
            return 0
        if connection.vendor != "postgresql" or settings.DB_POOL_MAX_SIZE <= 0:
            from chat.streaming import db

            return await db(self.apply)
        sql, params = self.statements[0] if len(self.statements) == 1 else self._combined()
        pool = await loop_pool()
        with connection.wrap_database_errors:  # the same exceptions as the ORM raises
            async with pool.connection() as conn, conn.cursor() as cursor:
                await cursor.execute(sql, params)
                if len(self.statements) == 1:
                    return cursor.rowcount
                return (await cursor.fetchone())[0]

    def _combined(self) -> tuple[str, list[Any]]:
        parts = [f"w{i} AS ({sql} RETURNING 1)" for i, (sql, _) in enumerate(self.statements)]
        # Only generated names go into the text; every value stays a parameter.
        counts = " + ".join(f"(SELECT count(*) FROM w{i})" for i in range(len(parts)))  # noqa: S608
        params = [p for _, statement_params in self.statements for p in statement_params]
        return f"WITH {', '.join(parts)} SELECT {counts}", params


_loop_pools: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


async def loop_pool():
    """The running loop's pool of asynchronous connections (opened on first use)."""
    from psycopg import AsyncClientCursor
    from psycopg_pool import AsyncConnectionPool

    loop = asyncio.get_running_loop()
    pool = _loop_pools.get(loop)
    if pool is None:
        params = connection.get_connection_params()
        params.pop("pool", None)
        # Client-side binding, as Django's own cursors: the same SQL and parameters work.
        params.update(cursor_factory=AsyncClientCursor, autocommit=True)
        pool = AsyncConnectionPool(
            kwargs=params,
            min_size=1,
            max_size=min(LOOP_POOL_MAX_SIZE, settings.DB_POOL_MAX_SIZE),
            timeout=settings.DB_POOL_TIMEOUT_SECONDS,
            check=AsyncConnectionPool.check_connection,
            open=False,
            name="chat-loop",
        )
        _loop_pools[loop] = pool
        await pool.open()  # takes an uncontended lock: no other task sees it unopened
    return pool


async def close_loop_pool() -> None:
    """Close the running loop's pool, if it has one (at server shutdown)."""
    pool = _loop_pools.pop(asyncio.get_running_loop(), None)
    if pool is not None:
        await pool.close()
