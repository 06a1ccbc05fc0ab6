"""Re-attaching to an answer (resume): the frames a client missed, then the live ones, from any
server process, exactly once and in order.

An answer keeps the NDJSON lines it sent in memory (TurnStream.lines). Nothing more happens
until a client asks to resume it:

1. the resuming request makes the answer's StreamLog row and announces it (NOTIFY on
   PostgreSQL; on SQLite the answer's process finds the row with one query per process every
   POLL_SECONDS);
2. the answer's process (a Sharer beside the answer) then writes all its lines to the row every
   FLUSH_SECONDS while new ones come, announcing each write;
3. the resuming request reads the row when told (or every POLL_SECONDS on SQLite) and sends the
   lines after the N the client has, until the row says the answer ended.

When an answer ends, its whole log is written with the answer, in the same transaction (an
ended log), so a client that lost the stream near the end still gets the rest, and a resume
after the end gets the stored frames, for RESUME_WINDOW_SECONDS. Lines are counted the same
way on the POST stream and here: one frame per line.

Hand-written rather than a broker library: the product runs on PostgreSQL alone (or SQLite),
and the row that is written anyway for the finished answer is the partial answer's store too.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterable
from datetime import timedelta

from django.db.models import Q
from django.http import StreamingHttpResponse
from django.utils import timezone

from chat.models import StreamLog
from chat.turns import cancel, runtime
from chat.turns.frames import NDJSON, encode
from chat.turns.llm import ERROR_MESSAGES

logger = logging.getLogger(__name__)

RESUME_WINDOW_SECONDS = 300.0  # an ended answer can still be resumed this long
ABANDONED_SECONDS = 86_400.0  # a log never ended (its process died) is pruned after this
FLUSH_SECONDS = 0.05  # a shared answer writes its new lines at most this often
POLL_SECONDS = 0.2  # SQLite (no notices): how often either side looks
SAFETY_POLL_SECONDS = 2.0  # PostgreSQL: a look now and then, should a notice be lost
IDLE_SECONDS = 120.0  # a resume that sees nothing new for this long ends with an error
PRUNE_SECONDS = 60.0  # how often a server process deletes logs past the window


def asked(key: str) -> str:
    """The notice that a client asks to resume answer `key`."""
    return f"resume:{key}"


def written(key: str) -> str:
    """The notice that answer `key`'s log has new lines."""
    return f"frames:{key}"


# --- the database side (each function runs in a database thread) -------------------------------


def log_final(key: str, lines: list[bytes], *, ended: bool) -> None:
    """Write the answer's whole log as it ends (one upsert; in the answer's transaction)."""
    row = StreamLog(turn=key, lines=b"".join(lines).decode(), count=len(lines), ended=ended)
    StreamLog.objects.bulk_create(
        [row],
        update_conflicts=True,
        unique_fields=["turn"],
        update_fields=["lines", "count", "ended", "modified"],
    )
    cancel.publish(written(key))


def log_share(key: str, lines: list[bytes]) -> None:
    """Write the lines so far of an answer a client asked for; never over a longer or ended
    log (the answer's own final write may have come first)."""
    count = len(lines)
    text = b"".join(lines).decode()
    StreamLog.objects.filter(turn=key, ended=False, count__lt=count).update(
        lines=text, count=count, modified=timezone.now()
    )
    cancel.publish(written(key))


def log_request(key: str) -> None:
    """Ask for answer `key`'s lines: its log row (made if need be) and a notice."""
    StreamLog.objects.get_or_create(turn=key)
    cancel.publish(asked(key))


def log_read(key: str, after: int) -> tuple[list[str], int, bool]:
    """The log's lines after the first `after`, its line count, and whether the answer ended."""
    row = StreamLog.objects.filter(turn=key).values("lines", "count", "ended").first()
    if row is None:
        return [], 0, False
    if row["count"] <= after:
        return [], row["count"], row["ended"]
    lines = [line + "\n" for line in row["lines"].split("\n")[:-1]]  # frames hold no raw "\n"
    return lines[after:], row["count"], row["ended"]


def log_exists(key: str) -> bool:
    """Whether answer `key` has a log within the resume window (ended or still written)."""
    since = timezone.now() - timedelta(seconds=RESUME_WINDOW_SECONDS)
    return StreamLog.objects.filter(turn=key, modified__gte=since).exists()


def logs_requested(keys: Iterable[str]) -> list[str]:
    """Which of these running answers a client asked for (their log row exists)."""
    found = StreamLog.objects.filter(turn__in=list(keys)).values_list("turn", flat=True)
    return [str(key) for key in found]


