"""Generation: one answer from the LLM (or a canned text) relayed as frames, and a title.

`generate` streams the completion through the frame parser while a watcher waits for a reason
to stop early: the turn was cancelled or superseded, the client left and the operator does not
want answers finished, or the server is shutting down. Whatever was generated is returned with
its finish reason and usage, for the pipeline to store.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from chat import prompts
from chat.models import FinishReason
from chat.turns import llm
from chat.turns.admission import estimate_tokens
from chat.turns.frames import FrameParser

logger = logging.getLogger(__name__)

Emit = Callable[[dict[str, Any]], None]


@dataclass
class Prompt:
    """What to answer with: the LLM's answer to `messages`, or `canned` text (no LLM call)."""

    messages: list[dict[str, Any]] | None = None
    canned: str | None = None
    max_tokens: int | None = None  # what admission granted; set once admitted


@dataclass
class Outcome:
    blocks: list[dict[str, Any]] = field(default_factory=list)
    usage: llm.Usage = field(default_factory=llm.Usage)
    finish_reason: str = FinishReason.STOP
    error: str | None = None  # the message sent in the `e` frame
    model: str | None = None  # the model that answered (None: no LLM answered)


@dataclass
class Stops:
    """What may end an answer before the LLM does."""

    client_gone: asyncio.Event
    shutting_down: asyncio.Event | None = None
    # Set by a cross-process notice about the turn: run `check` now.
    wake: asyncio.Event | None = None
    # Reads whether the turn was cancelled or superseded: a finish reason, or None.
    check: Callable[[], Awaitable[str | None]] | None = None
    poll_seconds: float = 1.0

    def interrupted(self) -> bool:
        if self.shutting_down is not None and self.shutting_down.is_set():
            return True
        return self.client_gone.is_set() and not settings.AI_ASSISTANT_CONTINUE_ON_DISCONNECT


async def generate(prompt: Prompt, emit: Emit, stops: Stops, opened: asyncio.Event) -> Outcome:
    """Relay one answer as frames; `opened` is set once the LLM answered the request (or the
    generation ended without getting that far)."""
    try:
        if prompt.messages is None:
            return _canned(prompt.canned or "", emit)
        return await _streamed(prompt, emit, stops, opened)
    finally:
        opened.set()


def _canned(text: str, emit: Emit) -> Outcome:
    parser = FrameParser()
    for frame in parser.feed(text) + parser.finish():
        emit(frame)
    return Outcome(blocks=parser.blocks.result())


async def _streamed(prompt: Prompt, emit: Emit, stops: Stops, opened: asyncio.Event) -> Outcome:
    parser = FrameParser()
    outcome = Outcome()
    consumer = asyncio.create_task(_consume(prompt, parser, emit, outcome, opened))
    watcher = asyncio.create_task(_watch(stops))
    try:
        done, _ = await asyncio.wait({consumer, watcher}, return_when=asyncio.FIRST_COMPLETED)
    finally:  # also when this task is cancelled: the upstream request is closed either way
        pending = {task for task in (consumer, watcher) if not task.done()}
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)
    if watcher in done and watcher.result():
        outcome.finish_reason = watcher.result()
    if consumer in done and consumer.exception() is not None:
        _fail(outcome, consumer.exception())
    for frame in parser.finish():
        emit(frame)
    outcome.blocks = parser.blocks.result()
    if outcome.finish_reason == FinishReason.STOP and outcome.error is None and not outcome.blocks:
        outcome.error, outcome.finish_reason = llm.ERROR_MESSAGES["empty"], FinishReason.ERROR
    if outcome.error:
        emit({"e": outcome.error})
    if not outcome.usage.reported:
        outcome.usage = _estimated_usage(prompt.messages, parser)
    return outcome


async def _consume(
    prompt: Prompt, parser: FrameParser, emit: Emit, outcome: Outcome, opened: asyncio.Event
) -> None:
    deltas = llm.stream_chat(prompt.messages or [], max_tokens=prompt.max_tokens, opened=opened)
    async for delta in deltas:
        if delta.model:
            outcome.model = delta.model
        if delta.text:
            for frame in parser.feed(delta.text):
                emit(frame)
        if delta.finish_reason:
            length = delta.finish_reason == FinishReason.LENGTH
            outcome.finish_reason = FinishReason.LENGTH if length else FinishReason.STOP
        if delta.usage is not None:
            outcome.usage = delta.usage


async def _watch(stops: Stops) -> str | None:
    """Return a finish reason as soon as the answer should stop."""
    events = [stops.client_gone, *(e for e in (stops.wake, stops.shutting_down) if e)]
    while True:
        waiters = [asyncio.create_task(event.wait()) for event in events]
        try:
            await asyncio.wait(waiters, timeout=stops.poll_seconds, return_when="FIRST_COMPLETED")
        finally:
            for waiter in waiters:
                waiter.cancel()
        if stops.interrupted():
            return FinishReason.INTERRUPTED
        if stops.wake is not None:
            stops.wake.clear()
        if stops.check is not None:
            reason = await stops.check()
            if reason:
                return reason
        if stops.interrupted():  # the client may have left while the row was being read
            return FinishReason.INTERRUPTED
        if stops.client_gone.is_set():  # gone, but the answer is to be finished
            events = [e for e in events if e is not stops.client_gone]


def _fail(outcome: Outcome, exc: BaseException) -> None:
    kind = llm.error_kind(exc)
    if kind == "internal":
        logger.error("Chat generation failed", exc_info=exc)
    else:
        logger.warning("LLM call failed: %s (%s)", kind, type(exc).__name__)
    outcome.error = llm.ERROR_MESSAGES[kind]
    outcome.finish_reason = FinishReason.TIMEOUT if kind == "timeout" else FinishReason.ERROR


def _estimated_usage(messages: list[dict[str, Any]] | None, parser: FrameParser) -> llm.Usage:
    prompt = sum(estimate_tokens(str(m.get("content") or "")) for m in messages or [])
    return llm.Usage(
        input_tokens=prompt, output_tokens=estimate_tokens("x" * parser.blocks.text_length)
    )


# --- titles -----------------------------------------------------------------------------------


@dataclass
class Title:
    """A generated thread title ("" when the model gave nothing usable) and its usage."""

    name: str
    input_tokens: int
    output_tokens: int

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens


async def generate_title(text: str, after: asyncio.Event) -> Title | None:
    """A short title for a conversation that starts with `text` (the stored, redacted text).

    Its request waits until the answer's request has been answered: the answer is what the
    user waits for. A failed title is logged and left out; the answer does not suffer.
    """
    await after.wait()
    try:
        raw, usage = await llm.complete_once(
            prompts.title_messages(text), max_tokens=settings.AI_ASSISTANT_TITLE_MAX_TOKENS
        )
    except Exception as exc:
        logger.warning("Title generation failed: %s", type(exc).__name__)
        return None
    return Title(prompts.clean_title(raw), usage.input_tokens, usage.output_tokens)
