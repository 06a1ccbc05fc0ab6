"""Cross-process "stop this turn": a cancel request or a newer turn on the same thread.

The thread row is the signal (`cancel_requested_at`, `active_turn`); a running turn re-reads it
(chat.turns.signed_in `should_stop`). On PostgreSQL the write is also announced with NOTIFY,
and each server process keeps one LISTEN connection that wakes its running turns at once; the
re-read then happens rarely, to cover a notice sent while the listener was reconnecting. On
SQLite the re-read every AI_ASSISTANT_CANCEL_POLL_SECONDS is the whole mechanism.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import defaultdict

import psycopg
from django.conf import settings
from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)

CHANNEL = "chat_turn_signal"
SAFETY_POLL_SECONDS = 10.0  # PostgreSQL: how often a running turn re-reads its row anyway
RECONNECT_SECONDS = 1.0


def listens() -> bool:
    return connection.vendor == "postgresql"


def publish(thread_uuid: str) -> None:
    """Announce that the thread's turn state changed (in the writing transaction: the notice
    is delivered when it commits)."""
    if listens():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, str(thread_uuid)])


def poll_seconds() -> float:
    """How often a running turn re-reads its thread row."""
    if listens():
        return max(SAFETY_POLL_SECONDS, settings.AI_ASSISTANT_CANCEL_POLL_SECONDS)
    return settings.AI_ASSISTANT_CANCEL_POLL_SECONDS


class Listener:
    """The process's LISTEN connection, in a thread of its own, waking the running turns.

    The connection is an ordinary Django connection of that thread (from the pool when pooling
    is on, set up as every connection is: role, time zone, isolation level), held while the
    process runs; psycopg's `notifies()` waits for the notices on it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = (
            defaultdict(set)
        )
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def register(self, thread_uuid: str) -> asyncio.Event:
        """An event set whenever the thread's turn state is announced as changed."""
        event = asyncio.Event()
        with self._lock:
            self._waiters[thread_uuid].add((asyncio.get_running_loop(), event))
        self.start()
        return event

    def unregister(self, thread_uuid: str, event: asyncio.Event) -> None:
        with self._lock:
            waiters = self._waiters.get(thread_uuid, set())
            waiters.difference_update({w for w in waiters if w[1] is event})
            if not waiters:
                self._waiters.pop(thread_uuid, None)

    def start(self) -> None:
        """Listen, if this database can and this process does not yet (idempotent)."""
        if not listens():
            return
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="chat-listener", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop listening and give the connection back (blocks up to about a second)."""
        with self._lock:
            thread, self._thread = self._thread, None
        self._stop.set()
        if thread is not None:
            thread.join(timeout=5)

    def _wake(self, thread_uuid: str) -> None:
        with self._lock:
            waiters = list(self._waiters.get(thread_uuid, ()))
        for loop, event in waiters:
            if not loop.is_closed():
                loop.call_soon_threadsafe(event.set)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._listen()
            except (DatabaseError, psycopg.Error):
                # The turns' own re-reads cover the gap until we are back.
                logger.warning("Turn listener lost its database connection; reconnecting")
                self._stop.wait(RECONNECT_SECONDS)
            finally:
                connection.close()

    def _listen(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"LISTEN {CHANNEL}")
            raw = cursor.connection  # the DB-API connection (PEP 249), a psycopg Connection
        while not self._stop.is_set():
            for notice in raw.notifies(timeout=1.0):
                self._wake(notice.payload)
        with connection.cursor() as cursor:
            cursor.execute("UNLISTEN *")  # before the connection goes back to the pool


listener = Listener()
