"""Admission: per-minute caps, token quotas and the site budget, reserved then settled.

Each counter lives on a row (a user's quota, the site singleton, a visitor's budget) with the
start of the period it counts. A turn is admitted by one conditional UPDATE per row that adds
its worst-case tokens (and one request to minute counters) only where every cap still holds,
so concurrent requests and several server processes can never overshoot. When the turn ends,
the reservation is replaced by the real usage.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, models, transaction
from django.utils import timezone

from chat.writes import Writes
from config.rest import DomainError

T = TypeVar("T")


class Period(enum.Enum):
    MINUTE = "minute"
    DAY = "daily"
    WEEK = "weekly"
    MONTH = "monthly"


def period_start(period: Period, now: dt.datetime) -> dt.datetime:
    now = now.astimezone(dt.UTC)
    if period is Period.MINUTE:
        return now.replace(second=0, microsecond=0)
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if period is Period.DAY:
        return day
    if period is Period.WEEK:
        return day - dt.timedelta(days=day.weekday())
    return day.replace(day=1)


def next_reset(period: Period, now: dt.datetime) -> dt.datetime:
    start = period_start(period, now)
    if period is Period.MINUTE:
        return start + dt.timedelta(minutes=1)
    if period is Period.DAY:
        return start + dt.timedelta(days=1)
    if period is Period.WEEK:
        return start + dt.timedelta(weeks=1)
    if start.month == 12:
        return start.replace(year=start.year + 1, month=1)
    return start.replace(month=start.month + 1)


class CapacityError(DomainError):
    """A refused admission: 409 for quotas, 429 for site-wide caps; always with Retry-After."""

    def __init__(self, cap: Cap, now: dt.datetime):
        reset_at = next_reset(cap.period, now)
        seconds = max(1, math.ceil((reset_at - now).total_seconds()))
        super().__init__(
            cap.detail,
            code=cap.code,
            headers={"Retry-After": str(seconds)},
            extra={
                "error": "rate_limited" if cap.status == 429 else "quota_exceeded",
                "reset_at": reset_at.replace(microsecond=0).isoformat(),
                "retry_after_seconds": seconds,
            },
        )
        self.status_code = cap.status


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
    model: type[models.Model]
    pk: Any
    caps: tuple[Cap, ...]
    values: dict[str, Any] | None = None  # the row as just read, saving admit() a query


@dataclass
class Grant:
    """What was reserved, to be settled when the turn ends."""

    rows: list[Row]
    tokens: int
    max_tokens: int  # the completion's max_tokens after clamping to what remains
    at: dt.datetime = field(default_factory=timezone.now)

    def afterwards(self) -> Grant:
        """A grant of nothing in this one's period: settling it charges tokens spent after
        this one was settled (a title that arrived after the answer)."""
        return Grant(rows=self.rows, tokens=0, max_tokens=0, at=self.at)


class _Lost(Exception):
    """Another request took the room between our read and our update: read again."""

    def __init__(self, cap: Cap):
        super().__init__(cap.code)
        self.cap = cap


def _reserve_row(row: Row, tokens: int, now: dt.datetime) -> tuple[str, list[Any]]:
    """The UPDATE that adds the reservation to every counter of the row, only where every cap
    still holds (it changes no row otherwise).

    Per cap: a counter whose period is over restarts at this request's amount; a current one
    grows by it, if the result stays within the limit. The statement is plain SQL (built once
    per row shape): composing it from ORM Case/When expressions cost more than the database
    took to run it.
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


def _column(row: Row, field: str) -> str:
    meta = row.model._meta
    column = meta.pk.column if field == "pk" else meta.get_field(field).column
    return connection.ops.quote_name(column)


