"""Django's ASGI handler with its per-request sync threads reused instead of made anew.

Django runs a request's thread-sensitive sync code (sync views and middleware, the receivers
of `request_started` and `request_finished`) on a thread of the request's own, started on its
first use and joined by yet another new thread when the request ends. Starting a thread blocks
the event loop until the new thread holds the GIL, and under hundreds of concurrent streams
those hand-overs were the event loop's largest stall. Here every request still has one thread
to itself for its whole life, but the thread comes from a free list and goes back to it.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext
from django.core import signals
from django.core.handlers.asgi import ASGIHandler
from django.db import close_old_connections, reset_queries

# Idle threads kept for the next requests; more are let go (without waiting for them).
MAX_IDLE_THREADS = 256


class ReusedThreadASGIHandler(ASGIHandler):
    def __init__(self) -> None:
        super().__init__()
        clean_up_at_request_end_only()
        self.idle: list[ThreadPoolExecutor] = []
        self.made = 0  # threads ever made (tests read it)

    def _take(self) -> ThreadPoolExecutor:
        if self.idle:
            return self.idle.pop()
        self.made += 1
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="request")

    def _give_back(self, executor: ThreadPoolExecutor) -> None:
        if len(self.idle) < MAX_IDLE_THREADS:
            self.idle.append(executor)
        else:
            executor.shutdown(wait=False)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        executor = self._take()
        ended = False
        try:
            # One thread per request, as in Django: a sync view, its middleware and the
            # connection clean-up of request_finished all run on it. A call still running on
            # it (its request was cancelled) only delays the next request that takes it.
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
            ended = True
        finally:
            if not ended:  # request_finished may not have run: clean up as it would have
                executor.submit(close_old_connections)  # (before anything later on it)
            self._give_back(executor)


def clean_up_at_request_end_only() -> None:
    """Take Django's receivers off `request_started`; the connection clean-up stays at the end.

    Its receivers (close_old_connections, reset_queries) are sync, so every request first made
    a round trip through its thread, and under hundreds of streams each such trip waits for a
    turn of a busy event loop before the view even starts. They have nothing to do there: a
    request's thread is new, or was cleaned up at the end of the request that last had it, by
    the close_old_connections of `request_finished` or, when the handler did not get that far,
    by the handler itself. reset_queries only empties the query log kept with DEBUG on, which
    is bounded.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_started.disconnect(reset_queries)
