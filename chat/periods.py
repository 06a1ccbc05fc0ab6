"""UTC calendar periods of the token and request counters: where each starts, when it resets."""

from __future__ import annotations

import datetime as dt
import enum


class Period(enum.Enum):
    MINUTE = "minute"
    DAY = "daily"
    WEEK = "weekly"
    MONTH = "monthly"


def period_start(period: Period, now: dt.datetime) -> dt.datetime:
    """The start of the period that contains `now` (weeks start on Monday)."""
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
    """The start of the period after the one that contains `now`."""
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
