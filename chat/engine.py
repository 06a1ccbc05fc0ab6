"""The streaming core shared by signed-in and anonymous chat: one LLM answer as frames.

`generate` streams a completion (or a canned text) through the frame parser, racing it against
a watcher that stops it when the turn is cancelled or superseded, when the client left and the
operator does not want answers finished, or when the server shuts down. Whatever was generated
is returned, with a finish reason, for the caller to store.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from chat import llm
from chat.frames import FrameParser

logger = logging.getLogger(__name__)

Emit = Callable[[dict[str, Any]], None]
StopCheck = Callable[[], Awaitable[str | None]]


@dataclass
class Generation:
    """What to generate and how to know when to stop."""

    messages: list[dict[str, Any]] | None = None  # None with `canned` set: no LLM call
    canned: str | None = None
    max_tokens: int | None = None
    stop_check: StopCheck | None = None  # returns a finish reason to stop with, or None
    wake: asyncio.Event | None = None  # set by cross-process signals: run stop_check now
    # Set once the LLM has answered the request (its response headers), or once the
    # generation ended without getting that far, or made no request at all.
    opened: asyncio.Event = field(default_factory=asyncio.Event)
    poll_seconds: float = 1.0


@dataclass
class Outcome:
    blocks: list[dict[str, Any]] = field(default_factory=list)
    usage: llm.Usage = field(default_factory=llm.Usage)
    finish_reason: str = "stop"
    error: str | None = None  # the message sent in the `e` frame


@dataclass
class Signals:
    """Process-level events a generation also watches."""

    client_gone: asyncio.Event = field(default_factory=asyncio.Event)
    shutting_down: asyncio.Event | None = None


def estimate_tokens(text: str) -> int:
    """Conservative token estimate without a tokenizer: one token per 3 characters."""
    return -(-len(text) // 3) if text else 0


async def generate(gen: Generation, emit: Emit, signals: Signals) -> Outcome:
    try:
        return await _generate(gen, emit, signals)
    finally:
        gen.opened.set()


async def _generate(gen: Generation, emit: Emit, signals: Signals) -> Outcome:
    parser = FrameParser()
    outcome = Outcome()
    if gen.messages is None:
        for frame in parser.feed(gen.canned or "") + parser.finish():
            emit(frame)
        outcome.blocks = parser.blocks.result()
        return outcome

    consumer = asyncio.create_task(_consume(gen, parser, emit, outcome))
    watcher = asyncio.create_task(_watch(gen, signals))
    try:
        done, _ = await asyncio.wait({consumer, watcher}, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        done = set()
        outcome.finish_reason = "interrupted"
    if watcher in done and watcher.result():
        outcome.finish_reason = watcher.result()
    for task in (consumer, watcher):
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task  # closes the upstream request
    if consumer.done() and not consumer.cancelled() and consumer.exception() is not None:
        _fail(outcome, consumer.exception())
    for frame in parser.finish():
        emit(frame)
    outcome.blocks = parser.blocks.result()
    if outcome.finish_reason == "stop" and outcome.error is None and not outcome.blocks:
        outcome.error, outcome.finish_reason = llm.ERROR_MESSAGES["empty"], "error"
    if outcome.error:
        emit({"e": outcome.error})
    if not outcome.usage.reported:
        outcome.usage = _estimated_usage(gen.messages, parser)
    return outcome


async def _consume(gen: Generation, parser: FrameParser, emit: Emit, outcome: Outcome) -> None:
    deltas = llm.stream_chat(gen.messages or [], max_tokens=gen.max_tokens, opened=gen.opened)
    async for delta in deltas:
        if delta.text:
            for frame in parser.feed(delta.text):
                emit(frame)
        if delta.finish_reason:
            outcome.finish_reason = "length" if delta.finish_reason == "length" else "stop"
        if delta.usage is not None:
            outcome.usage = delta.usage


async def _watch(gen: Generation, signals: Signals) -> str | None:
    """Return a finish reason as soon as the generation should stop."""

    def interrupted() -> bool:
        if signals.shutting_down is not None and signals.shutting_down.is_set():
            return True
        return signals.client_gone.is_set() and not settings.AI_ASSISTANT_CONTINUE_ON_DISCONNECT

    events = [signals.client_gone]
    if gen.wake is not None:
        events.append(gen.wake)
    if signals.shutting_down is not None:
        events.append(signals.shutting_down)
    while True:
        waiters = [asyncio.create_task(e.wait()) for e in events]
        try:
            await asyncio.wait(waiters, timeout=gen.poll_seconds, return_when="FIRST_COMPLETED")
        finally:
            for waiter in waiters:
                waiter.cancel()
        if interrupted():
            return "interrupted"
        if gen.wake is not None:
            gen.wake.clear()
        if gen.stop_check is not None:
            reason = await gen.stop_check()
            if reason:
                return reason
        if interrupted():  # the client may have left while the row was being read
            return "interrupted"
        if signals.client_gone.is_set():  # gone, but the answer is to be finished
            events = [e for e in events if e is not signals.client_gone]


def _fail(outcome: Outcome, exc: BaseException) -> None:
    kind = llm.error_kind(exc)
    if kind == "internal":
        logger.error("Chat generation failed", exc_info=exc)
    else:
        logger.warning("LLM call failed: %s (%s)", kind, type(exc).__name__)
    outcome.error = llm.ERROR_MESSAGES[kind]
    outcome.finish_reason = "timeout" if kind == "timeout" else "error"


def _estimated_usage(messages: list[dict[str, Any]] | None, parser: FrameParser) -> llm.Usage:
    prompt = sum(estimate_tokens(str(m.get("content") or "")) for m in messages or [])
    return llm.Usage(
        input_tokens=prompt, output_tokens=estimate_tokens("x" * parser.blocks.text_length)
    )
