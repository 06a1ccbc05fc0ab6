"""UPDATEs that belong together, applied all or none, in one round trip on PostgreSQL.

On PostgreSQL the statements become the parts of a single statement (data-modifying WITH
clauses). One statement is atomic on its own, so it needs no BEGIN and no COMMIT: the end of
a turn, its answer and its settlement, costs one round trip instead of six. Elsewhere
(SQLite) the same statements run in order inside one transaction.

From the event loop (`aapply`) the statement travels over a few asynchronous connections of
the loop's own (LoopWriters): the end of a stream then waits for no database thread, whose few
places are left to the stream starts.

The parts of one statement all see the database as it was when the statement began, so they
must change different rows; each part's WHERE is still checked against the latest committed
version of its row, as in any UPDATE.
"""

from __future__ import annotations

import asyncio
import select
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DataError, connection, transaction
from django.db.models import Model, QuerySet
from django.db.models.sql import UpdateQuery

# Each statement takes a few turns of the event loop, so under load the writers' number bounds
# how many turns end per second (with 4, ends queued for over a second at 450 streams).
LOOP_WRITERS = 10
WRITER_NAME = "chat-loop-writer"
CLOSED = "The database writers were closed."
LOST = "admission lost a row: "  # the text of the error that apply_and_commit raises on purpose


@dataclass(frozen=True)
class Expr:
    """A hand-written SQL value for `Writes.update_row`.

    In `sql`, `{column}` stands for the column being set and `{name}` for the column of the
    model's field `name`; each `%s` takes one of `params`, prepared as values of the field
    `prepared_as` (by default, the one being set).
    """

    sql: str
    params: tuple[Any, ...] = ()
    prepared_as: str | None = None


class _Columns(dict):
    def __init__(self, meta: Any, column: str) -> None:
        super().__init__(column=column)
        self.meta = meta

    def __missing__(self, name: str) -> str:
        return connection.ops.quote_name(self.meta.get_field(name).column)


class Writes:
    def __init__(self) -> None:
        self.statements: list[tuple[str, list[Any]]] = []

    def update_row(self, model: type[Model], pk: Any, **values: Any) -> None:
        """Queue `UPDATE <table> SET <field> = <value>, ... WHERE <pk> = pk`.

        The statement is written here from the model's metadata, each value prepared by its
        field as the ORM would: the ends of turns queue it from the event loop, where
        compiling the same UPDATE as a queryset (`update`) took several times longer than
        the database took to run it. A value may be an `Expr`.
        """
        meta = model._meta
        quote = connection.ops.quote_name
        sets: list[str] = []
        params: list[Any] = []
        for name, value in values.items():
            field = meta.get_field(name)
            column = quote(field.column)
            if isinstance(value, Expr):
                sets.append(f"{column} = {value.sql.format_map(_Columns(meta, column))}")
                prep = meta.get_field(value.prepared_as) if value.prepared_as else field
                params += [prep.get_db_prep_value(p, connection) for p in value.params]
            else:
                sets.append(f"{column} = %s")
                params.append(field.get_db_prep_save(value, connection))
        table, key = quote(meta.db_table), quote(meta.pk.column)
        # Identifiers come from model metadata (quoted); every value is a parameter.
        sql = f"UPDATE {table} SET {', '.join(sets)} WHERE {key} = %s"  # noqa: S608
        self.sql(sql, [*params, meta.pk.get_db_prep_value(pk, connection)])

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
        sql, params = self._combined()
        with connection.wrap_database_errors:  # the same exceptions as the ORM raises
            return (await loop_writers().fetchone(sql, params))[0]

    def apply_and_commit(self, expected: int) -> bool:
        """Apply as the very last step of the outermost transaction, and commit it.

        Returns whether the statements changed `expected` rows in all. On PostgreSQL the
        statement and the COMMIT travel together, in one round trip, so the rows it locks
        (the shared counter rows of an admission) stay locked only while the database runs
        it, never across a wait for this process (under load, a wait for the GIL). When fewer
        rows changed, the statement fails on purpose and nothing is committed: the caller must
        then raise, and its atomic block rolls back. Elsewhere, or inside a nested atomic
        block, the statements are applied and counted and the commit is the block's own.
        """
        outermost = len(connection.atomic_blocks) == 1 and not connection.needs_rollback
        if connection.vendor != "postgresql" or not outermost:
            return self.apply() == expected
        # The ELSE branch, a cast that fails, runs only when a row was lost: it depends on
        # `changed`, so the planner cannot fold it into an error ahead of time.
        sql, params = self._combined(
            "SELECT CASE WHEN changed = %s THEN changed "
            "ELSE CAST(%s || changed AS integer) END FROM total"
        )
        try:
            with connection.cursor() as cursor:
                # Two statements in one query (client-side binding uses the simple protocol).
                cursor.execute(f"{sql}; COMMIT", [*params, expected, LOST])
        except DataError as exc:
            if LOST in str(exc):
                return False
            raise
        return True

    def _combined(self, select: str = "SELECT changed FROM total") -> tuple[str, list[Any]]:
        """One statement: every UPDATE as a WITH part, then `select` over their row count."""
        parts = [f"w{i} AS ({sql} RETURNING 1)" for i, (sql, _) in enumerate(self.statements)]
        # Only generated names go into the text; every value stays a parameter.
        counts = " + ".join(f"(SELECT count(*) FROM w{i})" for i in range(len(parts)))  # noqa: S608
        parts.append(f"total AS (SELECT {counts} AS changed)")
        params = [p for _, statement_params in self.statements for p in statement_params]
        return f"WITH {', '.join(parts)} {select}", params


