"""The signed-in turn as a stream of frames: metadata, warning, answer, title, final metadata."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from django.conf import settings

from chat import budget, cancel, llm, policy, prompts, turn
from chat.engine import Emit, Generation, Outcome, Signals, generate
from chat.streaming import db
from moderation.types import Action, Verdict

logger = logging.getLogger(__name__)


REJECTION_MAX_TOKENS = 200


def build_generation(started: turn.StartedTurn, verdict: Verdict) -> Generation:
    """The LLM request for this turn, or the canned rejection when there is nothing to ask."""
    granted = started.grant.max_tokens
    if verdict.action is Action.BLOCK:
        if not started.history:
            return Generation(canned=prompts.CANNED_REJECTION)
        withheld = {"role": "user", "content": "(The user's latest message was withheld.)"}
        messages = [
            {"role": "system", "content": prompts.rejection_prompt()},
            *started.history,
            withheld,
        ]
        return Generation(messages=messages, max_tokens=min(granted, REJECTION_MAX_TOKENS))
    messages = [
        {"role": "system", "content": prompts.system_prompt(started.custom_instructions)},
        *started.history,
        {"role": "user", "content": started.llm_text},
    ]
    return Generation(messages=messages, max_tokens=granted)


async def _title(started: turn.StartedTurn, spent: list[int]) -> str | None:
    await asyncio.sleep(0)  # let the answer's request go out first: it is what the user waits for
    try:
        raw, usage = await llm.complete_once(
            prompts.title_messages(started.llm_text),
            max_tokens=settings.AI_ASSISTANT_TITLE_MAX_TOKENS,
        )
    except Exception as exc:  # a title is a nicety; the answer must not suffer
        logger.warning("Title generation failed: %s", type(exc).__name__)
        return None
    spent.append(usage.input_tokens + usage.output_tokens)
    title = prompts.clean_title(raw)
    await db(
        turn.thread_set_title,
        thread=started.thread,
        title=title,
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
    )
    return title or None


async def run_signed_in_turn(
    started: turn.StartedTurn, verdict: Verdict, emit: Emit, signals: Signals
) -> None:
    """Stream the turn; whatever happens, the reservation is settled with what was spent."""
    spent: list[int] = []
    title_task = asyncio.create_task(_title(started, spent)) if started.is_new_thread else None
    try:
        await _run(started, verdict, emit, signals, title_task, spent)
    finally:
        if title_task is not None and not title_task.done():
            title_task.cancel()
        await db(budget.settle, started.grant, sum(spent))


async def _run(
    started: turn.StartedTurn,
    verdict: Verdict,
    emit: Emit,
    signals: Signals,
    title_task: asyncio.Task | None,
    spent: list[int],
) -> None:
    thread = started.thread
    emit({"m": {"thread_uuid": str(thread.uuid)}})
    if policy.warning(verdict):
        emit({"w": policy.warning(verdict)})
    generation = build_generation(started, verdict)
    generation.wake = cancel.hub.register(str(thread.uuid))
    generation.poll_seconds = cancel.poll_interval()

    async def stop_check() -> str | None:
        return await db(
            turn.turn_should_stop, thread_id=thread.pk, assistant_uuid=started.assistant.uuid
        )

    generation.stop_check = stop_check
    try:
        outcome = await generate(generation, emit, signals)
    finally:
        cancel.hub.unregister(str(thread.uuid), generation.wake)
    spent.append(outcome.usage.input_tokens + outcome.usage.output_tokens)
    await db(
        turn.turn_finish,
        turn=started,
        blocks=outcome.blocks,
        input_tokens=outcome.usage.input_tokens,
        output_tokens=outcome.usage.output_tokens,
        finish_reason=outcome.finish_reason,
    )
    await _send_final(started, outcome, title_task, emit)


async def _send_final(
    started: turn.StartedTurn, outcome: Outcome, title_task: asyncio.Task | None, emit: Emit
) -> None:
    """The final metadata frame; the title frame goes before it if ready, else right after."""
    final: dict[str, Any] = {
        "assistant_message_uuid": str(started.assistant.uuid),
        "input_tokens": outcome.usage.input_tokens,
        "output_tokens": outcome.usage.output_tokens,
        "finish_reason": outcome.finish_reason,
    }
    if started.user_message is not None:
        final = {"user_message_uuid": str(started.user_message.uuid), **final}
    if title_task is not None and title_task.done():
        if title_task.result():
            emit({"m": {"thread_name": title_task.result()}})
        title_task = None
    emit({"m": final})
    if title_task is not None:
        title = await title_task
        if title:
            emit({"m": {"thread_name": title}})
