"""Reads for the staff analytics of the anonymous chat: turns, conversations, users, KPI, budget.

Filters come in two kinds. Turn filters are a WHERE on interactions. Conversation filters are
a HAVING on the turns grouped by session, so they keep or drop whole conversations and never
single turns. Every selector returns rows already annotated for a whole page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import (
    Avg,
    BooleanField,
    Case,
    Count,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, NullIf, TruncDate
from django.utils import timezone

from anonymous_chat.models import AnonymousChatClick, AnonymousChatInteraction
from chat.budget import Period, next_reset, period_start
from chat.models import GlobalBudget, Severity
from chat.selectors import DistinctJoin

SEVERITIES = [s.value for s in Severity]  # ordered: none (rank 0) .. critical (rank 4)
SEVERITY_CHART_DAYS = 14
REVIEWED = Q(feedback__llm_reviewed_at__isnull=False)


def day_start(day: dt.date) -> dt.datetime:
    """The first instant of a UTC day: date bounds compare on instants so indexes apply."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def severity_rank() -> Case:
    whens = [When(severity=value, then=Value(rank)) for rank, value in enumerate(SEVERITIES)]
    return Case(*whens, default=Value(0), output_field=IntegerField())


# --- turns ---------------------------------------------------------------------------------


def interaction_base() -> QuerySet[AnonymousChatInteraction]:
    """Every interaction with its feedback row joined in, newest first."""
    return AnonymousChatInteraction.objects.select_related("feedback").order_by("-created", "-id")


def interaction_search(qs: QuerySet, query: str) -> QuerySet:
    """Full-text (websearch syntax) over the question and the answer, or a substring of the slug.

    The tsvector column exists only on PostgreSQL (a vendor-conditional migration); SQLite
    falls back to a substring of `search_text`.
    """
    query = query.strip()
    if not query:
        return qs
    slug = Q(user_slug__icontains=query)
    if connection.vendor == "postgresql":
        match = RawSQL(
            "search_vector @@ websearch_to_tsquery('english', %s)",
            (query,),
            output_field=BooleanField(),
        )
        return qs.alias(text_match=match).filter(Q(text_match=True) | slug)
    return qs.filter(Q(search_text__icontains=query) | slug)


def transcript_annotate(qs: QuerySet) -> QuerySet:
    """Adds `click_count` per turn (a correlated count: clicks never multiply turns)."""
    clicks = (
        AnonymousChatClick.objects.filter(interaction=OuterRef("pk"))
        .order_by()
        .values("interaction")
        .annotate(n=Count("id"))
        .values("n")
    )
    return qs.annotate(click_count=Coalesce(Subquery(clicks, output_field=IntegerField()), 0))


# --- conversations -------------------------------------------------------------------------


def conversation_rows(turns: QuerySet) -> QuerySet:
    """One row (a dict) per non-empty session of `turns`; names avoid the model's fields."""
    grouped = turns.exclude(session_id="").order_by().values("session_id")
    return grouped.annotate(
        slug=Max("user_slug"),
        message_count=Count("id"),
        flagged_count=Count("id", filter=Q(is_flagged=True)),
        max_severity_rank=Max(severity_rank()),
        feedback_votes=Count("id", filter=Q(feedback__score__in=(1, -1))),
        offerings_shown=Coalesce(Sum("result_count"), 0),
        reviewed_count=Count("id", filter=REVIEWED),
        tokens_in=Coalesce(Sum("input_tokens"), 0),
        tokens_out=Coalesce(Sum("output_tokens"), 0),
        started=Min("created"),
        last_active=Max("created"),
    ).annotate(tokens_total=F("tokens_in") + F("tokens_out"))


def conversation_having(rows: QuerySet, bounds: dict[str, Any]) -> QuerySet:
    """Keep whole conversations: token sums, last activity day (inclusive), reviewed or not."""
    lookups = {
        "input_tokens_min": "tokens_in__gte",
        "input_tokens_max": "tokens_in__lte",
        "output_tokens_min": "tokens_out__gte",
        "output_tokens_max": "tokens_out__lte",
        "total_tokens_min": "tokens_total__gte",
        "total_tokens_max": "tokens_total__lte",
    }
    for name, lookup in lookups.items():
        if bounds.get(name) is not None:
            # As a float: SQLite compares a sum with a decimal parameter as text.
            rows = rows.filter(**{lookup: float(bounds[name])})
    if bounds.get("last_active_after"):
        rows = rows.filter(last_active__gte=day_start(bounds["last_active_after"]))
    if bounds.get("last_active_before"):
        end = day_start(bounds["last_active_before"] + dt.timedelta(days=1))
        rows = rows.filter(last_active__lt=end)
    if bounds.get("is_reviewed") is True:
        rows = rows.filter(reviewed_count__gt=0)
    elif bounds.get("is_reviewed") is False:
        rows = rows.filter(reviewed_count=0)
    return rows