def insert_all(*objs: Model) -> None:
    """INSERT unsaved model instances, in the order given, and set their primary keys.

    An instance may refer (by foreign key) to one given before it. On PostgreSQL they all go
    in one statement (a WITH part per row, a later row taking the earlier row's new key from
    its part); elsewhere one INSERT ... RETURNING per row. The statements are written here
    from the models' metadata, each value prepared by its field as the ORM would: a stream
    start spent more time having the ORM compile its thread and message INSERTs than
    anything else it did in Python.
    """
    quote = connection.ops.quote_name
    combined = connection.vendor == "postgresql"
    parts: list[tuple[str, list[Any]]] = []
    links: list[tuple[Model, str, Model]] = []  # (row, its foreign key's attname, earlier row)
    for index, obj in enumerate(objs):
        meta = obj._meta
        columns: list[str] = []
        values: list[str] = []
        params: list[Any] = []
        for field in meta.concrete_fields:
            if field.primary_key and getattr(obj, field.attname) is None:
                continue  # the database assigns it
            columns.append(quote(field.column))
            related = obj._state.fields_cache.get(field.name) if field.is_relation else None
            earlier = _position(related, objs[:index]) if related is not None else None
            if earlier is not None and combined:
                related_key = quote(related._meta.pk.column)
                values.append(f"(SELECT {related_key} FROM i{earlier})")  # noqa: S608
                links.append((obj, field.attname, related))
                continue
            if earlier is not None:  # already inserted, by the loop below
                setattr(obj, field.attname, related.pk)
            value = field.get_db_prep_save(field.pre_save(obj, add=True), connection)
            if value is None:  # in the text, so that a new thread and its two messages stay
                values.append("NULL")  # within the parameters whose parsing psycopg caches
                continue
            values.append("%s")
            params.append(value)
        table, key = quote(meta.db_table), quote(meta.pk.column)
        # Identifiers come from model metadata (quoted); every value is a parameter or NULL.
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(values)})"  # noqa: S608
        if combined:
            parts.append((f"i{index} AS ({sql} RETURNING {key})", params))
            continue
        with connection.cursor() as cursor:
            cursor.execute(f"{sql} RETURNING {key}", params)
            _inserted(obj, cursor.fetchone()[0])
    if not combined:
        return
    # Only generated names and quoted identifiers go into the text.
    keys = [f"(SELECT {quote(o._meta.pk.column)} FROM i{i})" for i, o in enumerate(objs)]  # noqa: S608
    sql = f"WITH {', '.join(p for p, _ in parts)} SELECT {', '.join(keys)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [p for _, params in parts for p in params])
        for obj, pk in zip(objs, cursor.fetchone(), strict=True):
            _inserted(obj, pk)
    for obj, attname, related in links:
        setattr(obj, attname, related.pk)


def _position(obj: Model, objs: Sequence[Model]) -> int | None:
    for index, candidate in enumerate(objs):
        if candidate is obj:
            return index
    return None


