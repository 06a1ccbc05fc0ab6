"""Cross-process "stop this turn" signals.

A cancel request or a superseding turn is written to the thread row (the source of truth) and,
on PostgreSQL, announced with NOTIFY. Each server process keeps one LISTEN connection that
wakes the turns running in it; every turn also re-reads the row on a timer, which is the whole
mechanism on SQLite and a safety net on PostgreSQL (a notification sent while the listener
reconnects is otherwise lost).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict

from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)

CHANNEL = "chat_turn_signal"


def publish(thread_uuid: str) -> None:
    """Announce a change of the thread's turn state (call inside or after the writing txn)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, str(thread_uuid)])


class SignalHub:
    """Per-process registry of running turns, woken by the LISTEN task."""

    def __init__(self) -> None:
        self._waiters: dict[str, set[asyncio.Event]] = defaultdict(set)
        self._listener: asyncio.Task | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def register(self, thread_uuid: str, *, look_now: bool = True) -> asyncio.Event:
        """An event set on every signal for the thread.

        With `look_now` it is set from the start, so the first look at the row also catches a
        cancel sent before the turn registered. A thread made by this very turn needs no such
        look when it registers before anyone has been told its uuid.
        """
        event = asyncio.Event()
        if look_now:
            event.set()
        self._waiters[str(thread_uuid)].add(event)
        self.start()
        return event

    def start(self) -> None:
        """Make sure this process listens (called at server start-up and by each turn)."""
        self._ensure_listener()

    def unregister(self, thread_uuid: str, event: asyncio.Event) -> None:
        waiters = self._waiters.get(str(thread_uuid))
        if waiters is not None:
            waiters.discard(event)
            if not waiters:
                self._waiters.pop(str(thread_uuid), None)

    def wake(self, thread_uuid: str) -> None:
        for event in self._waiters.get(str(thread_uuid), ()):
            event.set()

    def _ensure_listener(self) -> None:
        if connection.vendor != "postgresql":
            return
        loop = asyncio.get_running_loop()
        if self._listener is not None and not self._listener.done() and self._loop is loop:
            return
        self._loop = loop
        self._listener = loop.create_task(self._listen(), name="chat-turn-listener")

    async def _listen(self) -> None:
        import psycopg

        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        params.pop("prepare_threshold", None)
        params.pop("pool", None)
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(**params, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    async for note in conn.notifies():
                        self.wake(note.payload)
            except asyncio.CancelledError:
                raise
            except Exception:  # the row poll covers the gap while we reconnect
                logger.warning("Turn signal listener lost its connection; reconnecting")
                await asyncio.sleep(1.0)

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._listener
            self._listener = None


hub = SignalHub()


SAFETY_POLL_SECONDS = 10.0


def poll_interval() -> float:
    """How often a running turn re-reads its thread row.

    On PostgreSQL a notification wakes the turn at once; the poll only covers a notification
    lost while the listener reconnected, so it is rare (one query per turn every 10 s instead
    of every second keeps hundreds of streams from queueing on worker threads).
    """
    if connection.vendor == "postgresql":
        return max(SAFETY_POLL_SECONDS, settings.AI_ASSISTANT_CANCEL_POLL_SECONDS)
    return settings.AI_ASSISTANT_CANCEL_POLL_SECONDS
