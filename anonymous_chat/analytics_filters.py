"""Query filters of the staff analytics (contract section 3.2 and 3.3); bad values are 400s.

`InteractionFilter` is a WHERE on turns. `ConversationFilter` adds the conversation-level
bounds, which `conversations()` applies as a HAVING on the grouped turns (whole
conversations), never as a WHERE on single turns. Where the turn filters are only exact keys
and day bounds, the grouped rows come from the roll-ups (kept per UTC day) instead.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django.db.models import Q
from rest_framework import exceptions

from anonymous_chat import analytics, analytics_kpi, rollups
from anonymous_chat.models import (
    AnonymousChatFeedback,
    AnonymousChatInteraction,
    ConversationDayRollup,
    ConversationRollup,
)
from chat.models import SEVERITY_CHOICES
from config.rest import (
    CountBoundFilter,
    FilterSet,
    IntegerFilter,
    OrderingParamFilter,
    StrictBooleanFilter,
    StrictFilterBackend,
)


class DayFrom(django_filters.DateFilter):
    """On or after the first instant of the given UTC day."""

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        return qs.filter(**{f"{self.field_name}__gte": analytics.day_start(value)})


class DayTo(django_filters.DateFilter):
    """Before the first instant of the next UTC day: the given day is included."""

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        end = analytics.day_start(value + dt.timedelta(days=1))
        return qs.filter(**{f"{self.field_name}__lt": end})


def _has_vote(qs, value: bool):
    voted = {"feedback__score__isnull": False}
    return qs.filter(**voted) if value else qs.exclude(**voted)


# Turn filters the conversation-day roll-up answers: exact keys, and day bounds (whole days).
ROLLUP_FILTERS = {
    "session_id": "session_id",
    "user_slug": "user_slug",
    "created_after": "day__gte",
    "created_from": "day__gte",
    "created_before": "day__lte",
    "created_to": "day__lte",
}


class InteractionFilter(FilterSet):
    created_after = DayFrom(field_name="created", help_text="Created on or after this UTC day.")
    created_before = DayTo(field_name="created", help_text="Created on or before this UTC day.")
    created_from = DayFrom(field_name="created", help_text="Older name of created_after.")
    created_to = DayTo(field_name="created", help_text="Older name of created_before.")
    query = django_filters.CharFilter(
        method="filter_query",
        help_text="Words in the question or the answer (full-text on PostgreSQL), or part of "
        "the user slug.",
    )
    is_flagged = StrictBooleanFilter()
    severity = django_filters.ChoiceFilter(choices=SEVERITY_CHOICES)
    session_id = django_filters.CharFilter(help_text="Exact session id.")
    user_slug = django_filters.CharFilter(help_text="Exact user slug.")
    has_feedback = StrictBooleanFilter(
        method="filter_has_feedback", help_text="The visitor voted (+1 or -1) on the turn."
    )
    has_negative_feedback = StrictBooleanFilter(
        method="filter_has_feedback", help_text="Older name of has_feedback."
    )

    class Meta:
        model = AnonymousChatInteraction
        fields: list[str] = []

    def filter_query(self, queryset, name, value):
        return analytics.interaction_search(queryset, value)

    def filter_has_feedback(self, queryset, name, value):
        return _has_vote(queryset, value)

    def turn_filters(self) -> dict[str, Any]:
        """The turn filters (WHERE) that were given, by name."""
        values = {name: self.form.cleaned_data.get(name) for name in InteractionFilter.base_filters}
        return {name: value for name, value in values.items() if value not in (None, "")}

    def rollup_days(self):
        """The conversation-day roll-up rows of the filtered turns, or None where a given turn
        filter is other than an exact key or a day bound (or off PostgreSQL)."""
        given = self.turn_filters()
        if not rollups.enabled() or not set(given) <= set(ROLLUP_FILTERS):
            return None
        return ConversationDayRollup.objects.filter(
            *(Q(**{ROLLUP_FILTERS[name]: value}) for name, value in given.items())
        )

    def only_filters(self, *names: str) -> bool:
        """No turn filter was given but (some of) these."""
        return set(self.turn_filters()) <= set(names)

    def users(self):
        """One row per user slug of the filtered turns (analytics.user_rows)."""
        days = self.rollup_days()
        if days is None:
            return analytics.user_rows(self.qs)
        if self.only_filters("user_slug"):
            return analytics.user_rollup_rows(user_slug=self.turn_filters().get("user_slug"))
        return analytics.user_day_rows(days)


HAVING = (
    "input_tokens_min",
    "input_tokens_max",
    "output_tokens_min",
    "output_tokens_max",
    "total_tokens_min",
    "total_tokens_max",
    "last_active_after",
    "last_active_before",
    "is_reviewed",
)


def _having(field: type, help_text: str, **kwargs: Any) -> Any:
    return field(method="filter_having", help_text=help_text, **kwargs)


class ConversationFilter(InteractionFilter):
    input_tokens_min = _having(CountBoundFilter, "Conversation input tokens, at least.")
    input_tokens_max = _having(CountBoundFilter, "Conversation input tokens, at most.", upper=True)
    output_tokens_min = _having(CountBoundFilter, "Conversation output tokens, at least.")
    output_tokens_max = _having(
        CountBoundFilter, "Conversation output tokens, at most.", upper=True
    )
    total_tokens_min = _having(CountBoundFilter, "Conversation tokens, at least.")
    total_tokens_max = _having(CountBoundFilter, "Conversation tokens, at most.", upper=True)
    last_active_after = _having(django_filters.DateFilter, "Last turn on or after this UTC day.")
    last_active_before = _having(django_filters.DateFilter, "Last turn on or before this UTC day.")
    is_reviewed = _having(StrictBooleanFilter, "The LLM judge reviewed the conversation.")

    def filter_having(self, queryset, name, value):
        return queryset  # applied to the grouped rows by conversations()

    def bounds(self) -> dict[str, Any]:
        """The conversation-level bounds that were given."""
        values = {name: self.form.cleaned_data.get(name) for name in HAVING}
        return {name: value for name, value in values.items() if value not in (None, "")}

    def _sessions(self, days):
        """One row per conversation of the filtered turns, before HAVING (conversation_rows)."""
        if days is None:
            return analytics.conversation_rows(self.qs)
        if self.only_filters("session_id"):
            session_id = self.turn_filters().get("session_id")
            return analytics.conversation_rollup_rows(session_id=session_id)
        return analytics.conversation_day_rows(days)

    def conversations(self):
        """(turns, rows): the WHERE-filtered turns and the conversations passing HAVING."""
        rows = self._sessions(self.rollup_days())
        return self.qs, analytics.conversation_having(rows, self.bounds())

    def kpi_scope(self) -> analytics_kpi.KpiScope:
        """The turns of the conversations passing HAVING (all WHERE-filtered turns if no bound),
        with their roll-up rows where those apply."""
        turns, days, bounds = self.qs, self.rollup_days(), self.bounds()
        if days is None:
            if bounds:
                turns = analytics.conversation_turns(*self.conversations())
            return analytics_kpi.KpiScope(turns)
        if not bounds and not self.turn_filters():
            every = ConversationRollup.objects.all()  # the session "" too: its turns count
            return analytics_kpi.KpiScope(turns, sessions=every)
        if not bounds:
            return analytics_kpi.KpiScope(
                turns, sessions=analytics.conversation_day_rows(days, blank=True), days=days
            )
        rows = self.conversations()[1]
        kept = rows.order_by().values("session_id")
        return analytics_kpi.KpiScope(
            analytics.conversation_turns(turns, rows),
            sessions=rows,
            days=days.filter(session_id__in=kept),
        )


def run_filter(filter_class: type[FilterSet], request, queryset) -> FilterSet:
    filterset = filter_class(request.query_params, queryset=queryset, request=request)
    if not filterset.is_valid():
        raise exceptions.ValidationError(filterset.errors)
    return filterset


class ActionFilterBackend(StrictFilterBackend):
    """The view's filter set for the current action (`filterset_classes`), else the default."""

    def get_filterset_class(self, view, queryset=None):
        per_action = getattr(view, "filterset_classes", {})
        if getattr(view, "action", None) in per_action:
            return per_action[view.action]
        return super().get_filterset_class(view, queryset)