def _db_time(value: dt.datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def _update(row: Row, sets: list[str], where: str) -> str:
    table = connection.ops.quote_name(row.model._meta.db_table)
    # Identifiers come from model metadata (quoted); every value is a parameter.
    return f"UPDATE {table} SET {', '.join(sets)} WHERE {where}"  # noqa: S608


def _read(row: Row) -> dict[str, Any]:
    fields = {name for cap in row.caps for name in (cap.usage, cap.start)}
    return row.model.objects.filter(pk=row.pk).values(*fields).get()


def admit(*, rows: list[Row], input_tokens: int, max_tokens: int, extra_tokens: int = 0) -> Grant:
    """Reserve input + max_tokens + extra_tokens on every row, clamping max_tokens if needed.

    Refuses (CapacityError) when a request cap is reached, or when what remains does not cover
    the input and the extra with at least one completion token to spare.
    """
    estimate = {
        "input_tokens": input_tokens,
        "max_tokens": max_tokens,
        "extra_tokens": extra_tokens,
    }
    grant, _ = admit_with(rows, lambda: (None, estimate))
    return grant


def admit_with(
    rows: list[Row],
    work: Callable[[], tuple[T, dict[str, int]]],
    before_commit: Callable[[T, Grant], None] | None = None,
) -> tuple[Grant, T]:
    """Run `work` and reserve what it estimates, in one transaction: both or neither.

    `work` writes what the admitted request stores and returns it with its estimate
    (`input_tokens`, `max_tokens`, `extra_tokens`); the reservation's UPDATEs come last, so the
    shared counter rows stay locked only until the commit. A refusal rolls `work` back. When a
    concurrent request took the room between our read and our update, everything is tried
    again (at most 5 times) on fresh values. `before_commit` is called with the work's result
    and the grant once the grant is decided, just before the statement that commits it; when
    that statement loses the race, it is called again for the next attempt.
    """
    last_cap: Cap = rows[0].caps[0]
    for attempt in range(5):
        try:
            with transaction.atomic():
                result, estimate = work()
                hook = functools.partial(before_commit, result) if before_commit else None
                grant, last_cap = _reserve(rows, fresh=attempt > 0, before_commit=hook, **estimate)
            return grant, result
        except _Lost as lost:
            last_cap = lost.cap
            continue
    raise CapacityError(last_cap, timezone.now())


def _reserve(
    rows: list[Row],
    *,
    fresh: bool,
    input_tokens: int,
    max_tokens: int,
    extra_tokens: int = 0,
    before_commit: Callable[[Grant], None] | None = None,
) -> tuple[Grant, Cap]:
    now = timezone.now()
    values = {id(r): r.values if r.values and not fresh else _read(r) for r in rows}
    token_caps = [(c, values[id(r)]) for r in rows for c in r.caps if not c.counts_requests]
    for row in rows:
        for cap in row.caps:
            if cap.counts_requests and cap.remaining(values[id(row)], now) < 1:
                raise CapacityError(cap, now)
    worst = input_tokens + max_tokens + extra_tokens
    tightest = min(token_caps, key=lambda cv: cv[0].remaining(cv[1], now), default=None)
    room = tightest[0].remaining(tightest[1], now) if tightest else math.inf
    if room >= worst:
        tokens, granted = worst, max_tokens
    elif room > input_tokens + extra_tokens:
        tokens, granted = int(room), int(room) - input_tokens - extra_tokens
    else:
        raise CapacityError(tightest[0], now)
    cap = tightest[0] if tightest else rows[0].caps[0]
    writes = Writes()
    for row in rows:
        writes.sql(*_reserve_row(row, tokens, now))
    # The transaction's last step: a row whose caps no longer held is left alone, and then
    # nothing is committed.
    grant = Grant(rows=rows, tokens=tokens, max_tokens=granted, at=now)
    if before_commit is not None:
        before_commit(grant)
    if not writes.apply_and_commit(len(rows)):
        raise _Lost(cap)
    return grant, cap


def settle(grant: Grant, actual_tokens: int) -> None:
    """Replace the reservation with the real usage, in the period it was reserved in."""
    settle_with(grant, actual_tokens, lambda writes: None)


def settle_with(grant: Grant, actual_tokens: int, work: Callable[[Writes], T]) -> T:
    """Settle together with what `work` queues (the UPDATEs that store the turn's result).

    Both are applied or neither; on PostgreSQL the end of a turn is then one statement.
    """
    writes, result = settlement(grant, actual_tokens, work)
    writes.apply()
    return result


def settlement(grant: Grant, actual_tokens: int, work: Callable[[Writes], T]) -> tuple[Writes, T]:
    """What `settle_with` applies, built but not applied (it reads nothing)."""
    writes = Writes()
    result = work(writes)
    now = timezone.now()
    delta = actual_tokens - grant.tokens
    for row in grant.rows:
        statement = _settle_row(row, grant, now, delta, actual_tokens)
        if statement is not None:
            writes.sql(*statement)
    return writes, result


def _settle_row(
    row: Row, grant: Grant, now: dt.datetime, delta: int, actual_tokens: int
) -> tuple[str, list[Any]] | None:
    """Per token counter: still in the reservation's period, add `delta` (never below 0); in a
    period that has since ended, restart at the real usage; else add the real usage."""
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
        params += [reserved_in, delta, delta, current, reserved_in, actual_tokens, actual_tokens]
        sets.append(f"{start} = CASE WHEN {stale} THEN %s ELSE {start} END")
        params += [current, reserved_in, current]
    if not sets:
        return None
    return _update(row, sets, f"{_column(row, 'pk')} = %s"), [*params, row.pk]


# --- the rows of a signed-in or anonymous turn ---------------------------------------------

QUOTA_DETAIL = {
    Period.DAY: "Daily token limit exceeded.",
    Period.WEEK: "Weekly token limit exceeded.",
    Period.MONTH: "Monthly token limit exceeded.",
}


def quota_defaults() -> dict[Period, int]:
    return {
        Period.DAY: settings.AI_ASSISTANT_TOKEN_LIMIT_DAILY,
        Period.WEEK: settings.AI_ASSISTANT_TOKEN_LIMIT_WEEKLY,
        Period.MONTH: settings.AI_ASSISTANT_TOKEN_LIMIT_MONTHLY,
    }


def token_caps(limits: dict[Period, int], *, code_prefix: str = "") -> list[Cap]:
    return [
        Cap(
            code=f"{code_prefix}{period.value}_token",
            period=period,
            usage=f"{period.value}_usage" if not code_prefix else f"{period.value}_token_usage",
            start=f"{period.value}_start",
            limit=limit,
            detail=QUOTA_DETAIL[period],
        )
        for period, limit in limits.items()
    ]


SITE_ROW_PK = 1  # the site budget's one row


def site_query() -> Any:
    """The site budget row as `values()` (for read_together), empty until it is first made."""
    from chat.models import GlobalBudget

    return GlobalBudget.objects.filter(pk=SITE_ROW_PK).values()


def _site_values(read: list[dict[str, Any]] | None) -> dict[str, Any]:
    from chat.models import GlobalBudget

    if read is None:
        read = list(site_query())
    if not read:
        GlobalBudget.objects.get_or_create(pk=SITE_ROW_PK)
        read = list(site_query())
    return read[0]


def minute_cap(code: str, prefix: str, per_minute: int, detail: str) -> Cap:
    """A requests-per-minute cap on `<prefix>_requests` / `<prefix>_start`; <=0 is off."""
    return Cap(
        code,
        Period.MINUTE,
        f"{prefix}_requests",
        f"{prefix}_start",
        per_minute if per_minute > 0 else -1,
        status=429,
        detail=detail,
        counts_requests=True,
    )


def site_row(*, anonymous: bool, read: list[dict[str, Any]] | None = None) -> Row:
    """The site budget's row; `read` is what site_query() returned, if it was run already."""
    from chat.models import GlobalBudget

    per_minute = settings.AI_ASSISTANT_GLOBAL_REQUESTS_PER_MINUTE
    daily = settings.AI_ASSISTANT_GLOBAL_DAILY_TOKEN_BUDGET
    caps = [
        Cap(
            "global_daily_token",
            Period.DAY,
            "daily_token_usage",
            "daily_start",
            daily if daily > 0 else -1,
            status=429,
            detail="The assistant's daily capacity is used up. Please try again later.",
        ),
        Cap(
            "daily_requests",
            Period.DAY,
            "daily_requests",
            "daily_requests_start",
            -1,
            counts_requests=True,
        ),
        minute_cap(
            "global_minute_burst",
            "minute",
            per_minute,
            "The assistant is busy right now. Please retry in a minute.",
        ),
    ]
    if anonymous:
        caps.append(
            minute_cap(
                "anonymous_minute_burst",
                "anonymous_minute",
                settings.AI_ASSISTANT_ANONYMOUS_REQUESTS_PER_MINUTE,
                "The public assistant is busy right now. Please retry in a minute.",
            )
        )
    return Row(GlobalBudget, 1, tuple(caps), values=_site_values(read))


def quota_limits(quota: Any) -> dict[Period, int]:
    defaults = quota_defaults()
    own = {
        Period.DAY: quota.daily_limit,
        Period.WEEK: quota.weekly_limit,
        Period.MONTH: quota.monthly_limit,
    }
    return {p: defaults[p] if own[p] is None else own[p] for p in Period if p is not Period.MINUTE}


def quota_query(user: Any) -> Any:
    """The user's quota row as `values()` (for read_together), empty until it is first made."""
    from chat.models import TokenQuota

    return TokenQuota.objects.filter(user=user).values()


def user_row(user: Any, read: list[dict[str, Any]] | None = None) -> Row:
    """The user's quota row; `read` is what quota_query() returned, if it was run already."""
    from chat.models import TokenQuota

    if read:
        quota = TokenQuota.from_db(DEFAULT_DB_ALIAS, list(read[0]), list(read[0].values()))
    else:
        quota, _ = TokenQuota.objects.get_or_create(user=user)
    caps = token_caps(quota_limits(quota))
    per_minute = settings.AI_ASSISTANT_USER_REQUESTS_PER_MINUTE
    if per_minute > 0:
        caps.append(
            minute_cap(
                "user_minute_burst",
                "minute",
                per_minute,
                "You are sending messages too fast. Please retry in a minute.",
            )
        )
    values = {f.attname: getattr(quota, f.attname) for f in TokenQuota._meta.concrete_fields}
    return Row(TokenQuota, quota.pk, tuple(caps), values=values)
