"""The signed-in caller kind: a user's turn in one of their threads.

A turn starts a thread, follows up in one, edits the last user message (mode=edit) or
regenerates the last answer (mode=reload). Invariants: the LLM receives exactly the user text
that is stored (redacted when moderation redacts); an answer row is reserved when the turn is
stored and always filled, however the turn ends; edit and reload only ever replace the answer
of the user message concerned (the assistant message at the next position). A blocked input
gets a stored refusal and a 200, like any other answer.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Case, DateTimeField, F, UUIDField, Value, When
from django.utils import timezone

from accounts.models import AuditEvent, User
from accounts.services import audit_record
from chat import budgets, policy, prompts, selectors
from chat.models import (
    FinishReason,
    Message,
    Mode,
    Role,
    Thread,
    blocks_to_text,
    markdown_blocks,
)
from chat.services import session_get_or_create, thread_flags_recompute
from chat.turns import cancel, llm
from chat.turns.admission import Estimate, Row, estimate_tokens
from chat.turns.conversation import CallerKind, Plan, StoredTurn
from chat.turns.frames import blocks_to_llm_text
from chat.turns.generation import Outcome, Prompt, Title
from config.rest import DomainError
from moderation.types import Action, Severity, Verdict

REJECTION_MAX_TOKENS = 200  # a refusal with history is a sentence or two
BLOCKED_TITLE = "Declined request"  # a new thread whose first message was blocked


class TurnError(DomainError):
    default_code = "invalid_turn"


class TurnNotFound(DomainError):
    status_code = 404
    default_code = "not_found"


@dataclass
class Stored:
    """The rows of a signed-in turn."""

    thread: Thread
    assistant: Message
    user_message: Message | None  # None on reload: the stored user message is kept


@dataclass
class SignedInConversation:
    user: User
    text: str
    thread_uuid: uuid.UUID | None = None
    mode: Mode | None = None
    edit_message_uuid: uuid.UUID | None = None
    kind: CallerKind = CallerKind.SIGNED_IN
    # Found by resolve():
    thread: Thread | None = None
    edited: Message | None = None  # edit: the user message replaced
    regenerated: Message | None = None  # reload: the user message whose answer is replaced
    answer: Message | None = None  # the answer replaced (edit and reload)

    def resolve(self) -> str:
        """The caller's own thread (404 for anyone else's), and for edit and reload the
        messages concerned; the text to moderate (on reload, the stored one)."""
        if self.thread_uuid is None:
            return self.text
        owned = selectors.thread_owned(user=self.user)
        self.thread = owned.filter(uuid=self.thread_uuid).first()
        if self.thread is None:
            raise TurnNotFound("Thread not found.")
        if self.mode == Mode.RELOAD:
            self.regenerated = selectors.message_last_active_user(thread=self.thread)
            if self.regenerated is None:
                raise TurnError("There is no message to regenerate.", code="nothing_to_reload")
            self.answer = selectors.message_answer_of(message=self.regenerated)
            return self.regenerated.text
        elif self.mode == Mode.EDIT:
            edited = Message.objects.filter(thread=self.thread, uuid=self.edit_message_uuid).first()
            if edited is None:
                raise TurnNotFound("Message not found.")
            if edited.role != Role.USER:
                raise TurnError("Can only edit user messages.", code="not_a_user_message")
            last = selectors.message_last_active_user(thread=self.thread)
            if last is None or last.pk != edited.pk:
                raise TurnError("Can only edit the last user message.", code="not_last_message")
            self.edited, self.answer = edited, selectors.message_answer_of(message=edited)
        return self.text

    def refuse_blocked(self, verdict: Verdict) -> None:
        """Nothing to refuse here: a blocked input is stored and answered with a refusal."""

    def budget_rows(self) -> list[Row]:
        return [budgets.user_row(self.user), budgets.site_row(anonymous=False)]

    def plan(self, verdict: Verdict) -> Plan:
        """The prompt (history before the turn's position, the active system prompt) and the
        admission estimate; the LLM is told exactly the user text that will be stored."""
        llm_text = self.regenerated.text if self.regenerated else policy.stored_text(verdict)
        history = []
        if self.thread is not None:
            replaced = self.edited or self.regenerated
            before = replaced.sequence_index if replaced else None
            history = selectors.message_history(thread=self.thread, before=before)
        system = prompts.system_prompt(selectors.system_prompt_instructions())
        titled = self.thread is None and not verdict.blocked
        return Plan(
            prompt=_prompt(verdict, system, history, llm_text),
            estimate=turn_estimate(system, history, llm_text, titled=titled),
        )

    def store(self, verdict: Verdict, plan: Plan) -> StoredTurn:
        """The user message and a placeholder answer; a newer turn supersedes a running one.

        Precondition: inside a transaction (the thread row is locked until its commit, so two
        turns on one thread never take the same positions).
        """
        if not connection.in_atomic_block:
            raise RuntimeError("store() must run inside a transaction.")
        new_thread = self.thread is None
        answer_uuid = uuid.uuid4()
        thread, (user_pos, answer_pos) = self._thread_for(answer_uuid)
        user_message = self.regenerated
        rows = []
        if user_message is None:
            blocks = markdown_blocks(policy.stored_text(verdict))
            user_message = Message(
                thread=thread,
                role=Role.USER,
                sequence_index=user_pos,
                replaces=self.edited,
                blocks=blocks,
                search_text=blocks_to_text(blocks),  # bulk_create does not call save()
                **policy.detection_fields(verdict),
            )
            rows.append(user_message)
        assistant = Message(
            uuid=answer_uuid,
            thread=thread,
            role=Role.ASSISTANT,
            sequence_index=answer_pos,
            replaces=self.answer,
            model=settings.AI_ASSISTANT_MODEL,
            warning=verdict.user_message if verdict.action in (Action.WARN, Action.REDACT) else "",
        )
        Message.objects.bulk_create([*rows, assistant])
        # Flags change only when a flagged message arrives or an edit replaces one.
        if verdict.is_flagged or self.edited is not None or thread.is_flagged:
            thread_flags_recompute(thread=thread)
        if not new_thread:  # an older turn of this thread may be running: supersede it
            cancel.publish(str(thread.uuid))
        _audit_detections(self.user, thread, verdict)
        titled = new_thread and not verdict.blocked
        return StoredTurn(
            prompt=plan.prompt,
            opening={"thread_uuid": str(thread.uuid)},
            ref=str(thread.uuid),
            stream_key=str(assistant.uuid),
            record=Stored(thread, assistant, None if self.regenerated else user_message),
            warning=policy.warning(verdict),
            final_ids={
                **({} if self.regenerated else {"user_message_uuid": str(user_message.uuid)}),
                "assistant_message_uuid": str(assistant.uuid),
            },
            title_of=user_message.text if titled else None,
            title=Title(BLOCKED_TITLE, 0, 0) if new_thread and verdict.blocked else None,
            cancel_key=str(thread.uuid),
            look_now=not new_thread,
        )

    def _thread_for(self, answer_uuid: uuid.UUID) -> tuple[Thread, tuple[int, int]]:
        """The thread (made, or locked and marked as running this turn) and the turn's user
        and answer positions."""
        if self.thread is None:
            session = session_get_or_create(user=self.user)
            thread = Thread.objects.create(chat_session=session, active_turn=answer_uuid)
            return thread, (1, 2)
        thread = Thread.objects.select_for_update().get(pk=self.thread.pk)
        replaced = self.edited or self.regenerated
        if replaced is not None:
            positions = (replaced.sequence_index, replaced.sequence_index + 1)
        else:
            last = selectors.message_last_position(thread=thread)
            positions = (last + 1, last + 2)
        now = timezone.now()
        Thread.objects.filter(pk=thread.pk).update(
            modified=now, cancel_requested_at=None, active_turn=answer_uuid
        )
        thread.modified, thread.cancel_requested_at, thread.active_turn = now, None, answer_uuid
        return thread, positions

    def should_stop(self, turn: StoredTurn) -> str | None:
        row = (
            Thread.objects.filter(pk=turn.record.thread.pk)
            .values("cancel_requested_at", "active_turn")
            .first()
        )
        ours = turn.record.assistant.uuid
        if row is None or row["cancel_requested_at"] is not None or row["active_turn"] != ours:
            return FinishReason.CANCELLED
        return None

    def finish(self, turn: StoredTurn, outcome: Outcome, title: Title | None) -> None:
        """Fill the reserved answer; release the thread's turn markers if they are still ours."""
        now = timezone.now()
        stored: Stored = turn.record
        Message.objects.filter(pk=stored.assistant.pk).update(
            model=outcome.model or stored.assistant.model,
            blocks=outcome.blocks,
            search_text=blocks_to_llm_text(outcome.blocks),
            input_tokens=outcome.usage.input_tokens,
            output_tokens=outcome.usage.output_tokens,
            finish_reason=outcome.finish_reason,
            modified=now,
        )
        ours = Value(stored.assistant.uuid, output_field=UUIDField())
        still_ours = When(active_turn=ours, then=Value(None))
        Thread.objects.filter(pk=stored.thread.pk).update(
            modified=now,
            cancel_requested_at=Case(
                still_ours, default=F("cancel_requested_at"), output_field=DateTimeField()
            ),
            active_turn=Case(still_ours, default=F("active_turn"), output_field=UUIDField()),
            **(_title_changes(title) if title is not None else {}),
        )

    def store_title(self, turn: StoredTurn, title: Title) -> None:
        Thread.objects.filter(pk=turn.record.thread.pk).update(**_title_changes(title))


def _prompt(verdict: Verdict, system: str, history: list[dict[str, Any]], llm_text: str) -> Prompt:
    """The LLM request for this turn, or the canned refusal when there is nothing to ask."""
    if not verdict.blocked:
        return Prompt(
            messages=[
                {"role": "system", "content": system},
                *history,
                {"role": "user", "content": llm_text},
            ]
        )
    if not history:
        return Prompt(canned=prompts.CANNED_REJECTION)
    withheld = {"role": "user", "content": "(The user's latest message was withheld.)"}
    messages = [{"role": "system", "content": prompts.rejection_prompt()}, *history, withheld]
    return Prompt(messages=messages, max_tokens=REJECTION_MAX_TOKENS)


def turn_estimate(
    system: str, history: list[dict[str, Any]], text: str, *, titled: bool
) -> Estimate:
    """The admission estimate: system prompt, history and input, the answer, and a title."""
    spoken = system + text + "".join(str(m["content"]) for m in history)
    title = 0
    if titled:
        title_prompt = "".join(m["content"] for m in prompts.title_messages(text))
        title = estimate_tokens(title_prompt) + settings.AI_ASSISTANT_TITLE_MAX_TOKENS
    return Estimate(
        input_tokens=estimate_tokens(spoken),
        max_tokens=llm.completion_options()["max_tokens"],
        extra_tokens=title,
    )


def _title_changes(title: Title) -> dict[str, Any]:
    changes: dict[str, Any] = {
        "title_gen_input_tokens": title.input_tokens,
        "title_gen_output_tokens": title.output_tokens,
    }
    if title.name:
        changes["name"] = title.name
    return changes


def _audit_detections(user: User, thread: Thread, verdict: Verdict) -> None:
    context = {
        "thread_uuid": thread.uuid.hex,
        "severity": verdict.severity.value,
        "action": verdict.action.value,
    }
    if verdict.injection_severity >= Severity.HIGH:
        audit_record(
            actor=user,
            event_type=AuditEvent.Type.CHAT_INJECTION_DETECTED,
            target=thread,
            context={**context, "categories": list(verdict.injection_categories)},
        )
    if verdict.pii_categories and verdict.severity >= Severity.HIGH:
        audit_record(
            actor=user,
            event_type=AuditEvent.Type.CHAT_PII_DETECTED,
            target=thread,
            context={**context, "categories": list(verdict.pii_categories)},
        )
