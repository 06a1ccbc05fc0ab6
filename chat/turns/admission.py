"""Admission: a stream slot per answer, and token budgets reserved on capped counters, then
settled to what the turn really spent.

Each counter lives on a row (a user's quota, the site singleton, a visitor's budget) next to the
start of the period it counts. A turn is admitted by one conditional UPDATE per row that adds
its worst case (tokens, or one request for a per-minute cap) only where every cap of the row
still holds, so concurrent requests, in any number of server processes, never overshoot a cap.
When the turn ends, its reservation is replaced by the real usage.

The UPDATEs are plain parameterised SQL, written once here from the models' metadata: they run
for every turn, and composing them from ORM Case/When expressions cost more than the database
took to run them.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, models
from django.utils import timezone

from chat.periods import Period, next_reset, period_start
from config.rest import DomainError


class CapacityError(DomainError):
    """A refused admission, always with Retry-After and the time the cap resets."""

    def __init__(self, cap: Cap, now: dt.datetime):
        reset_at = next_reset(cap.period, now)
        seconds = max(1, math.ceil((reset_at - now).total_seconds()))
        super().__init__(
            cap.detail,
            code=cap.code,
            headers={"Retry-After": str(seconds)},
            extra={
                "error": self.error,
                "reset_at": reset_at.replace(microsecond=0).isoformat(),
                "retry_after_seconds": seconds,
            },
        )
        self.cap = cap

    error = "quota_exceeded"

    @staticmethod
    def refusing(cap: Cap, now: dt.datetime) -> CapacityError:
        """The refusal for `cap`: a quota (409) or a site-wide rate or budget (429)."""
        return RateLimited(cap, now) if cap.status == 429 else QuotaExceeded(cap, now)


class QuotaExceeded(CapacityError):
    status_code = 409
    error = "quota_exceeded"


class RateLimited(CapacityError):
    status_code = 429
    error = "rate_limited"


@dataclass(frozen=True)
class Cap:
    """One counter of a row: `usage` counted since `start`, at most `limit` (<0: no limit)."""

    code: str
    period: Period
    usage: str
    start: str
    limit: int
    status: int = 409
    detail: str = ""
    counts_requests: bool = False  # one per admission instead of tokens

    def used(self, values: dict[str, Any], now: dt.datetime) -> int:
        return values[self.usage] if values[self.start] >= period_start(self.period, now) else 0

    def remaining(self, values: dict[str, Any], now: dt.datetime) -> float:
        return math.inf if self.limit < 0 else self.limit - self.used(values, now)


@dataclass(frozen=True)
class Row:
    """A counter row: its model, primary key, caps, and its values as last read."""

    model: type[models.Model]
    pk: Any
    caps: tuple[Cap, ...]
    values: dict[str, Any] | None = None


@dataclass(frozen=True)
class Estimate:
    """A turn's worst case: its prompt, the largest answer asked for, and side calls (a title)."""

    input_tokens: int
    max_tokens: int
    extra_tokens: int = 0


@dataclass
class Grant:
    """What was reserved, to be settled when the turn ends."""

    rows: list[Row]
    tokens: int
    max_tokens: int  # the answer's max_tokens, clamped to what remained
    at: dt.datetime = field(default_factory=timezone.now)

    def afterwards(self) -> Grant:
        """A grant of nothing in this one's period: settling it charges tokens spent after
        this one was settled (a title that arrived after the answer)."""
        return Grant(rows=self.rows, tokens=0, max_tokens=0, at=self.at)


class Lost(Exception):
    """Another request took the room between our read and our UPDATE."""

    def __init__(self, cap: Cap):
        super().__init__(cap.code)
        self.cap = cap


ATTEMPTS = 5  # reads and reservations tried while concurrent requests keep taking the room


