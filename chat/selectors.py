"""Reads for the signed-in chat: visibility, per-page annotations, search and statistics.

Visibility is decided here and nowhere else: staff and support see everything, others their own.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import (
    Aggregate,
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, NullIf

from chat import policy
from chat.models import ChatSession, Message, Role, SystemPrompt, Thread
from chat.turns import upstreams
from chat.turns.frames import blocks_to_llm_text
from config.rest import is_staff_or_support


class DistinctJoin(Aggregate):
    """Comma-joined distinct non-null values (STRING_AGG on PostgreSQL, GROUP_CONCAT on SQLite)."""

    function = "GROUP_CONCAT"
    template = "%(function)s(DISTINCT %(expressions)s)"
    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra_context):
        # The ORDER BY repeats the argument, so its parameters must be passed twice.
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"STRING_AGG(DISTINCT {sql}, ',' ORDER BY {sql})", (*params, *params)


def session_list(*, user) -> QuerySet[ChatSession]:
    qs = ChatSession.objects.select_related("user")
    return qs if is_staff_or_support(user) else qs.filter(user=user)


def thread_visible(*, user) -> QuerySet[Thread]:
    qs = Thread.objects.select_related("chat_session__user")
    return qs if is_staff_or_support(user) else qs.filter(chat_session__user=user)


def thread_owned(*, user) -> QuerySet[Thread]:
    """Only the caller's own threads, whatever their role (cancel, stream)."""
    return Thread.objects.select_related("chat_session__user").filter(chat_session__user=user)


def _sum_or_null(messages: Any, title: str) -> Case:
    """Message sum plus title tokens; null only when both are null."""
    return Case(
        When(Q(**{f"{messages}__isnull": True}) & Q(**{f"{title}__isnull": True}), then=None),
        default=Coalesce(F(messages), 0) + Coalesce(F(title), 0),
        output_field=IntegerField(),
    )


