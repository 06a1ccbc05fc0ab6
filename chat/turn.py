"""Writes and reads of one signed-in chat turn: resolve, start (one transaction), finish.

Invariants: the LLM receives exactly the user text that is stored (redacted when moderation
redacts); an assistant row is reserved at turn start and always filled, however the turn ends;
edit and reload only ever replace the answer that belongs to the user message concerned
(the assistant row at the next position).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Max, QuerySet
from django.utils import timezone

from accounts.models import AuditEvent, User
from accounts.services import audit_record
from chat import budget, cancel, llm, policy, prompts
from chat.engine import estimate_tokens
from chat.frames import blocks_to_llm_text
from chat.models import (
    ChatSession,
    Message,
    Role,
    SystemPrompt,
    Thread,
    blocks_to_text,
    markdown_blocks,
)
from chat.reads import Shape, read_together
from chat.selectors import message_active, thread_owned
from chat.services import session_get_or_create, thread_flags_recompute
from chat.writes import Expr, Writes, insert_all
from config.rest import DomainError
from moderation.types import Action, Verdict
from moderation.types import Severity as ScanSeverity


class TurnError(DomainError):
    default_code = "invalid_turn"


class TurnNotFound(DomainError):
    status_code = 404
    default_code = "not_found"


@dataclass
class TurnPlan:
    """What a validated request asks for, before anything is written."""

    user: User
    mode: str | None
    text: str  # what moderation scans: the input, or the stored text being regenerated
    thread: Thread | None = None
    edited: Message | None = None  # edit: the user message replaced
    regenerated: Message | None = None  # reload: the user message whose answer is replaced
    answer: Message | None = None  # the answer being replaced (edit and reload)

    @property
    def is_new_thread(self) -> bool:
        return self.thread is None


@dataclass
class StartedTurn:
    thread: Thread
    assistant: Message
    user_message: Message | None
    grant: budget.Grant | None
    history: list[dict[str, Any]] = field(default_factory=list)
    is_new_thread: bool = False
    llm_text: str = ""  # the stored (possibly redacted) user text the LLM receives
    custom_instructions: str | None = None
    # Resolved with whether the turn's transaction committed, when its stream was started
    # before the commit (None: committed before the stream started).
    committed: concurrent.futures.Future | None = None

    async def admitted(self) -> bool:
        """Whether the turn was committed, once that is known."""
        if self.committed is None:
            return True
        if not self.committed.done():
            # Shielded: a waiter that is cancelled (a stop check cut short) must not cancel
            # the answer every other waiter, and the view, share.
            await asyncio.shield(asyncio.wrap_future(self.committed))
        return bool(self.committed.result())


def _last_active_user(thread: Thread) -> Message | None:
    active = message_active(Message.objects.filter(thread=thread, role=Role.USER))
    return active.order_by("-sequence_index", "-id").first()


def _answer_of(message: Message) -> Message | None:
    candidates = Message.objects.filter(
        thread_id=message.thread_id,
        role=Role.ASSISTANT,
        sequence_index=message.sequence_index + 1,
    )
    return message_active(candidates).order_by("-id").first()


def turn_resolve(
    *,
    user: User,
    text: str,
    thread_uuid: uuid.UUID | None,
    mode: str | None,
    edit_message_uuid: uuid.UUID | None,
) -> TurnPlan:
    """Check the request against the caller's threads (404/400); writes nothing."""
    plan = TurnPlan(user=user, mode=mode, text=text)
    if thread_uuid is None:
        return plan
    plan.thread = thread_owned(user=user).filter(uuid=thread_uuid).first()
    if plan.thread is None:
        raise TurnNotFound("Thread not found.")
    if mode == "reload":
        plan.regenerated = _last_active_user(plan.thread)
        if plan.regenerated is None:
            raise TurnError("There is no message to regenerate.", code="nothing_to_reload")
        plan.text = plan.regenerated.text
        plan.answer = _answer_of(plan.regenerated)
    elif mode == "edit":
        edited = Message.objects.filter(thread=plan.thread, uuid=edit_message_uuid).first()
        if edited is None:
            raise TurnNotFound("Message not found.")
        if edited.role != Role.USER:
            raise TurnError("Can only edit user messages.", code="not_a_user_message")
        last = _last_active_user(plan.thread)
        if last is None or last.pk != edited.pk:
            raise TurnError("Can only edit the last user message.", code="not_last_message")
        plan.edited, plan.answer = edited, _answer_of(edited)
    return plan


def history_before(thread: Thread, position: int) -> list[dict[str, Any]]:
    """The newest HISTORY_LIMIT usable active messages before `position`, oldest first.

    A medium-or-worse injection is left out together with the answer it got, so the model
    never sees the attack, nor a reply that only makes sense next to it.
    """
    limit = settings.AI_ASSISTANT_HISTORY_LIMIT
    if limit <= 0:
        return []
    rows = message_active(Message.objects.filter(thread=thread, sequence_index__lt=position))
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


