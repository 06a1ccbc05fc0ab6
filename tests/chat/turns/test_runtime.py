"""The runtime of turns: the ASGI lifespan, gc tuning and the database threads."""

from __future__ import annotations

import asyncio
import gc
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction

from chat.models import GlobalBudget
from chat.turns import runtime
from config.asgi import application


def run_lifespan() -> list[str]:
    sent: list[str] = []

    async def lifespan() -> None:
        messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])

        async def receive():
            return next(messages)

        async def send(message):
            sent.append(message["type"])

        await application({"type": "lifespan"}, receive, send)

    asyncio.run(lifespan())
    return sent


@pytest.fixture
def pristine_gc():
    gc.unfreeze()
    default = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.unfreeze()
    gc.set_threshold(*default)


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(60)
def test_lifespan_startup_applies_the_garbage_collector_settings(settings, pristine_gc):
    settings.PYTHON_GC_FREEZE = True
    settings.PYTHON_GC_THRESHOLDS = [40_000, 15, 12]
    assert run_lifespan() == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert gc.get_freeze_count() > 50_000  # Django, DRF, the SDKs and every view
    assert gc.get_threshold() == (40_000, 15, 12)


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(60)
def test_without_the_settings_python_keeps_its_own_collector(settings, pristine_gc):
    settings.PYTHON_GC_FREEZE = False
    settings.PYTHON_GC_THRESHOLDS = []
    assert run_lifespan() == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == (700, 10, 10)


@pytest.mark.django_db(transaction=True)
def test_a_database_call_that_leaves_a_transaction_open_is_an_error_and_rolled_back(
    monkeypatch,
):
    # A thread of its own: the one that ran the buggy call is left unusable, loudly.
    monkeypatch.setattr(runtime, "_db_threads", ThreadPoolExecutor(1))

    def leaky() -> None:
        transaction.atomic().__enter__()  # never left: a bug in the caller
        GlobalBudget.objects.create(pk=7)

    with pytest.raises(RuntimeError, match="left a transaction open"):
        asyncio.run(runtime.in_db_thread(leaky))
    assert not GlobalBudget.objects.filter(pk=7).exists()
    runtime.db_threads().shutdown()


@pytest.mark.django_db(transaction=True)
def test_a_database_call_gives_its_connection_back():
    def read() -> bool:
        GlobalBudget.objects.count()
        return connection.connection is not None

    assert asyncio.run(runtime.in_db_thread(read)) is True  # it had one while it ran
    seen = []
    runtime.db_threads().submit(lambda: seen.append(connection.connection)).result()
    assert seen == [None]  # and gave it back when done
