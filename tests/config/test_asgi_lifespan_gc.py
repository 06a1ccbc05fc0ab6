"""At startup the server loads every view, freezes what exists then out of the cyclic GC and
raises the collector's thresholds."""

from __future__ import annotations

import asyncio
import gc

import pytest

from config.asgi import GC_THRESHOLDS, application


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(60)
def test_lifespan_startup_freezes_the_objects_loaded_so_far():
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    default = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    sent: list[str] = []

    async def lifespan() -> None:
        messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])

        async def receive():
            return next(messages)

        async def send(message):
            sent.append(message["type"])

        await application({"type": "lifespan"}, receive, send)

    try:
        asyncio.run(lifespan())
        assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
        assert gc.get_freeze_count() > 50_000  # Django, DRF, the SDKs and every view
        assert gc.get_threshold() == GC_THRESHOLDS
        assert GC_THRESHOLDS[0] > 700
    finally:
        gc.unfreeze()
        gc.set_threshold(*default)
