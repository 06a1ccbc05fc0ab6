"""The KPI of the staff analytics: totals, rates, review figures, daily volume and severity chart.

Read from the roll-ups where the filters allow (KpiScope), else from the filtered turns in a
constant number of grouped queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Avg, BooleanField, Count, Q, QuerySet, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from anonymous_chat.analytics import REVIEWED, SEVERITIES, SEVERITY_CHART_DAYS, day_start
from anonymous_chat.models import (
    AnonymousChatClick,
    AnonymousChatFeedback,
    DailyRollup,
    UserRollup,
)
from moderation.types import Severity


def _clarification() -> RawSQL:
    """A turn whose answer asks the visitor a question back (an ask_user_form block)."""
    if connection.vendor == "postgresql":
        return RawSQL(
            "assistant_blocks @> %s::jsonb", ('[{"key": "ask_user_form"}]',), BooleanField()
        )
    return RawSQL("assistant_blocks LIKE %s", ('%"ask_user_form"%',), BooleanField())


def _ratio(part: float | None, whole: float | None) -> float | None:
    return (part / whole) if whole else None


def kpi_totals(turns: QuerySet) -> dict[str, Any]:
    """Every KPI total over the turn set in one query (conditional aggregates)."""
    hallucinated = REVIEWED & Q(feedback__llm_hallucination_detected=True)
    totals = (
        turns.order_by()
        .alias(asks_back=_clarification())
        .aggregate(
            interactions_total=Count("id"),
            sessions_total=Count("session_id", distinct=True, filter=~Q(session_id="")),
            unique_users=Count("user_slug", distinct=True, filter=~Q(user_slug="")),
            flagged_total=Count("id", filter=Q(is_flagged=True)),
            feedback_positive=Count("id", filter=Q(feedback__score=1)),
            feedback_negative=Count("id", filter=Q(feedback__score=-1)),
            clarification_requests_total=Count("id", filter=Q(asks_back=True)),
            input_tokens_total=Coalesce(Sum("input_tokens"), 0),
            output_tokens_total=Coalesce(Sum("output_tokens"), 0),
            reviewed_total=Count("session_id", distinct=True, filter=REVIEWED),
            hallucinated_sessions=Count("session_id", distinct=True, filter=hallucinated),
            avg_llm_resolution_score=Avg("feedback__llm_resolution_score", filter=REVIEWED),
            review_input_tokens_total=Coalesce(
                Sum("feedback__llm_judge_input_tokens", filter=REVIEWED), 0
            ),
            review_output_tokens_total=Coalesce(
                Sum("feedback__llm_judge_output_tokens", filter=REVIEWED), 0
            ),
        )
    )
    return totals


def kpi_daily(turns: QuerySet, *, since: dt.datetime) -> dict[dt.date, dict[str, int]]:
    """Turns per UTC day since `since`, split by severity (one grouped query)."""
    # A blank severity (older rows) is charted as NONE.
    counts = {value: Count("id", filter=Q(severity=value)) for value in SEVERITIES}
    counts[Severity.NONE.value] = Count("id", filter=Q(severity__in=(Severity.NONE.value, "")))
    rows = (
        turns.order_by()
        .filter(created__gte=since)
        .annotate(day=TruncDate("created", tzinfo=dt.UTC))
        .values("day")
        .annotate(total=Count("id"), **counts)
    )
    return {row["day"]: row for row in rows}


def kpi_intents(turns: QuerySet) -> dict[str, int]:
    rows = (
        turns.order_by()
        .filter(REVIEWED)
        .values("feedback__llm_intent_category")
        .annotate(n=Count("id"))
    )
    return {row["feedback__llm_intent_category"] or "unclear": row["n"] for row in rows}


@dataclass(frozen=True)
class KpiScope:
    """The turns a KPI covers and, where the roll-ups can answer, their roll-up rows.

    `sessions`: one row per conversation with the sums (None: the turns are grouped).
    `days`: the conversation-day rows of the same turns (None with `sessions`: every turn, so
    the user and daily roll-ups answer).
    """

    turns: QuerySet
    sessions: QuerySet | None = None
    days: QuerySet | None = None


ROLLUP_SUMS = {
    "interactions_total": "message_count",
    "flagged_total": "flagged_count",
    "feedback_positive": "positive_feedback",
    "feedback_negative": "negative_feedback",
    "clarification_requests_total": "clarifications",
    "input_tokens_total": "tokens_in",
    "output_tokens_total": "tokens_out",
    "clicks_total": "offerings_clicked",
    "review_input_tokens_total": "review_input_tokens",
    "review_output_tokens_total": "review_output_tokens",
    "scores_total": "resolution_sum",
    "scored_total": "resolution_count",
}


def kpi_rollup_totals(sessions: QuerySet) -> dict[str, Any]:
    """kpi_totals (but unique_users) and clicks_total, summed over conversation rows."""
    totals = sessions.order_by().aggregate(
        **{name: Coalesce(Sum(column), 0) for name, column in ROLLUP_SUMS.items()},
        sessions_total=Count("session_id", filter=~Q(session_id="")),
        reviewed_total=Count("session_id", filter=Q(reviewed_count__gt=0)),
        hallucinated_sessions=Count("session_id", filter=Q(hallucinated_count__gt=0)),
    )
    totals = {name: int(value) for name, value in totals.items()}  # sum(bigint) is numeric
    scored, count = totals.pop("scores_total"), totals.pop("scored_total")
    totals["avg_llm_resolution_score"] = scored / count if count else None
    return totals


def kpi_day_rows_daily(days: QuerySet, *, since: dt.datetime) -> dict[dt.date, dict[str, int]]:
    """kpi_daily of the turns some day roll-up rows cover."""
    severities = {s: Sum(f"severity_{s}") for s in SEVERITIES}
    rows = (
        days.filter(day__gte=since.date())
        .order_by()
        .values("day")
        .annotate(total=Sum("turns"), **severities)
    )
    return {row["day"]: row for row in rows}


def kpi_rollup_daily(*, since: dt.datetime) -> dict[dt.date, dict[str, int]]:
    """kpi_daily over every turn, from the daily roll-up."""
    rows = DailyRollup.objects.filter(day__gte=since.date())
    return {
        row.day: {"total": row.turns, **{s: getattr(row, f"severity_{s}") for s in SEVERITIES}}
        for row in rows
    }


def kpi_review_intents() -> dict[str, int]:
    """kpi_intents over every turn: straight from the reviewed feedback rows."""
    rows = (
        AnonymousChatFeedback.objects.filter(llm_reviewed_at__isnull=False)
        .order_by()
        .values("llm_intent_category")
        .annotate(n=Count("pk"))
    )
    return {row["llm_intent_category"] or "unclear": row["n"] for row in rows}


def kpi(scope: KpiScope, *, window_days: int, now: dt.datetime | None = None) -> dict[str, Any]:
    """The KPI roll-up of a scope; review figures only when some conversation is reviewed."""
    now = now or timezone.now()
    today = now.astimezone(dt.UTC).date()
    since = day_start(today - dt.timedelta(days=max(window_days, SEVERITY_CHART_DAYS) - 1))
    turns, days = scope.turns, scope.days
    if scope.sessions is None:
        totals = kpi_totals(turns)
        clicks = AnonymousChatClick.objects.filter(interaction__in=turns.order_by().values("pk"))
        totals["clicks_total"] = clicks.count()
        daily = kpi_daily(turns, since=since)
    elif days is None:
        totals = kpi_rollup_totals(scope.sessions)
        totals["unique_users"] = UserRollup.objects.exclude(user_slug="").count()
        daily = kpi_rollup_daily(since=since)
        return kpi_figures(totals, daily, kpi_review_intents, window_days, today)
    else:
        totals = kpi_rollup_totals(scope.sessions)
        users = days.exclude(user_slug="").order_by()
        totals["unique_users"] = users.aggregate(n=Count("user_slug", distinct=True))["n"]
        daily = kpi_day_rows_daily(days, since=since)
    return kpi_figures(totals, daily, lambda: kpi_intents(turns), window_days, today)


def kpi_figures(
    totals: dict[str, Any],
    daily: dict[dt.date, dict[str, int]],
    intents: Callable[[], dict[str, int]],
    window_days: int,
    today: dt.date,
) -> dict[str, Any]:
    """Rates, review figures (`intents` is read only when some conversation is reviewed),
    the padded daily volume and the severity chart."""
    interactions = totals["interactions_total"]
    voted = totals["feedback_positive"] + totals["feedback_negative"]
    totals["satisfaction_rate"] = _ratio(totals["feedback_positive"], voted)
    totals["click_through_rate"] = _ratio(totals["clicks_total"], interactions)
    totals["clarification_rate"] = _ratio(totals["clarification_requests_total"], interactions)
    reviewed = totals["reviewed_total"]
    hallucinated = totals.pop("hallucinated_sessions")
    if reviewed:
        totals["hallucination_rate"] = hallucinated / reviewed
        totals["review_coverage"] = _ratio(reviewed, totals["sessions_total"])
        totals["llm_intent_distribution"] = intents()
        average = totals["avg_llm_resolution_score"]
        totals["avg_llm_resolution_score"] = None if average is None else float(average)
    else:
        totals.update(
            avg_llm_resolution_score=None,
            hallucination_rate=None,
            review_coverage=None,
            # An object of counts, empty: waldur-api-client cannot parse null here.
            llm_intent_distribution={},
        )
    volume_days = [today - dt.timedelta(days=n) for n in range(window_days - 1, -1, -1)]
    totals["daily_volume"] = [
        {"date": day, "count": daily.get(day, {}).get("total", 0)} for day in volume_days
    ]
    chart = [today - dt.timedelta(days=n) for n in range(SEVERITY_CHART_DAYS - 1, -1, -1)]
    totals["severity_by_day"] = {
        "labels": chart,
        "series": {s.upper(): [daily.get(day, {}).get(s, 0) for day in chart] for s in SEVERITIES},
    }
    return totals