def estimate_tokens(text: str) -> int:
    """Conservative token estimate without a tokenizer: one token per 3 characters."""
    return -(-len(text) // 3) if text else 0


def reserve(rows: list[Row], estimate: Estimate) -> Grant:
    """Reserve the estimate on every row, or on none, clamping the answer's max_tokens to what
    remains; refused (CapacityError) when a cap leaves no room.

    Precondition: autocommit (no transaction open). Each row's UPDATE commits on its own, so a
    counter row that every turn touches (the site budget) is locked only while the database
    runs one statement, never across a round trip to this process; a transaction around the
    reservation made every admission in every process wait for the slowest one's commit. When
    a row's caps no longer hold (another request took the room since our read), the rows
    already reserved are given back and everything is tried again on fresh values.
    """
    if connection.in_atomic_block:
        raise RuntimeError("reserve() runs in autocommit, outside any transaction.")
    for attempt in range(ATTEMPTS):
        now = timezone.now()
        values = [_read(row) if attempt or row.values is None else row.values for row in rows]
        grant, tightest = _decide(rows, values, estimate, now)
        reserved: list[Row] = []
        with connection.cursor() as cursor:
            for row in rows:
                cursor.execute(*_reserve_statement(row, grant.tokens, now))
                if cursor.rowcount != 1:
                    break
                reserved.append(row)
        if len(reserved) == len(rows):
            return grant
        release(Grant(reserved, grant.tokens, grant.max_tokens, now))
    raise CapacityError.refusing(tightest, timezone.now())


def _decide(
    rows: list[Row], values: list[dict[str, Any]], estimate: Estimate, now: dt.datetime
) -> tuple[Grant, Cap]:
    """The grant the rows' values leave room for, and the cap that leaves the least."""
    for row, row_values in zip(rows, values, strict=True):
        for cap in row.caps:
            if cap.counts_requests and cap.remaining(row_values, now) < 1:
                raise CapacityError.refusing(cap, now)
    token_caps = [
        (cap, row_values)
        for row, row_values in zip(rows, values, strict=True)
        for cap in row.caps
        if not cap.counts_requests
    ]
    worst = estimate.input_tokens + estimate.max_tokens + estimate.extra_tokens
    tightest = min(token_caps, key=lambda cv: cv[0].remaining(cv[1], now), default=None)
    room = tightest[0].remaining(tightest[1], now) if tightest else math.inf
    needed = estimate.input_tokens + estimate.extra_tokens
    if room >= worst:
        tokens, granted = worst, estimate.max_tokens
    elif room > needed:  # at least one answer token
        tokens, granted = int(room), int(room) - needed
    else:
        raise CapacityError.refusing(tightest[0], now)
    cap = tightest[0] if tightest else rows[0].caps[0]
    return Grant(rows=rows, tokens=tokens, max_tokens=granted, at=now), cap


def settle(grant: Grant, spent: int) -> None:
    """Replace the reservation with the real usage, in the period it was reserved in (each
    row's UPDATE in autocommit, as the reservation)."""
    now = timezone.now()
    with connection.cursor() as cursor:
        for row in grant.rows:
            statement = _settle_statement(row, grant, now, spent)
            if statement is not None:
                cursor.execute(*statement)


def release(grant: Grant) -> None:
    """Give a reservation back entirely, its requests included (the turn never happened)."""
    with connection.cursor() as cursor:
        for row in grant.rows:
            cursor.execute(*_release_statement(row, grant))


def _read(row: Row) -> dict[str, Any]:
    fields = {name for cap in row.caps for name in (cap.usage, cap.start)}
    return row.model.objects.filter(pk=row.pk).values(*fields).get()


def _reserve_statement(row: Row, tokens: int, now: dt.datetime) -> tuple[str, list[Any]]:
    """The UPDATE that adds the reservation to every counter of the row, only where every cap
    still holds (it changes no row otherwise).

    Per cap: a counter whose period is over restarts at this request's amount; a current one
    grows by it, if the result stays within the limit. Under READ COMMITTED, a concurrent
    UPDATE of the same row makes this one wait, then check its WHERE against the new values.
    """
    updates: list[str] = []
    conditions: list[str] = []
    params: list[Any] = []
    where_params: list[Any] = []
    for cap in row.caps:
        amount = 1 if cap.counts_requests else tokens
        bucket = _db_time(period_start(cap.period, now))
        usage, start = _column(row, cap.usage), _column(row, cap.start)
        updates.append(f"{usage} = CASE WHEN {start} < %s THEN %s ELSE {usage} + %s END")
        updates.append(f"{start} = CASE WHEN {start} < %s THEN %s ELSE {start} END")
        params += [bucket, amount, amount, bucket, bucket]
        if cap.limit >= 0:
            restart = f"{start} < %s" if amount <= cap.limit else "1 = 0"
            conditions.append(f"(({restart}) OR ({start} >= %s AND {usage} <= %s))")
            where_params += [bucket] if amount <= cap.limit else []
            where_params += [bucket, cap.limit - amount]
    where = " AND ".join([f"{_column(row, 'pk')} = %s", *conditions])
    return _update(row, updates, where), [*params, row.pk, *where_params]


def _settle_statement(
    row: Row, grant: Grant, now: dt.datetime, spent: int
) -> tuple[str, list[Any]] | None:
    """Per token counter: still in the reservation's period, add `spent - reserved` (never
    below 0); in a period that has since ended, restart at the real usage; else add it."""
    delta = spent - grant.tokens
    sets: list[str] = []
    params: list[Any] = []
    for cap in row.caps:
        if cap.counts_requests:
            continue
        reserved_in = _db_time(period_start(cap.period, grant.at))
        current = _db_time(period_start(cap.period, now))
        usage, start = _column(row, cap.usage), _column(row, cap.start)
        stale = f"({start} < %s AND {start} <> %s)"
        sets.append(
            f"{usage} = CASE WHEN {start} = %s THEN "
            f"(CASE WHEN {usage} + %s > 0 THEN {usage} + %s ELSE 0 END) "
            f"WHEN {stale} THEN %s ELSE {usage} + %s END"
        )
        params += [reserved_in, delta, delta, current, reserved_in, spent, spent]
        sets.append(f"{start} = CASE WHEN {stale} THEN %s ELSE {start} END")
        params += [current, reserved_in, current]
    if not sets:
        return None
    return _update(row, sets, f"{_column(row, 'pk')} = %s"), [*params, row.pk]


def _release_statement(row: Row, grant: Grant) -> tuple[str, list[Any]]:
    """Per counter still in the reservation's period: take its amount back (never below 0)."""
    sets: list[str] = []
    params: list[Any] = []
    for cap in row.caps:
        amount = 1 if cap.counts_requests else grant.tokens
        usage, start = _column(row, cap.usage), _column(row, cap.start)
        sets.append(
            f"{usage} = CASE WHEN {start} = %s AND {usage} > %s THEN {usage} - %s "
            f"WHEN {start} = %s THEN 0 ELSE {usage} END"
        )
        reserved_in = _db_time(period_start(cap.period, grant.at))
        params += [reserved_in, amount, amount, reserved_in]
    return _update(row, sets, f"{_column(row, 'pk')} = %s"), [*params, row.pk]


def _column(row: Row, name: str) -> str:
    meta = row.model._meta
    column = meta.pk.column if name == "pk" else meta.get_field(name).column
    return connection.ops.quote_name(column)


def _db_time(value: dt.datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def _update(row: Row, sets: list[str], where: str) -> str:
    table = connection.ops.quote_name(row.model._meta.db_table)
    # Identifiers come from model metadata (quoted); every value is a parameter.
    return f"UPDATE {table} SET {', '.join(sets)} WHERE {where}"  # noqa: S608


# --- stream slots ---------------------------------------------------------------------------


class StreamCapacity(DomainError):
    status_code = 503
    default_code = "stream_capacity"
    default_detail = "The server is answering too many chats right now. Please retry shortly."

    def __init__(self) -> None:
        super().__init__(headers={"Retry-After": "5"})


class Slot:
    """One answer's place among the process's AI_ASSISTANT_MAX_STREAMS; released once."""

    def __init__(self, slots: StreamSlots) -> None:
        self._slots = slots
        self._released = False

    def release(self) -> None:
        with self._slots.lock:
            if not self._released:
                self._released = True
                self._slots.in_use -= 1


class StreamSlots:
    """Answers generating at once in this process, counted where they are checked.

    The check and the count are one step under a lock, so a burst cannot slip past the cap
    while earlier requests are still on their way to their database work.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_use = 0

    def take(self) -> Slot:
        with self.lock:
            if self.in_use >= settings.AI_ASSISTANT_MAX_STREAMS:
                raise StreamCapacity()
            self.in_use += 1
        return Slot(self)


slots = StreamSlots()