def conversation_page_models(turns: QuerySet, session_ids: list[str]) -> dict[str, str]:
    """Comma-joined distinct models per session of a page: a sorted distinct aggregate is
    the costliest part of the grouping, so it runs on the page's sessions only."""
    rows = (
        turns.filter(session_id__in=session_ids)
        .order_by()
        .values("session_id")
        .annotate(models=Coalesce(DistinctJoin(NullIf("model", Value(""))), Value("")))
    )
    return {row["session_id"]: row["models"] for row in rows}


def conversation_clicks(turns: QuerySet, session_ids: list[str]) -> dict[str, int]:
    """Clicks per session on the given turns, in a separate query (no row multiplication)."""
    rows = (
        AnonymousChatClick.objects.filter(
            interaction__in=turns.order_by().values("pk"),
            interaction__session_id__in=session_ids,
        )
        .values("interaction__session_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["interaction__session_id"]: row["n"] for row in rows}


def conversation_turns(turns: QuerySet, rows: QuerySet) -> QuerySet:
    """The turns of the conversations that passed the HAVING filters."""
    return turns.filter(session_id__in=rows.order_by().values("session_id"))


# --- users ---------------------------------------------------------------------------------


def user_rows(turns: QuerySet) -> QuerySet:
    """One row per non-empty slug; `injection_strikes` counts stored strike turns (is_strike).

    `session_count` is added per page by user_page_sessions: a distinct count over every
    turn would dominate the grouping.
    """
    grouped = turns.exclude(user_slug="").order_by().values("user_slug")
    return grouped.annotate(
        total_interactions=Count("id"),
        positive_feedback=Count("id", filter=Q(feedback__score=1)),
        negative_feedback=Count("id", filter=Q(feedback__score=-1)),
        injection_strikes=Count("id", filter=Q(is_strike=True)),
        offerings_shown=Coalesce(Sum("result_count"), 0),
        last_seen=Max("created"),
    ).annotate(
        no_feedback=F("total_interactions") - F("positive_feedback") - F("negative_feedback")
    )


def user_page_sessions(turns: QuerySet, slugs: list[str]) -> dict[str, int]:
    rows = (
        turns.filter(user_slug__in=slugs)
        .order_by()
        .values("user_slug")
        .annotate(n=Count("session_id", distinct=True))
    )
    return {row["user_slug"]: row["n"] for row in rows}


# --- KPI -----------------------------------------------------------------------------------


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
    counts[Severity.NONE.value] = Count("id", filter=Q(severity__in=(Severity.NONE, "")))
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


def kpi(turns: QuerySet, *, window_days: int, now: dt.datetime | None = None) -> dict[str, Any]:
    """The KPI roll-up of a turn set; review figures only when some conversation is reviewed."""
    now = now or timezone.now()
    today = now.astimezone(dt.UTC).date()
    totals = kpi_totals(turns)
    clicks = AnonymousChatClick.objects.filter(interaction__in=turns.order_by().values("pk"))
    totals["clicks_total"] = clicks.count()
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
        totals["llm_intent_distribution"] = kpi_intents(turns)
        totals["avg_llm_resolution_score"] = float(totals["avg_llm_resolution_score"])
    else:
        totals.update(
            avg_llm_resolution_score=None,
            hallucination_rate=None,
            review_coverage=None,
            llm_intent_distribution=None,
        )
    chart_days = max(window_days, SEVERITY_CHART_DAYS)
    daily = kpi_daily(turns, since=day_start(today - dt.timedelta(days=chart_days - 1)))
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


# --- budget --------------------------------------------------------------------------------


def budget_snapshot(*, now: dt.datetime | None = None) -> dict[str, Any]:
    """Today's site-wide usage: a counter of an older day reads as 0 (lazy reset, no write)."""
    now = now or timezone.now()
    today = period_start(Period.DAY, now)
    row = (
        GlobalBudget.objects.filter(pk=1)
        .values("daily_token_usage", "daily_start", "daily_requests", "daily_requests_start")
        .first()
    )
    tokens = requests = 0
    if row is not None:
        tokens = row["daily_token_usage"] if row["daily_start"] >= today else 0
        requests = row["daily_requests"] if row["daily_requests_start"] >= today else 0
    return {
        "tokens_today": tokens,
        "tokens_limit": max(settings.AI_ASSISTANT_GLOBAL_DAILY_TOKEN_BUDGET, 0),
        "requests_today": requests,
        "resets_at": next_reset(Period.DAY, now),
    }
