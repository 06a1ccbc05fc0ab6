"""What a server process keeps for its running turns: their tasks and their database threads
(chat.turns.lifespan starts and stops them with the process).

A turn's generation runs as a task on the event loop, apart from its request, so that an answer
is finished and stored even when its client leaves. Its database work runs in a few threads of
its own (AI_ASSISTANT_DB_THREADS): a connection is held only while a statement runs, never while
the stream waits for the LLM.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection, connections
from django.urls import get_resolver

from config import metrics

logger = logging.getLogger(__name__)

_db_threads: ThreadPoolExecutor | None = None


def db_threads() -> ThreadPoolExecutor:
    global _db_threads
    if _db_threads is None:
        _db_threads = ThreadPoolExecutor(
            settings.AI_ASSISTANT_DB_THREADS, thread_name_prefix="chat-db"
        )
    return _db_threads


def release_connection() -> None:
    """Give this thread's database connection back (to the pool, or close it)."""
    connection.close()


async def in_db_thread(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """Run ORM code in one of the turns' database threads, then give its connection back.

    Precondition: `fn` leaves no transaction open (it uses `transaction.atomic` blocks).
    """

    def call() -> Any:
        try:
            result = fn(*args, **kwargs)
            if connection.in_atomic_block:
                raise RuntimeError(f"{fn.__qualname__} left a transaction open.")
            return result
        finally:
            release_connection()

    # Not thread-sensitive: the task outlives its request, and with it the request's thread.
    return await sync_to_async(call, thread_sensitive=False, executor=db_threads())()


class RunningTurns:
    """The process's generation tasks: counted for a graceful shutdown."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task] = set()
        self.shutting_down: asyncio.Event | None = None

    def reset(self) -> None:
        """A new server (event loop) starts: forget the previous one's shutdown signal."""
        self.shutting_down = asyncio.Event()

    def spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task:
        if self.shutting_down is None:
            self.shutting_down = asyncio.Event()
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def shutdown(self, grace_seconds: float) -> None:
        """Let running answers finish for `grace_seconds`, then stop them as interrupted (they
        are stored as such), and after 10 more seconds cancel what is left."""
        if not self.tasks:
            return
        _, pending = await asyncio.wait(set(self.tasks), timeout=grace_seconds)
        if pending and self.shutting_down is not None:
            self.shutting_down.set()
            _, pending = await asyncio.wait(pending, timeout=10)
        for task in pending:
            task.cancel()


running = RunningTurns()


def tune_garbage_collector() -> None:
    """Apply PYTHON_GC_FREEZE and PYTHON_GC_THRESHOLDS (Python's documented gc tuning).

    Hundreds of streams allocate fast enough to run the cyclic collector's young generation
    hundreds of times a second; the older generations' collections walk every object loaded
    at start-up (about 150,000: Django, DRF, the SDKs) while every stream waits.
    """
    if settings.PYTHON_GC_FREEZE:
        get_resolver().url_patterns  # noqa: B018 (imports every view before the freeze)
        gc.collect()
        gc.freeze()
    if settings.PYTHON_GC_THRESHOLDS:
        gc.set_threshold(*settings.PYTHON_GC_THRESHOLDS)


POOL_SAMPLE_SECONDS = 5.0


async def sample_pool() -> None:
    """Keep the database pool gauges of this process current (for /metrics)."""
    while True:
        pool = getattr(connections["default"], "pool", None)
        if pool is not None and metrics.enabled():
            stats = pool.get_stats()
            in_use = stats.get("pool_size", 0) - stats.get("pool_available", 0)
            metrics.DB_POOL.labels("in_use").set(in_use)
            metrics.DB_POOL.labels("waiting").set(stats.get("requests_waiting", 0))
        await asyncio.sleep(POOL_SAMPLE_SECONDS)