def _inserted(obj: Model, pk: Any) -> None:
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = connection.alias


class LoopWriters:
    """The event loop's connections for `aapply`: a few tasks, each with a connection of its
    own, taking statements from one queue.

    A pool of connections (psycopg_pool) did the same job with a checkout and a return per
    statement, and under hundreds of streams the ends of turns queued for seconds on its
    hand-overs while the database sat idle; a task here goes straight from one statement to
    the next. A statement runs to its end even when its caller is cancelled, so a turn's
    result is not lost to a shutdown or a disconnect.
    """

    def __init__(self, size: int) -> None:
        self.queue: asyncio.Queue = asyncio.Queue()
        self.tasks = [asyncio.create_task(self._work(), name="chat-writer") for _ in range(size)]

    async def fetchone(self, sql: str, params: list[Any]) -> Any:
        """Run one statement (autocommit) and give its first row back."""
        future = asyncio.get_running_loop().create_future()
        self.queue.put_nowait((sql, params, future))
        return await future

    async def close(self, timeout: float = 30.0) -> None:
        """Finish the statements already queued, then close the connections. A writer still
        busy after `timeout` seconds is stopped, and what it had not run fails its caller."""
        for _ in self.tasks:
            self.queue.put_nowait(None)  # each writer stops when it takes one
        _, busy = await asyncio.wait(self.tasks, timeout=timeout)
        for task in busy:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        while not self.queue.empty():
            item = self.queue.get_nowait()
            if item is not None and not item[2].done():
                item[2].set_exception(RuntimeError(CLOSED))

    async def _work(self) -> None:
        conn, used_at = None, 0.0
        try:
            while True:
                item = await self.queue.get()
                if item is None:
                    return
                sql, params, future = item
                try:
                    idle = time.monotonic() - used_at >= settings.DB_CHECK_IDLE_SECONDS
                    if conn is not None and (
                        conn.closed or _dropped(conn) or (idle and not await _alive(conn))
                    ):
                        await conn.close()
                        conn = None
                    if conn is None:
                        conn = await _connect()
                    async with conn.cursor() as cursor:
                        await cursor.execute(sql, params)
                        row = await cursor.fetchone()
                    used_at = time.monotonic()
                except asyncio.CancelledError:  # by close(): the caller must not wait forever
                    if not future.done():
                        future.set_exception(RuntimeError(CLOSED))
                    raise
                except Exception as exc:
                    if conn is not None and conn.broken:
                        await conn.close()
                        conn = None
                    if not future.done():
                        future.set_exception(exc)
                else:
                    if not future.done():
                        future.set_result(row)
        finally:
            if conn is not None:
                await conn.close()


async def _connect():
    from psycopg import AsyncClientCursor, AsyncConnection

    params = connection.get_connection_params()
    params.pop("pool", None)
    # Client-side binding, as Django's own cursors: the same SQL and parameters work.
    params.update(cursor_factory=AsyncClientCursor, autocommit=True)
    params.setdefault("application_name", WRITER_NAME)  # to be told apart in pg_stat_activity
    return await AsyncConnection.connect(**params)


def _dropped(conn) -> bool:
    """Whether the database has closed this idle connection: it then has something to read
    (the server's goodbye, as at a restart, or the end of the stream), where an idle
    connection in autocommit has nothing. One non-blocking poll, no round trip."""
    try:
        readable, _, _ = select.select([conn.fileno()], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


async def _alive(conn) -> bool:
    """A ping after DB_CHECK_IDLE_SECONDS of idleness, as config.postgresql does for the
    threads' pool: a connection the database dropped meanwhile is replaced, not used."""
    try:
        await conn.execute("SELECT 1")
    except Exception:
        await conn.close()
        return False
    return True


_loop_writers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def loop_writers() -> LoopWriters:
    """The running loop's writers (started on first use)."""
    loop = asyncio.get_running_loop()
    writers = _loop_writers.get(loop)
    if writers is None:
        writers = LoopWriters(min(LOOP_WRITERS, settings.DB_POOL_MAX_SIZE))
        _loop_writers[loop] = writers
    return writers


async def close_loop_writers() -> None:
    """Stop the running loop's writers and close their connections (at server shutdown)."""
    writers = _loop_writers.pop(asyncio.get_running_loop(), None)
    if writers is not None:
        await writers.close()