def logs_prune() -> int:
    """Delete ended logs past the resume window, and logs abandoned by a dead process."""
    now = timezone.now()
    ended = Q(ended=True, modified__lt=now - timedelta(seconds=RESUME_WINDOW_SECONDS))
    abandoned = Q(modified__lt=now - timedelta(seconds=ABANDONED_SECONDS))
    deleted, _ = StreamLog.objects.filter(ended | abandoned).delete()
    return deleted


# --- the answer's side ---------------------------------------------------------------------------


class Requests:
    """This process's running answers, and which of them a client asked for.

    On PostgreSQL the listener wakes an answer at once; one query per process every
    SAFETY_POLL_SECONDS (POLL_SECONDS on SQLite) covers a lost notice, or is the mechanism.
    """

    def __init__(self) -> None:
        self._waiting: dict[str, asyncio.Event] = {}
        self._poller: asyncio.Task | None = None

    def watch(self, key: str) -> asyncio.Event:
        event = cancel.listener.register(asked(key)) if cancel.listens() else asyncio.Event()
        self._waiting[key] = event
        loop = asyncio.get_running_loop()
        if self._poller is None or self._poller.done() or self._poller.get_loop() is not loop:
            self._poller = loop.create_task(self._poll())
        return event

    def forget(self, key: str, event: asyncio.Event) -> None:
        self._waiting.pop(key, None)
        if cancel.listens():
            cancel.listener.unregister(asked(key), event)

    async def _poll(self) -> None:
        seconds = SAFETY_POLL_SECONDS if cancel.listens() else POLL_SECONDS
        while self._waiting:
            await asyncio.sleep(seconds)
            keys = [key for key, event in self._waiting.items() if not event.is_set()]
            if not keys:
                continue
            try:
                found = await runtime.in_db_thread(logs_requested, keys)
            except Exception:  # the database is away: try again at the next look
                logger.exception("Looking for resumed answers failed")
                continue
            for key in found:
                if key in self._waiting:
                    self._waiting[key].set()


requests = Requests()


class Sharer:
    """Beside one answer: once a client asks for it, keeps its log current until it ends."""

    def __init__(self, key: str, lines: list[bytes]) -> None:
        self.key = key
        self.lines = lines  # the answer's own list, appended to as frames go out
        self.done = asyncio.Event()  # the answer wrote its final log, or failed

    async def run(self) -> None:
        """Never raises: a failed write only leaves a resume to the answer's final log."""
        asked_event = requests.watch(self.key)
        try:
            await _first(asked_event, self.done)
            shared = 0
            while not self.done.is_set():
                if len(self.lines) > shared:
                    shared = len(self.lines)
                    await runtime.in_db_thread(log_share, self.key, list(self.lines))
                await _first(self.done, timeout=FLUSH_SECONDS)
        except Exception:
            logger.exception("Sharing an answer's frames failed")
        finally:
            requests.forget(self.key, asked_event)


async def _first(*events: asyncio.Event, timeout: float | None = None) -> None:
    """Wait until one of the events is set (or the timeout passes)."""
    if any(event.is_set() for event in events):
        return
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


async def prune_periodically() -> None:
    """Run in each server process (the ASGI lifespan): keep logs only as long as needed."""
    while True:
        await asyncio.sleep(PRUNE_SECONDS)
        try:
            await runtime.in_db_thread(logs_prune)
        except Exception:  # the database is away: the next round prunes
            logger.exception("Pruning stream logs failed")


# --- the resuming request's side -----------------------------------------------------------------


def attach(key: str | None, after: int, *, in_flight: bool) -> StreamingHttpResponse | None:
    """The response that re-attaches a client to answer `key` after its `after`-th frame, or
    None when there is nothing to re-attach to (no answer in flight, nor one ended within the
    resume window)."""
    if key is None or not (in_flight or log_exists(key)):
        return None
    response = StreamingHttpResponse(relay(key, after), content_type=NDJSON)
    response["X-Accel-Buffering"] = "no"
    response["Cache-Control"] = "no-cache"
    return response


async def relay(key: str, after: int) -> AsyncIterator[bytes]:
    """Answer `key`'s lines after the first `after`, as they come, until it ends."""
    notices = cancel.listener.register(written(key)) if cancel.listens() else None
    try:
        await runtime.in_db_thread(log_request, key)
        sent, progressed = after, time.monotonic()
        while True:
            if notices is not None:
                notices.clear()
            lines, count, ended = await runtime.in_db_thread(log_read, key, sent)
            if lines:
                yield "".join(lines).encode()
                sent, progressed = count, time.monotonic()
            if ended:
                return
            if time.monotonic() - progressed > IDLE_SECONDS:  # the answer's process is gone
                yield encode({"e": ERROR_MESSAGES["internal"]})
                return
            if notices is None:
                await asyncio.sleep(POLL_SECONDS)
            else:
                await _first(notices, timeout=SAFETY_POLL_SECONDS)
    finally:
        if notices is not None:
            cancel.listener.unregister(written(key), notices)