def _positions(plan: TurnPlan, thread: Thread) -> tuple[int, int]:
    """(user position, assistant position) for this turn."""
    if plan.edited is not None:
        return plan.edited.sequence_index, plan.edited.sequence_index + 1
    if plan.regenerated is not None:
        return plan.regenerated.sequence_index, plan.regenerated.sequence_index + 1
    last = Message.objects.filter(thread=thread).aggregate(m=Max("sequence_index"))["m"] or 0
    return last + 1, last + 2


def custom_instructions_query() -> QuerySet:
    """The active system prompt's custom instructions, as `values()` (for read_together)."""
    active = SystemPrompt.objects.filter(is_active=True).order_by("pk")
    return active.values("custom_instructions")[:1]


def active_custom_instructions(read: list[dict[str, Any]] | None = None) -> str | None:
    """The active custom instructions, if any; `read` is what custom_instructions_query()
    returned, if it was run already."""
    rows = list(custom_instructions_query()) if read is None else read
    text = rows[0]["custom_instructions"] if rows else ""
    return text if text.strip() else None


def worst_case(
    *, text: str, history: list[dict[str, Any]], system: str, new_thread: bool
) -> dict[str, int]:
    """The admission estimate of a turn: prompt and input, the answer, and the title call."""
    spoken = system + text + "".join(str(m["content"]) for m in history)
    title = 0
    if new_thread:
        title_prompt = "".join(m["content"] for m in prompts.title_messages(text))
        title = estimate_tokens(title_prompt) + settings.AI_ASSISTANT_TITLE_MAX_TOKENS
    return {
        "input_tokens": estimate_tokens(spoken),
        "max_tokens": llm.completion_options()["max_tokens"],
        "extra_tokens": title,
    }


def turn_start(
    *,
    plan: TurnPlan,
    verdict: Verdict,
    before_commit: Callable[[StartedTurn], None] | None = None,
) -> StartedTurn:
    """Store the user message, reserve the answer and admit the turn, in one transaction.

    The reservation on the user's quota and the site budget is the transaction's last step,
    so the shared counter rows stay locked only until the commit; a refused admission
    (CapacityError) rolls everything back and stores nothing. The stored user text is the
    verdict's redacted text, and it is what the LLM receives. Starting a turn supersedes any
    turn still generating on the thread. `before_commit` gets the admitted turn just before
    the statement that commits it (again, if that statement loses a race and is retried).
    """
    llm_text = (
        plan.regenerated.text if plan.regenerated is not None else policy.stored_text(verdict)
    )
    # What the turn needs to read first, in one round trip (see chat/reads.py).
    user = plan.user
    queries = [
        Shape("turn.custom_instructions", custom_instructions_query),
        Shape("turn.quota", lambda: budget.quota_query(user), (user.pk,)),
        Shape("turn.site", budget.site_query, (budget.SITE_ROW_PK,)),
    ]
    if plan.thread is None:
        session = Shape(
            "turn.session", lambda: ChatSession.objects.filter(user=user).values("pk"), (user.pk,)
        )
        queries.append(session)
    prompt, quota, site, *session = read_together(*queries)
    custom = active_custom_instructions(prompt)
    system = prompts.system_prompt(custom)
    rows = [budget.user_row(plan.user, quota), budget.site_row(anonymous=False, read=site)]
    session_pk = session[0][0]["pk"] if session and session[0] else None

    def store() -> tuple[StartedTurn, dict[str, int]]:
        started = _store_turn(plan, verdict, llm_text, custom, session_pk)
        estimate = worst_case(
            text=llm_text, history=started.history, system=system, new_thread=plan.is_new_thread
        )
        return started, estimate

    def admitted(started: StartedTurn, grant: budget.Grant) -> None:
        started.grant = grant
        if before_commit is not None:
            before_commit(started)

    grant, started = budget.admit_with(rows, store, admitted)
    started.grant = grant
    return started


