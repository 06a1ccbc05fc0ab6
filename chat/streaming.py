"""NDJSON responses fed by detached generation tasks, and the per-process task registry.

Django cancels a streaming response's iterator when the client leaves; the generation runs in
its own task so that nothing already generated is lost. The response body only relays the
frames it emits. The registry caps tasks in flight and lets a shutdown finish or interrupt them.
"""

from __future__ import annotations

import asyncio
import collections
import contextvars
import functools
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection
from django.http import StreamingHttpResponse

from chat import budget
from chat.engine import Emit, Signals
from chat.frames import encode
from chat.llm import ERROR_MESSAGES
from chat.writes import Writes
from config.rest import DomainError

logger = logging.getLogger(__name__)

NDJSON = "application/x-ndjson"
_END = object()

Runner = Callable[[Emit, Signals], Awaitable[None]]


class StreamCapacity(DomainError):
    status_code = 503
    default_code = "stream_capacity"
    default_detail = "The server is answering too many chats right now. Please retry shortly."

    def __init__(self) -> None:
        super().__init__(headers={"Retry-After": "5"})


_db_threads: ThreadPoolExecutor | None = None


def db_threads() -> ThreadPoolExecutor:
    """The process's threads for the streams' database work (AI_ASSISTANT_DB_THREADS).

    Under hundreds of streams the event loop spent more time waiting for the GIL, taken by
    threads running ORM code between database round trips, than running; two threads served
    more concurrent streams than the default pool's six. They are not the default executor,
    which also resolves host names for the LLM client.
    """
    global _db_threads
    if _db_threads is None:
        _db_threads = ThreadPoolExecutor(
            settings.AI_ASSISTANT_DB_THREADS, thread_name_prefix="chat-db"
        )
    return _db_threads


