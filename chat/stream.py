"""The signed-in turn as a stream of frames: metadata, warning, answer, title, final metadata."""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import logging
from typing import Any

from django.conf import settings
from django.http import StreamingHttpResponse

from chat import cancel, llm, policy, prompts, turn
from chat.engine import Emit, Generation, Outcome, Signals, generate
from chat.streaming import Settlement, Stream, db
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


async def _title(started: turn.StartedTurn, after: asyncio.Event) -> turn.Title | None:
    # The answer's request goes first, and is answered first: it is what the user waits for,
    # and building the title's request would otherwise delay its first token.
    await after.wait()
    try:
        raw, usage = await llm.complete_once(
            prompts.title_messages(started.llm_text),
            max_tokens=settings.AI_ASSISTANT_TITLE_MAX_TOKENS,
        )
    except Exception as exc:  # a title is a nicety; the answer must not suffer
        logger.warning("Title generation failed: %s", type(exc).__name__)
        return None
    return turn.Title(prompts.clean_title(raw), usage.input_tokens, usage.output_tokens)


def _ready(task: asyncio.Task | None) -> turn.Title | None:
    if task is None or not task.done() or task.cancelled():
        return None
    return task.result()


def _tokens(title: turn.Title | None) -> int:
    return title.input_tokens + title.output_tokens if title is not None else 0


async def run_signed_in_turn(
    started: turn.StartedTurn, verdict: Verdict, emit: Emit, signals: Signals
) -> None:
    """Stream the turn; whatever happens, the reservation is settled with what was spent.

    The answer, a title that is ready by then and the settlement are stored together (one
    connection checkout); a title that comes later is stored, and charged, on its own.
    """
    opened = asyncio.Event()
    title_task = asyncio.create_task(_title(started, opened)) if started.is_new_thread else None
    settlement = Settlement(started.grant)
    try:
        outcome = await _answer(started, verdict, emit, signals, opened)
        if not await started.admitted():  # its transaction failed: it never happened
            return
        title = _ready(title_task)
        spent = outcome.usage.input_tokens + outcome.usage.output_tokens + _tokens(title)
        store = functools.partial(
            turn.turn_finish,
            turn=started,
            blocks=outcome.blocks,
            input_tokens=outcome.usage.input_tokens,
            output_tokens=outcome.usage.output_tokens,
            finish_reason=outcome.finish_reason,
            title=title,
        )
        await settlement.store(spent, store)
        if title is not None:  # stored with the answer: its frame goes first
            if title.name:
                emit({"m": {"thread_name": title.name}})
            title_task = None
        emit({"m": _final(started, outcome)})
        if title_task is not None:  # still to come (or came while storing): right after
            late = await title_task
            if late is not None:
                store = functools.partial(turn.thread_set_title, thread=started.thread, title=late)
                await Settlement(started.grant.afterwards()).store(_tokens(late), store)
                if late.name:
                    emit({"m": {"thread_name": late.name}})
    finally:
        if title_task is not None and not title_task.done():
            title_task.cancel()
        if not settlement.done:  # ended before storing: charge a title that did come back
            settlement.spent = settlement.spent or _tokens(_ready(title_task))
        if await started.admitted():  # else nothing was reserved
            await settlement.close()


async def _answer(
    started: turn.StartedTurn,
    verdict: Verdict,
    emit: Emit,
    signals: Signals,
    opened: asyncio.Event,
) -> Outcome:
    thread = started.thread
    # Listen for cancels before the client learns the thread's uuid from the first frame: a
    # thread this turn made then needs no first look at its row.
    wake = cancel.hub.register(str(thread.uuid), look_now=not started.is_new_thread)
    emit({"m": {"thread_uuid": str(thread.uuid)}})
    if policy.warning(verdict):
        emit({"w": policy.warning(verdict)})
    generation = build_generation(started, verdict)
    generation.wake = wake
    generation.opened = opened
    generation.poll_seconds = cancel.poll_interval()

    async def stop_check() -> str | None:
        if not await started.admitted():
            return "cancelled"
        return await db(
            turn.turn_should_stop, thread_id=thread.pk, assistant_uuid=started.assistant.uuid
        )

    generation.stop_check = stop_check
    try:
        return await generate(generation, emit, signals)
    finally:
        cancel.hub.unregister(str(thread.uuid), wake)


def start_signed_in_stream(plan: turn.TurnPlan, verdict: Verdict) -> StreamingHttpResponse:
    """Start the turn (turn_start) and its stream; the response that relays the stream.

    The stream starts just before the turn's transaction commits, so the answer's request to
    the LLM goes out while the commit (and the view's way back to the event loop) is under
    way. Until the commit is known the stream stores nothing and reads no thread state; if
    the transaction fails, the stream is stopped (its upstream request closed) and the caller
    gets the turn's error as an ordinary JSON response, as before any stream.
    """
    pending: list[tuple[turn.StartedTurn, Stream]] = []

    def runner(started: turn.StartedTurn):
        return lambda emit, signals: run_signed_in_turn(started, verdict, emit, signals)

    def before_commit(started: turn.StartedTurn) -> None:
        _settle_pending(pending, committed=False)  # an earlier attempt lost a race
        started.committed = concurrent.futures.Future()
        pending.append((started, Stream(runner(started))))

    try:
        started = turn.turn_start(plan=plan, verdict=verdict, before_commit=before_commit)
    except BaseException:
        _settle_pending(pending, committed=False)
        raise
    if not pending or pending[-1][0] is not started:  # not started before the commit
        started.committed = None
        pending.append((started, Stream(runner(started))))
    _settle_pending(pending, committed=True)
    return pending[-1][1].response()


def _settle_pending(pending: list[tuple[turn.StartedTurn, Stream]], *, committed: bool) -> None:
    """Tell the pending streams whether their turn committed; stop those that did not."""
    while pending and (not committed or len(pending) > 1):
        started, stream = pending.pop(0)
        if started.committed is not None and not started.committed.done():
            started.committed.set_result(False)
        stream.abort()
    if committed and pending:
        started = pending[0][0]
        if started.committed is not None and not started.committed.done():
            started.committed.set_result(True)


def _final(started: turn.StartedTurn, outcome: Outcome) -> dict[str, Any]:
    """The final metadata frame's content."""
    final: dict[str, Any] = {
        "assistant_message_uuid": str(started.assistant.uuid),
        "input_tokens": outcome.usage.input_tokens,
        "output_tokens": outcome.usage.output_tokens,
        "finish_reason": outcome.finish_reason,
    }
    if started.user_message is not None:
        final = {"user_message_uuid": str(started.user_message.uuid), **final}
    return final