def thread_annotate(qs: QuerySet[Thread]) -> QuerySet[Thread]:
    """Per-thread figures in the same query: one LEFT JOIN to messages, grouped by thread."""
    qs = qs.annotate(
        message_count=Count("messages"),
        msg_input_tokens=Sum("messages__input_tokens"),
        msg_output_tokens=Sum("messages__output_tokens"),
        feedback_count=Count("messages", filter=Q(messages__feedback_score__isnull=False)),
        fb_positive=Count("messages", filter=Q(messages__feedback_score=True)),
        fb_negative=Count("messages", filter=Q(messages__feedback_score=False)),
        models_used=Coalesce(DistinctJoin(NullIf("messages__model", Value(""))), Value("")),
    )
    return qs.annotate(
        input_tokens=_sum_or_null("msg_input_tokens", "title_gen_input_tokens"),
        output_tokens=_sum_or_null("msg_output_tokens", "title_gen_output_tokens"),
        has_feedback=Case(
            When(feedback_count__gt=0, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    ).annotate(
        total_tokens=Case(
            When(Q(input_tokens__isnull=True) & Q(output_tokens__isnull=True), then=None),
            default=Coalesce(F("input_tokens"), 0) + Coalesce(F("output_tokens"), 0),
            output_field=IntegerField(),
        )
    )


def thread_list(*, user) -> QuerySet[Thread]:
    return thread_annotate(thread_visible(user=user))


# Query parameters of the thread list that filter or order by a per-thread figure: only then
# are the figures computed in SQL for every visible thread (thread_annotate).
FIGURE_FILTERS = {
    "input_tokens_min", "input_tokens_max", "output_tokens_min", "output_tokens_max",
    "total_tokens_min", "total_tokens_max", "has_feedback",
}  # fmt: skip
FIGURE_ORDERINGS = {"input_tokens", "output_tokens", "total_tokens", "models_used"}
FIGURE_FIELDS = {*FIGURE_ORDERINGS, "message_count", "has_feedback"}


def thread_figures_in_sql(params: Any) -> bool:
    """Whether a thread list request filters or orders by a figure (tokens, models)."""
    if FIGURE_FILTERS & set(params):
        return True
    orderings = {o.strip().lstrip("-") for v in params.getlist("o") for o in v.split(",")}
    return bool(FIGURE_ORDERINGS & orderings)


def thread_page_figures(threads: list[Thread]) -> list[Thread]:
    """Set the per-thread figures (as thread_annotate names them) on a page of threads, from
    one grouped query over their messages; threads that have them already are left alone.

    A page of ten threads is served this way without the annotations of every visible thread,
    whose compilation, and whose count query, cost more than the rest of the request.
    """
    missing = [t for t in threads if not hasattr(t, "message_count")]
    if not missing:
        return threads
    rows = (
        Message.objects.filter(thread_id__in=[t.pk for t in missing])
        .order_by()
        .values("thread_id")
        .annotate(
            message_count=Count("id"),
            msg_input_tokens=Sum("input_tokens"),
            msg_output_tokens=Sum("output_tokens"),
            feedback_count=Count("id", filter=Q(feedback_score__isnull=False)),
            models_used=Coalesce(DistinctJoin(NullIf("model", Value(""))), Value("")),
        )
    )
    by_thread = {row["thread_id"]: row for row in rows}
    empty = {"message_count": 0, "msg_input_tokens": None, "msg_output_tokens": None,
             "feedback_count": 0, "models_used": ""}  # fmt: skip
    for thread in missing:
        figures = by_thread.get(thread.pk, empty)
        thread.message_count = figures["message_count"]
        thread.models_used = figures["models_used"]
        thread.has_feedback = figures["feedback_count"] > 0
        thread.input_tokens = _plus(figures["msg_input_tokens"], thread.title_gen_input_tokens)
        thread.output_tokens = _plus(figures["msg_output_tokens"], thread.title_gen_output_tokens)
        thread.total_tokens = _plus(thread.input_tokens, thread.output_tokens)
    return threads


def _plus(a: int | None, b: int | None) -> int | None:
    """A sum that is null only when both parts are (as thread_annotate's _sum_or_null)."""
    return None if a is None and b is None else (a or 0) + (b or 0)


def message_fulltext_match(query: str) -> Exists:
    """Threads with a message matching `query`: websearch full-text on PostgreSQL, else substring.

    The tsvector column exists only on PostgreSQL (a vendor-conditional migration), so the model
    does not declare it and the match is raw SQL on the unqualified column.
    """
    messages = Message.objects.filter(thread=OuterRef("pk"))
    if connection.vendor == "postgresql":
        match = RawSQL(
            "search_vector @@ websearch_to_tsquery('english', %s)",
            (query,),
            output_field=BooleanField(),
        )
        return Exists(messages.alias(match=match).filter(match=True))
    return Exists(messages.filter(search_text__icontains=query))


def thread_search(qs: QuerySet[Thread], query: str) -> QuerySet[Thread]:
    query = query.strip()
    if not query:
        return qs
    owner = "chat_session__user__"
    text = (
        Q(name__icontains=query)
        | Q(**{f"{owner}username__icontains": query})
        | Q(**{f"{owner}first_name__icontains": query})
        | Q(**{f"{owner}last_name__icontains": query})
        | Q(**{f"{owner}email__icontains": query})
    )
    return qs.filter(text | message_fulltext_match(query))


def thread_stats(qs: QuerySet[Thread]) -> dict[str, Any]:
    """Totals over an annotated, filtered thread queryset, in one query."""
    totals = qs.order_by().aggregate(
        threads_total=Count("id"),
        sessions_total=Count("chat_session_id", distinct=True),
        users_total=Count("chat_session__user_id", distinct=True),
        messages_total=Coalesce(Sum("message_count"), 0),
        input_tokens_total=Coalesce(Sum("msg_input_tokens"), 0),
        output_tokens_total=Coalesce(Sum("msg_output_tokens"), 0),
        flagged_total=Count("id", filter=Q(flags__is_flagged=True)),
        feedback_positive=Coalesce(Sum("fb_positive"), 0),
        feedback_negative=Coalesce(Sum("fb_negative"), 0),
    )
    totals["total_tokens"] = totals["input_tokens_total"] + totals["output_tokens_total"]
    voted = totals["feedback_positive"] + totals["feedback_negative"]
    totals["satisfaction_rate"] = totals["feedback_positive"] / voted if voted else None
    return totals


def message_visible(*, user) -> QuerySet[Message]:
    qs = Message.objects.select_related("thread", "replaces")
    if is_staff_or_support(user):
        return qs
    return qs.filter(thread__chat_session__user=user)


def message_active(qs: QuerySet[Message]) -> QuerySet[Message]:
    """Messages that no later message replaces (the thread as the user sees it now)."""
    return qs.exclude(Exists(Message.objects.filter(replaces=OuterRef("pk"))))


def message_owned(*, user) -> QuerySet[Message]:
    return Message.objects.select_related("thread").filter(thread__chat_session__user=user)


def message_last_active_user(*, thread: Thread) -> Message | None:
    """The thread's last user message that nothing replaces (what edit and reload act on)."""
    active = message_active(Message.objects.filter(thread=thread, role=Role.USER))
    return active.order_by("-sequence_index", "-id").first()


def thread_export_messages(*, thread: Thread) -> QuerySet[Message]:
    """The thread's active conversation, in order: what an export holds."""
    return message_active(Message.objects.filter(thread=thread)).order_by("sequence_index", "id")


def thread_resumable_answer(*, thread: Thread) -> tuple[str | None, bool]:
    """The answer a client re-attaching to the thread wants, and whether it is in flight: the
    running turn's, else the thread's latest active answer (which may have just ended)."""
    if thread.active_turn is not None:
        return str(thread.active_turn), True
    answers = message_active(Message.objects.filter(thread=thread, role=Role.ASSISTANT))
    latest = answers.order_by("-sequence_index", "-id").values_list("uuid", flat=True).first()
    return (str(latest) if latest is not None else None), False


def message_answer_of(*, message: Message) -> Message | None:
    """The active answer to a user message: the assistant message at the next position."""
    candidates = Message.objects.filter(
        thread_id=message.thread_id,
        role=Role.ASSISTANT,
        sequence_index=message.sequence_index + 1,
    )
    return message_active(candidates).order_by("-id").first()


def message_history(*, thread: Thread, before: int | None = None) -> list[dict[str, Any]]:
    """The newest AI_ASSISTANT_HISTORY_LIMIT usable active messages (before position `before`,
    if given), oldest first, as LLM messages.

    A medium-or-worse injection is left out together with the answer it got, so the model never
    sees the attack, nor a reply that only makes sense next to it.
    """
    limit = settings.AI_ASSISTANT_HISTORY_LIMIT
    if limit <= 0:
        return []
    rows = message_active(Message.objects.filter(thread=thread))
    if before is not None:
        rows = rows.filter(sequence_index__lt=before)
    # Skipped rows are rare; a window of 2x the limit (plus slack) covers them in one query.
    window = list(rows.order_by("-sequence_index", "-id")[: limit * 2 + 10])
    unsafe = {
        m.sequence_index
        for m in window
        if policy.unsafe_for_history(m.severity, m.injection_categories)
    }
    history: list[dict[str, Any]] = []
    for message in window:
        answered = message.role == Role.ASSISTANT and message.sequence_index - 1 in unsafe
        if message.sequence_index in unsafe or answered:
            continue
        text = blocks_to_llm_text(message.blocks)
        if not text:  # an answer still generating, or one that failed with nothing
            continue
        history.append({"role": message.role, "content": text})
        if len(history) >= limit:
            break
    history.reverse()
    return history


def message_last_position(*, thread: Thread) -> int:
    return Message.objects.filter(thread=thread).aggregate(m=Max("sequence_index"))["m"] or 0


def system_prompt_instructions() -> str | None:
    """The active system prompt's custom instructions, if it has any."""
    active = SystemPrompt.objects.filter(is_active=True).order_by("pk")
    text = active.values_list("custom_instructions", flat=True).first() or ""
    return text if text.strip() else None


def readiness() -> dict[str, Any]:
    """The database's answer and each configured upstream's health in this process."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except DatabaseError:
        database = "unavailable"
    states = {
        u.name: "healthy" if upstreams.health.healthy(u) else "cooling down"
        for u in upstreams.configured()
    }
    return {"database": database, "llm_upstreams": states}
