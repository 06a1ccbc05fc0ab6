"""Query filters for threads and messages (contract section 3); malformed values are 400s."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from chat.models import SEVERITY_CHOICES
from chat.selectors import message_active, thread_search
from config.rest import CountBoundFilter, FilterSet, StrictBooleanFilter, StrictUUIDFilter
from moderation.types import Severity

# A missing key is "not flagged": Q negation alone would drop rows where the key is absent.
FLAGGED = Q(flags__is_flagged=True) & Q(flags__is_flagged__isnull=False)


class ThreadFilter(FilterSet):
    user = StrictUUIDFilter(field_name="chat_session__user__uuid", help_text="Owner uuid.")
    is_archived = StrictBooleanFilter()
    created_after = django_filters.DateFilter(field_name="created", lookup_expr="date__gte")
    created_before = django_filters.DateFilter(field_name="created", lookup_expr="date__lte")
    modified_after = django_filters.DateFilter(field_name="modified", lookup_expr="date__gte")
    modified_before = django_filters.DateFilter(field_name="modified", lookup_expr="date__lte")
    query = django_filters.CharFilter(
        method="filter_query",
        help_text="Thread name, owner name or email, or message text (full-text on PostgreSQL).",
    )
    is_flagged = StrictBooleanFilter(method="filter_is_flagged")
    max_severity = django_filters.ChoiceFilter(
        choices=SEVERITY_CHOICES,
        method="filter_max_severity",
        help_text="`none` selects unflagged threads; other values match exactly.",
    )
    has_feedback = StrictBooleanFilter()
    input_tokens_min = CountBoundFilter(
        field_name="input_tokens", help_text="Input tokens of the thread, at least."
    )
    input_tokens_max = CountBoundFilter(
        field_name="input_tokens", upper=True, help_text="Input tokens of the thread, at most."
    )
    output_tokens_min = CountBoundFilter(
        field_name="output_tokens", help_text="Output tokens of the thread, at least."
    )
    output_tokens_max = CountBoundFilter(
        field_name="output_tokens", upper=True, help_text="Output tokens of the thread, at most."
    )
    total_tokens_min = CountBoundFilter(
        field_name="total_tokens", help_text="Tokens of the thread, at least."
    )
    total_tokens_max = CountBoundFilter(
        field_name="total_tokens", upper=True, help_text="Tokens of the thread, at most."
    )
    scope = django_filters.ChoiceFilter(
        choices=[("own", "own")],
        method="filter_scope",
        help_text="`own` restricts staff and support to their own threads.",
    )

    def filter_query(self, queryset, name, value):
        return thread_search(queryset, value)

    def filter_is_flagged(self, queryset, name, value):
        return queryset.filter(FLAGGED if value else ~FLAGGED)

    def filter_max_severity(self, queryset, name, value):
        if value == Severity.NONE.value:
            return queryset.filter(~FLAGGED)
        return queryset.filter(flags__is_flagged=True, flags__max_severity=value)

    def filter_scope(self, queryset, name, value):
        return queryset.filter(chat_session__user=self.request.user)


class MessageFilter(FilterSet):
    thread = StrictUUIDFilter(field_name="thread__uuid", help_text="Thread uuid.")
    include_history = StrictBooleanFilter(
        method="filter_include_history",
        help_text="true also returns messages replaced by an edit or a reload.",
    )
    is_flagged = StrictBooleanFilter()
    feedback_score = StrictBooleanFilter()

    def filter_include_history(self, queryset, name, value):
        return queryset  # applied in filter_queryset, because absence must also hide history

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.form.cleaned_data.get("include_history") is not True:
            queryset = message_active(queryset)
        return queryset