async def db(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """Run ORM code in a database thread and give its connection back at once.

    A stream waiting for tokens must hold no database connection, so every call returns its
    connection to the pool (or closes it) when it is done.
    """

    def call() -> Any:
        try:
            return fn(*args, **kwargs)
        finally:
            if not connection.in_atomic_block:
                connection.close()

    return await sync_to_async(call, thread_sensitive=False, executor=db_threads())()


class Settlement:
    """A turn's reservation, settled exactly once: with what the turn stores, or on its own.

    `store` settles together with the UPDATEs that `work` queues to store the turn's result;
    `close` (in a `finally`) settles whatever was spent when the turn ended before it could
    store anything.
    """

    def __init__(self, grant: budget.Grant) -> None:
        self.grant = grant
        self.spent = 0
        self.done = False

    async def store(self, spent: int, work: Callable[[Writes], Any]) -> None:
        self.spent = spent
        writes, _ = budget.settlement(self.grant, spent, work)
        await writes.aapply()
        self.done = True

    async def close(self) -> None:
        if not self.done:
            writes, _ = budget.settlement(self.grant, self.spent, lambda writes: None)
            await writes.aapply()


def release_connection() -> None:
    """Called by a sync view before it returns a stream: the body must not pin a connection."""
    if not connection.in_atomic_block:
        connection.close()


class PooledView:
    # A DRF view served from the database threads (db_threads) instead of its request's own
    # thread: their number bounds how many stream starts run ORM code at once, competing
    # with the event loop for the GIL, when hundreds arrive together. The view's connection
    # is given back when it returns, whatever it returns. (No docstring: the schema would
    # take it as the views' description.)

    @classmethod
    def as_view(cls, **initkwargs):
        view = super().as_view(**initkwargs)

        def released(request, *args, **kwargs):
            try:
                return view(request, *args, **kwargs)
            finally:
                release_connection()

        @functools.wraps(view)  # keeps cls, initkwargs and csrf_exempt for DRF and the schema
        async def pooled(request, *args, **kwargs):
            run = sync_to_async(released, thread_sensitive=False, executor=db_threads())
            return await run(request, *args, **kwargs)

        return pooled


class DisconnectWatch:
    """Set by the ASGI entry point when the server reports the client gone.

    Django cancels a streaming response on disconnect, but our relay generator may be
    suspended at a `yield` then, and only learns of it when it is garbage-collected; this
    watch tells the running answer at once.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.gone = False
        self.events: list[asyncio.Event] = []
        self.loop = loop  # the request's event loop (a view in a thread starts its stream on it)

    def fire(self) -> None:
        self.gone = True
        for event in self.events:
            event.set()

    def add(self, event: asyncio.Event) -> None:
        self.events.append(event)
        if self.gone:
            event.set()


disconnect_watch: contextvars.ContextVar[DisconnectWatch | None] = contextvars.ContextVar(
    "disconnect_watch", default=None
)


class StreamRegistry:
    def __init__(self) -> None:
        self.tasks: set[asyncio.Task] = set()
        self.shutting_down: asyncio.Event | None = None

    def reset(self) -> None:
        """A new server (event loop) starts: forget the previous one's shutdown signal."""
        self.shutting_down = None

    def check_capacity(self) -> None:
        if len(self.tasks) >= settings.AI_ASSISTANT_MAX_STREAMS:
            raise StreamCapacity()

    def spawn(self, coro: Awaitable[None]) -> asyncio.Task:
        if self.shutting_down is None:
            self.shutting_down = asyncio.Event()
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def shutdown(self, grace_seconds: float) -> None:
        """Let running answers finish for `grace_seconds`, then stop them as interrupted."""
        if not self.tasks:
            return
        _, pending = await asyncio.wait(set(self.tasks), timeout=grace_seconds)
        if pending and self.shutting_down is not None:
            self.shutting_down.set()
            await asyncio.wait(pending, timeout=10)


registry = StreamRegistry()


def ndjson_response(runner: Runner) -> StreamingHttpResponse:
    """A streaming response whose frames come from `runner`, run in a task of its own.

    The task starts now, not when the server starts sending the body: on the event loop it is
    created at once, and from a view's thread it is handed to the request's loop. Under
    hundreds of streams the loop takes a while to come back to the view's response and then
    to its body (each a turn of a busy loop); the answer's request to the LLM no longer waits
    for them. Without a known loop (a WSGI server) the task starts with the body.
    """
    return Stream(runner).response()


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class Stream:
    """A runner's task, started at once on the request's loop (see ndjson_response), and the
    response body that relays its frames."""

    def __init__(self, runner: Runner) -> None:
        self.runner = runner
        self.frames: collections.deque = collections.deque()
        self.ready: asyncio.Event | None = None  # made on the loop, by start()
        self.signals = Signals(shutting_down=None)
        self.started = False
        self.aborted = False
        self.task: asyncio.Task | None = None
        watch = disconnect_watch.get()
        if watch is not None:
            watch.add(self.signals.client_gone)
        self.loop = _running_loop() or (watch.loop if watch is not None else None)
        if self.loop is not None:
            self._on_loop(self.start)

    def response(self) -> StreamingHttpResponse:
        response = StreamingHttpResponse(self.body(), content_type=NDJSON)
        response["X-Accel-Buffering"] = "no"
        response["Cache-Control"] = "no-cache"
        return response

    def abort(self) -> None:
        """Stop the runner: its response will not be sent (from any thread)."""
        self.aborted = True
        if self.loop is not None:
            self._on_loop(self._cancel)

    def _on_loop(self, callback: Callable[[], None]) -> None:
        if self.loop is _running_loop():
            callback()
        else:
            self.loop.call_soon_threadsafe(callback)

    def _cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()

    def start(self) -> None:
        """Start the runner (on the loop, once; not once aborted)."""
        if self.started or self.aborted:
            return
        self.started = True
        self.ready = asyncio.Event()
        self.task = registry.spawn(self._run())

    def _emit(self, frame: Any) -> None:
        self.frames.append(frame)
        self.ready.set()

    async def _run(self) -> None:
        self.signals.shutting_down = registry.shutting_down
        try:
            await self.runner(self._emit, self.signals)
        except Exception:
            logger.exception("Chat stream failed")
            self._emit({"e": ERROR_MESSAGES["internal"]})
        finally:
            self._emit(_END)

    async def body(self):
        self.start()
        if self.ready is None:  # aborted before it started
            return
        finished = False
        try:
            while True:
                await self.ready.wait()
                self.ready.clear()
                frames, self.frames = list(self.frames), collections.deque()
                done = bool(frames) and frames[-1] is _END
                # What is already waiting goes out as one write.
                payload = b"".join(encode(f) for f in frames if f is not _END)
                if payload:
                    yield payload
                if done:
                    finished = True
                    return
        finally:
            if not finished:
                self.signals.client_gone.set()