def _store_turn(
    plan: TurnPlan, verdict: Verdict, llm_text: str, custom: str | None, session_pk: int | None
) -> StartedTurn:
    """The turn's rows (inside admit_with's transaction); `session_pk` is the caller's session
    as read before it, if the caller had one then."""
    answer_uuid = uuid.uuid4()
    now = timezone.now()
    if plan.thread is None:  # created here: nobody else can see it, nothing to read back
        if session_pk is None:
            session_pk = session_get_or_create(user=plan.user).pk
        thread = Thread(chat_session_id=session_pk, active_turn=answer_uuid)
        (user_pos, answer_pos), history = (1, 2), []
    else:
        thread = Thread.objects.select_for_update().get(pk=plan.thread.pk)
        user_pos, answer_pos = _positions(plan, thread)
        history = history_before(thread, user_pos)
        Thread.objects.filter(pk=thread.pk).update(
            modified=now, cancel_requested_at=None, active_turn=answer_uuid
        )
        thread.modified, thread.cancel_requested_at, thread.active_turn = now, None, answer_uuid
    user_message = plan.regenerated
    new_rows = []
    if plan.regenerated is None:
        blocks = markdown_blocks(policy.stored_text(verdict))
        user_message = Message(  # insert_all skips save(): search_text is set here
            thread=thread,
            role=Role.USER,
            sequence_index=user_pos,
            replaces=plan.edited,
            blocks=blocks,
            search_text=blocks_to_text(blocks),
            **policy.detection_fields(verdict),
        )
        new_rows.append(user_message)
    assistant = Message(
        uuid=answer_uuid,
        thread=thread,
        role=Role.ASSISTANT,
        sequence_index=answer_pos,
        replaces=plan.answer,
        model=settings.AI_ASSISTANT_MODEL,
        warning=verdict.user_message if verdict.action in (Action.WARN, Action.REDACT) else "",
    )
    new_rows.append(assistant)
    # A new thread is inserted with its messages, in one statement on PostgreSQL.
    insert_all(*([thread] if plan.thread is None else []), *new_rows)
    # Flags change only when a flagged message arrives or an edit replaces one.
    if verdict.is_flagged or plan.edited is not None or thread.is_flagged:
        thread_flags_recompute(thread=thread)
    if plan.thread is not None:  # an older turn of this thread may be running: supersede it
        cancel.publish(str(thread.uuid))
    _audit_detections(plan.user, thread, verdict)
    return StartedTurn(
        thread=thread,
        assistant=assistant,
        user_message=None if plan.regenerated is not None else user_message,
        grant=None,  # set once admitted
        history=history,
        is_new_thread=plan.is_new_thread,
        llm_text=llm_text,
        custom_instructions=custom,
    )


def _audit_detections(user: User, thread: Thread, verdict: Verdict) -> None:
    context = {
        "thread_uuid": thread.uuid.hex,
        "severity": verdict.severity.value,
        "action": verdict.action.value,
    }
    if verdict.injection_severity >= ScanSeverity.HIGH:
        audit_record(
            actor=user,
            event_type=AuditEvent.Type.CHAT_INJECTION_DETECTED,
            target=thread,
            context={**context, "categories": list(verdict.injection_categories)},
        )
    if verdict.pii_categories and verdict.severity >= ScanSeverity.HIGH:
        audit_record(
            actor=user,
            event_type=AuditEvent.Type.CHAT_PII_DETECTED,
            target=thread,
            context={**context, "categories": list(verdict.pii_categories)},
        )


def turn_should_stop(*, thread_id: int, assistant_uuid: uuid.UUID) -> str | None:
    """'cancelled' when the thread's turn was cancelled or superseded, else None."""
    row = Thread.objects.filter(pk=thread_id).values("cancel_requested_at", "active_turn").first()
    if row is None:
        return "cancelled"
    if row["cancel_requested_at"] is not None or row["active_turn"] != assistant_uuid:
        return "cancelled"
    return None


@dataclass
class Title:
    """A generated thread title ("" when the model gave nothing usable) and its usage."""

    name: str
    input_tokens: int
    output_tokens: int

    def changes(self) -> dict[str, Any]:
        changes: dict[str, Any] = {
            "title_gen_input_tokens": self.input_tokens,
            "title_gen_output_tokens": self.output_tokens,
        }
        if self.name:
            changes["name"] = self.name
        return changes


def turn_finish(
    writes: Writes,
    *,
    turn: StartedTurn,
    blocks: list[dict[str, Any]],
    input_tokens: int | None,
    output_tokens: int | None,
    finish_reason: str,
    title: Title | None = None,
) -> None:
    """Queue the filling of the reserved answer, and the release of the thread's turn markers
    if they are still ours; a title that is ready by now goes into the same thread UPDATE."""
    now = timezone.now()
    writes.update_row(
        Message,
        turn.assistant.pk,
        blocks=blocks,
        search_text=blocks_to_llm_text(blocks),
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        finish_reason=finish_reason,
        modified=now,
    )
    ours = turn.assistant.uuid
    writes.update_row(
        Thread,
        turn.thread.pk,
        modified=now,
        # Cleared only while the turn is still ours (SET sees the row as it was).
        cancel_requested_at=Expr(
            "CASE WHEN {active_turn} = %s THEN NULL ELSE {column} END", (ours,), "active_turn"
        ),
        active_turn=Expr("CASE WHEN {column} = %s THEN NULL ELSE {column} END", (ours,)),
        **(title.changes() if title is not None else {}),
    )
    turn.assistant.blocks = blocks
    turn.assistant.input_tokens, turn.assistant.output_tokens = input_tokens, output_tokens
    turn.assistant.finish_reason = finish_reason


def thread_set_title(writes: Writes, *, thread: Thread, title: Title) -> None:
    """Queue the storing of a title that arrived after the answer was stored."""
    writes.update_row(Thread, thread.pk, **title.changes())
