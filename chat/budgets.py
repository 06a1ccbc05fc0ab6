"""The counter rows of the budgets: a user's token quota and the site-wide budget, with their caps.

Admission (chat.turns.admission) reserves on these rows; the quota endpoints read them; the
public chat adds a visitor's row of its own (anonymous_chat.conversation).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from chat.models import GlobalBudget, TokenQuota
from chat.periods import Period
from chat.turns.admission import Cap, Row

QUOTA_DETAIL = {
    Period.DAY: "Daily token limit exceeded.",
    Period.WEEK: "Weekly token limit exceeded.",
    Period.MONTH: "Monthly token limit exceeded.",
}

SITE_ROW_PK = 1  # the site budget's one row


def quota_defaults() -> dict[Period, int]:
    """The token limits of a user (or visitor) who has none of their own."""
    return {
        Period.DAY: settings.AI_ASSISTANT_TOKEN_LIMIT_DAILY,
        Period.WEEK: settings.AI_ASSISTANT_TOKEN_LIMIT_WEEKLY,
        Period.MONTH: settings.AI_ASSISTANT_TOKEN_LIMIT_MONTHLY,
    }


def quota_limits(quota: TokenQuota) -> dict[Period, int]:
    """A quota's own limits, the system default where it has none (null)."""
    defaults = quota_defaults()
    own = {
        Period.DAY: quota.daily_limit,
        Period.WEEK: quota.weekly_limit,
        Period.MONTH: quota.monthly_limit,
    }
    return {period: defaults[period] if limit is None else limit for period, limit in own.items()}


def token_caps(limits: dict[Period, int]) -> list[Cap]:
    """A user quota's token caps, one per period."""
    return [
        Cap(
            code=f"{period.value}_token",
            period=period,
            usage=f"{period.value}_usage",
            start=f"{period.value}_start",
            limit=limit,
            detail=QUOTA_DETAIL[period],
        )
        for period, limit in limits.items()
    ]


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


def _values(obj: Any) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def user_row(user: Any) -> Row:
    """The user's quota row (made on first use) with its token caps and per-minute cap."""
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
    return Row(TokenQuota, quota.pk, tuple(caps), values=_values(quota))


def site_row(*, anonymous: bool) -> Row:
    """The site budget's row: the daily token budget, the per-minute caps (the anonymous one
    for public turns only) and the daily request count."""
    budget, _ = GlobalBudget.objects.get_or_create(pk=SITE_ROW_PK)
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
            settings.AI_ASSISTANT_GLOBAL_REQUESTS_PER_MINUTE,
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
    return Row(GlobalBudget, SITE_ROW_PK, tuple(caps), values=_values(budget))
