"""ASGI entry point: `uvicorn config.asgi:application --no-access-log`.

Wraps Django's handler (with its request threads reused, see config/handler.py) to answer the
lifespan protocol: at shutdown, answers still generating get a grace period to finish and are
otherwise stored as interrupted.
"""

import asyncio
import os

import django

from config.handler import ReusedThreadASGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup(set_prefix=False)  # what get_asgi_application() does, with our handler

django_application = ReusedThreadASGIHandler()


async def application(scope, receive, send):
    if scope["type"] == "http":
        await _http(scope, receive, send)
        return
    if scope["type"] != "lifespan":
        await django_application(scope, receive, send)
        return
    from django.conf import settings

    from chat.cancel import hub
    from chat.llm import close_clients
    from chat.streaming import registry
    from chat.writes import close_loop_writers

    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            _freeze_startup_objects()
            registry.reset()
            if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
                hub.start()  # listen before the first turn, so no early cancel is missed
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await registry.shutdown(settings.AI_ASSISTANT_SHUTDOWN_GRACE_SECONDS)
            await hub.stop()
            await close_clients()
            await close_loop_writers()
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _http(scope, receive, send):
    """Django's handler, with the client's disconnect passed on to running answers."""
    from chat.streaming import DisconnectWatch, disconnect_watch

    watch = DisconnectWatch(asyncio.get_running_loop())
    token = disconnect_watch.set(watch)

    async def watched_receive():
        message = await receive()
        if message["type"] == "http.disconnect":
            watch.fire()
        return message

    try:
        await django_application(scope, watched_receive, send)
    finally:
        disconnect_watch.reset(token)


# The cyclic collector's thresholds for the server (Python's defaults are 700, 10, 10).
GC_THRESHOLDS = (50_000, 20, 20)


def _freeze_startup_objects() -> None:
    """Load every view, then exclude what exists by now from the cyclic garbage collector, and
    make its collections rarer.

    Django, DRF and the SDKs leave about 150,000 objects that live as long as the process,
    and every full collection walked them all while the event loop, and so every stream,
    waited: 105-167 ms per collection at 400 streams, 78-117 ms with them frozen
    (benchmarks/stream_capacity.py with the collector's callbacks timed). Hundreds of streams
    allocate fast enough to run the youngest generation's collection hundreds of times a
    second with the default threshold of 700, and the older ones, which walk every stream's
    live objects, every few seconds. With GC_THRESHOLDS, 500 streams went from failing the
    capacity limits (time to first token p95 1.2 s) to passing (0.87 s); the young
    generation then holds at most 50,000 objects between collections, a few megabytes.
    """
    import gc

    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports every URL module and view)
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
