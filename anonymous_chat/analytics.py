"""Reads for the staff analytics of the anonymous chat: turns, conversations, users, budget.

Filters come in two kinds. Turn filters are a WHERE on interactions. Conversation filters are
a HAVING on the turns grouped by session, so they keep or drop whole conversations and never
single turns. Every selector returns rows already annotated for a whole page.

Where the turn filters are only exact keys (session, slug) and UTC day bounds, the roll-ups
(per conversation, conversation day, user and day; PostgreSQL, anonymous_chat.rollups) answer
instead of a grouping of the turns, with the same rows under the same names; any other turn
filter groups the turns. The KPI lives in analytics_kpi.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import (
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
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from anonymous_chat.models import (
    AnonymousChatClick,
    AnonymousChatInteraction,
    ConversationRollup,
    UserRollup,
)
from chat.budgets import SITE_ROW_PK
from chat.models import GlobalBudget
from chat.periods import Period, next_reset, period_start
from chat.selectors import DistinctJoin
from moderation.types import Severity

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


def conversation_rollup_rows(*, session_id: str | None = None) -> QuerySet:
    """conversation_rows over every turn (of one session if given), read from the roll-up.

    Also carries `offerings_clicked`, so the page needs no click query.
    """
    rows = ConversationRollup.objects.exclude(session_id="")
    if session_id is not None:
        rows = rows.filter(session_id=session_id)
    return rows.values(
        "session_id",
        "message_count",
        "flagged_count",
        "max_severity_rank",
        "feedback_votes",
        "offerings_shown",
        "offerings_clicked",
        "reviewed_count",
        "tokens_in",
        "tokens_out",
        "started",
        "last_active",
    ).annotate(slug=F("user_slug"), tokens_total=F("tokens_in") + F("tokens_out"))


def conversation_day_rows(days: QuerySet, *, blank: bool = False) -> QuerySet:
    """conversation_rows of the turns some day roll-up rows cover, with the KPI's sums too.

    `blank` keeps the session "" (its turns count in the KPI, never as a conversation).
    """
    if not blank:
        days = days.exclude(session_id="")
    grouped = days.order_by().values("session_id")
    return grouped.annotate(
        slug=Max("user_slug"),
        message_count=Sum("turns"),
        flagged_count=Sum("flagged"),
        max_severity_rank=Max("severity_rank"),
        feedback_votes=Sum("votes"),
        offerings_shown=Sum("shown"),
        offerings_clicked=Sum("clicks"),
        reviewed_count=Sum("reviewed"),
        tokens_in=Sum("input_tokens"),
        tokens_out=Sum("output_tokens"),
        started=Min("first_turn"),
        last_active=Max("last_turn"),
        clarifications=Sum("asks_back"),
        positive_feedback=Sum("positive"),
        negative_feedback=Sum("negative"),
        hallucinated_count=Sum("hallucinated"),
        resolution_sum=Sum("scores"),
        resolution_count=Sum("scored"),
        review_input_tokens=Sum("judge_input_tokens"),
        review_output_tokens=Sum("judge_output_tokens"),
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
            rows = rows.filter(**{lookup: bounds[name]})  # an int (CountBoundFilter)
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


def conversation_page_fill(turns: QuerySet, page: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Adds `models_used` (and `offerings_clicked`, unless the roll-up gave it) to a page."""
    ids = [row["session_id"] for row in page]
    if page and "offerings_clicked" not in page[0]:
        clicks = conversation_clicks(turns, ids)
        for row in page:
            row["offerings_clicked"] = clicks.get(row["session_id"], 0)
    models = conversation_page_models(turns, ids)
    for row in page:
        row["models_used"] = models.get(row["session_id"], "")
    return page


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


def user_rollup_rows(*, user_slug: str | None = None) -> QuerySet:
    """user_rows over every turn (of one slug if given), read from the roll-up."""
    rows = UserRollup.objects.exclude(user_slug="")
    if user_slug is not None:
        rows = rows.filter(user_slug=user_slug)
    return rows.values(
        "user_slug",
        "total_interactions",
        "positive_feedback",
        "negative_feedback",
        "injection_strikes",
        "offerings_shown",
        "last_seen",
    ).annotate(
        no_feedback=F("total_interactions") - F("positive_feedback") - F("negative_feedback")
    )


def user_day_rows(days: QuerySet) -> QuerySet:
    """user_rows (with `session_count`) of the turns some day roll-up rows cover."""
    grouped = days.exclude(user_slug="").order_by().values("user_slug")
    return grouped.annotate(
        total_interactions=Sum("turns"),
        positive_feedback=Sum("positive"),
        negative_feedback=Sum("negative"),
        injection_strikes=Sum("strikes"),
        offerings_shown=Sum("shown"),
        last_seen=Max("last_turn"),
        session_count=Count("session_id", distinct=True),
    ).annotate(
        no_feedback=F("total_interactions") - F("positive_feedback") - F("negative_feedback")
    )


def user_page_fill(turns: QuerySet, page: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Adds `session_count` to a page of user rows that lack it."""
    if page and "session_count" not in page[0]:
        sessions = user_page_sessions(turns, [row["user_slug"] for row in page])
        for row in page:
            row["session_count"] = sessions.get(row["user_slug"], 0)
    return page


def user_page_sessions(turns: QuerySet, slugs: list[str]) -> dict[str, int]:
    rows = (
        turns.filter(user_slug__in=slugs)
        .order_by()
        .values("user_slug")
        .annotate(n=Count("session_id", distinct=True))
    )
    return {row["user_slug"]: row["n"] for row in rows}


# --- budget --------------------------------------------------------------------------------


def budget_snapshot(*, now: dt.datetime | None = None) -> dict[str, Any]:
    """Today's site-wide usage: a counter of an older day reads as 0 (lazy reset, no write)."""
    now = now or timezone.now()
    today = period_start(Period.DAY, now)
    row = (
        GlobalBudget.objects.filter(pk=SITE_ROW_PK)
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