def grouped_ordering(request, view, rows, *, tiebreaker: str):
    """`o` on grouped rows (dicts): the view's map, then `tiebreaker` instead of the pk."""
    mapping = view.ordering_fields_map
    keys = OrderingParamFilter().requested(request)
    bad = [k for k in keys if k.lstrip("-") not in mapping]
    if bad:
        valid = ", ".join(sorted(mapping))
        raise exceptions.ValidationError(
            {"o": [f"Unknown ordering key {k!r}; valid keys: {valid}." for k in bad]}
        )
    order = [("-" if k.startswith("-") else "") + mapping[k.lstrip("-")] for k in keys]
    order = order or list(view.default_ordering)
    return rows.order_by(*order, tiebreaker)


class FeedbackFilter(FilterSet):
    score = IntegerFilter(help_text="+1 or -1.")
    category = django_filters.CharFilter(help_text="Feedback category (exact).")
    has_comment = StrictBooleanFilter(method="filter_has_comment")
    submitted_from = DayFrom(field_name="submitted_at", help_text="Submitted on or after.")
    submitted_to = DayTo(field_name="submitted_at", help_text="Submitted on or before.")

    class Meta:
        model = AnonymousChatFeedback
        fields: list[str] = []

    def filter_has_comment(self, queryset, name, value):
        return queryset.exclude(comment="") if value else queryset.filter(comment="")
