"""The chat turn, signed-in or public, in the order things happen.

In the request's thread (the views are synchronous DRF views):

1. take a stream slot: 503 when this process already generates AI_ASSISTANT_MAX_STREAMS answers;
2. resolve the thread or session the turn belongs to (404 for someone else's);
3. moderate the text; a blocked input ends the request (public: 400 and a strike) or goes on
   to a stored refusal (signed-in);
4. reserve the turn's worst case on its budgets (409 or 429 when one is spent, and then nothing
   is stored), then store the turn in one transaction (the reservation is given back if that
   fails).

Then, once that transaction has committed, in a task on the event loop (TurnStream):

5. ask the LLM and relay its answer as NDJSON frames, while watching for a cancel, a newer turn
   on the thread, the client leaving or the server shutting down;
6. store the answer (one transaction), then settle the budget with what the turn really spent.

What differs between the kinds of caller is the Conversation passed in (conversation.py).
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from typing import Any

from asgiref.sync import async_to_sync
from django.db import transaction
from django.http import StreamingHttpResponse

from chat.models import FinishReason
from chat.turns import admission, cancel, llm, resume, runtime, telemetry
from chat.turns.admission import Slot
from chat.turns.conversation import Conversation, StoredTurn
from chat.turns.frames import NDJSON, encode
from chat.turns.generation import Outcome, Stops, Title, generate, generate_title
from config import logs
from moderation.service import scan
from moderation.types import Verdict

logger = logging.getLogger(__name__)


def start_turn(conversation: Conversation) -> StreamingHttpResponse:
    """Steps 1-4 of a turn; the response whose body relays steps 5-6."""
    started = time.monotonic()
    slot = None
    try:
        slot = admission.slots.take()
        text = conversation.resolve()
        verdict = moderate(text)
        if verdict.blocked:
            conversation.refuse_blocked(verdict)
        turn = admit_and_store(conversation, verdict)
    except BaseException as exc:
        telemetry.refused(exc, conversation.kind)
        if slot is not None:
            slot.release()
        raise
    finally:
        runtime.release_connection()  # a stream holds none while it waits for the LLM
    logs.turn.set(turn.ref)  # on every log line of the turn from here on, its task's too
    stream = TurnStream(conversation, turn, slot, started)
    # Started now, from the request's thread, so that the turn is answered and stored even if
    # the client leaves before the response is sent.
    async_to_sync(stream.start)()
    return stream.response()


def moderate(text: str) -> Verdict:
    started = time.perf_counter()
    verdict = scan(text)
    telemetry.moderated(verdict, time.perf_counter() - started)
    return verdict


def admit_and_store(conversation: Conversation, verdict: Any) -> StoredTurn:
    """Reserve the turn's budget, then store the turn: both, or neither.

    The reservation commits first, on its own (see admission.reserve: the shared counter rows
    are never locked across a round trip); a refusal stores nothing. When storing fails, the
    reservation is given back.
    """
    plan = conversation.plan(verdict)
    grant = admission.reserve(conversation.budget_rows(), plan.estimate)
    try:
        with transaction.atomic():
            turn = conversation.store(verdict, plan)
    except BaseException:
        admission.release(grant)
        raise
    turn.grant = grant
    asked = turn.prompt.max_tokens
    turn.prompt.max_tokens = min(asked or grant.max_tokens, grant.max_tokens)
    return turn


class TurnStream:
    """One turn's generation task (steps 5-6) and the response body that relays its frames."""

    def __init__(
        self, conversation: Conversation, turn: StoredTurn, slot: Slot, started: float
    ) -> None:
        self.conversation = conversation
        self.turn = turn
        self.slot = slot
        self.started = started  # time.monotonic() when the request reached the pipeline
        self.text_seen = False
        self.frames: collections.deque[bytes] = collections.deque()  # not yet sent
        self.lines: list[bytes] = []  # every frame so far, for resumes (resume.py)
        self.sharer = resume.Sharer(turn.stream_key, self.lines)
        self.ready = asyncio.Event()  # frames are waiting, or the task ended
        self.ended = False
        self.client_gone = asyncio.Event()

    async def start(self) -> None:
        runtime.running.spawn(self._run())

    def response(self) -> StreamingHttpResponse:
        response = StreamingHttpResponse(self._body(), content_type=NDJSON)
        response["X-Accel-Buffering"] = "no"
        response["Cache-Control"] = "no-cache"
        return response

    def emit(self, frame: dict[str, Any]) -> None:
        if not self.text_seen and "k" in frame:
            self.text_seen = True
            telemetry.first_text(self.conversation.kind, time.monotonic() - self.started)
        line = encode(frame)
        self.frames.append(line)
        self.lines.append(line)
        self.ready.set()

    async def _body(self):
        finished = False
        try:
            while True:
                await self.ready.wait()
                self.ready.clear()
                payload = b"".join(self.frames)  # what is waiting goes out as one write
                self.frames.clear()
                if payload:
                    yield payload
                if self.ended:
                    finished = True
                    return
        finally:
            if not finished:  # Django stopped the body: the client left
                self.client_gone.set()

    async def _run(self) -> None:
        kind = self.conversation.kind
        telemetry.stream_started(kind)
        sharing = asyncio.create_task(self.sharer.run())
        outcome = Outcome(finish_reason=FinishReason.ERROR)
        try:
            outcome = await self._answer()
        except Exception:  # the database failed us while storing: the client is told
            logger.exception("Storing a chat turn failed")
            self.emit({"e": llm.ERROR_MESSAGES["internal"]})
            await self._log_end()
        finally:
            self.sharer.done.set()
            await asyncio.shield(sharing)
            elapsed = time.monotonic() - self.started
            telemetry.stream_ended(kind, outcome, elapsed, self.client_gone.is_set())
            self.slot.release()
            self.ended = True
            self.ready.set()

    async def _answer(self) -> Outcome:
        turn = self.turn
        self.emit({"m": turn.opening})
        if turn.warning:
            self.emit({"w": turn.warning})
        opened = asyncio.Event()  # the LLM has answered the answer's request
        titling = None
        if turn.title_of is not None:
            titling = asyncio.create_task(generate_title(turn.title_of, opened))
        try:
            outcome = await self._generate(opened)
            title = turn.title or _ready(titling)
            if title is not None:  # stored with the answer: its frame goes first
                titling = None
            closing = [*self._title_frames(title), {"m": self._final(outcome)}]
            # The closing frames are logged with the answer and sent once it is stored.
            await self._store(outcome, title, closing, ended=titling is None)
            for frame in closing:
                self.emit(frame)
            if titling is not None:  # still to come: stored, and charged, on its own
                late = await titling
                late_frames = self._title_frames(late)
                await runtime.in_db_thread(self._store_late_title, late, late_frames)
                for frame in late_frames:
                    self.emit(frame)
            return outcome
        finally:
            if titling is not None and not titling.done():
                titling.cancel()

    async def _generate(self, opened: asyncio.Event) -> Outcome:
        stops = self._stops()
        try:
            return await generate(self.turn.prompt, self.emit, stops, opened)
        except asyncio.CancelledError:
            # Cancelled at shutdown after the grace period: stored as interrupted all the same.
            interrupted = Outcome(finish_reason=FinishReason.INTERRUPTED)
            await asyncio.shield(self._store(interrupted, None, [], ended=True))
            raise
        except Exception:
            logger.exception("Chat generation failed")
            self.emit({"e": llm.ERROR_MESSAGES["internal"]})
            return Outcome(finish_reason=FinishReason.ERROR, error=llm.ERROR_MESSAGES["internal"])
        finally:
            if stops.wake is not None:
                cancel.listener.unregister(self.turn.cancel_key, stops.wake)

    def _stops(self) -> Stops:
        turn = self.turn
        stops = Stops(
            client_gone=self.client_gone,
            shutting_down=runtime.running.shutting_down,
            poll_seconds=cancel.poll_seconds(),
        )
        if turn.cancel_key is not None:
            stops.wake = cancel.listener.register(turn.cancel_key)
            if turn.look_now:
                stops.wake.set()

            async def check() -> str | None:
                return await runtime.in_db_thread(self.conversation.should_stop, turn)

            stops.check = check
        return stops

    async def _store(
        self, outcome: Outcome, title: Title | None, closing: list[dict], *, ended: bool
    ) -> None:
        """Store the answer (and a title that is ready) with its log, then settle the budget."""
        spent = outcome.usage.input_tokens + outcome.usage.output_tokens
        spent += title.tokens if title is not None else 0
        log = [*self.lines, *map(encode, closing)]

        def store() -> None:
            with transaction.atomic():
                self.conversation.finish(self.turn, outcome, title)
                resume.log_final(self.turn.stream_key, log, ended=ended)
            admission.settle(self.turn.grant, spent)

        await runtime.in_db_thread(store)

    def _store_late_title(self, title: Title | None, frames: list[dict]) -> None:
        if title is not None:
            self.conversation.store_title(self.turn, title)
        resume.log_final(self.turn.stream_key, [*self.lines, *map(encode, frames)], ended=True)
        if title is not None:
            admission.settle(self.turn.grant.afterwards(), title.tokens)

    async def _log_end(self) -> None:
        """The answer could not be stored: end its log all the same, if the database lets us."""
        try:
            key = self.turn.stream_key
            await runtime.in_db_thread(resume.log_final, key, self.lines, ended=True)
        except Exception:
            logger.exception("Ending a chat turn's log failed")

    @staticmethod
    def _title_frames(title: Title | None) -> list[dict]:
        return [{"m": {"thread_name": title.name}}] if title is not None and title.name else []

    def _final(self, outcome: Outcome) -> dict[str, Any]:
        final = {
            **(self.turn.final_ids or {}),
            "input_tokens": outcome.usage.input_tokens,
            "output_tokens": outcome.usage.output_tokens,
            "finish_reason": str(outcome.finish_reason),
        }
        if outcome.model:  # which upstream's model answered (several may be configured)
            final["model"] = outcome.model
        return final


def _ready(task: asyncio.Task | None) -> Title | None:
    if task is None or not task.done() or task.cancelled():
        return None
    return task.result()
