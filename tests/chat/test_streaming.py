"""NDJSON responses: the runner's task starts with the response, not with its body."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib

import pytest

from chat.streaming import DisconnectWatch, disconnect_watch, ndjson_response
from chat.turn import StartedTurn

pytestmark = [pytest.mark.timeout(60)]


def _runner(started: list[str]):
    async def runner(emit, signals):
        started.append("runner")
        emit({"m": {"thread_uuid": "t"}})
        await asyncio.sleep(0)
        emit({"k": "markdown", "c": "Hi"})

    return runner


async def _body(response) -> bytes:
    return b"".join([chunk async for chunk in response.streaming_content])


def test_a_response_made_in_a_view_thread_starts_its_runner_on_the_request_loop():
    started: list[str] = []

    async def scenario():
        token = disconnect_watch.set(DisconnectWatch(asyncio.get_running_loop()))
        try:
            # As a sync view in a database thread makes it (the context goes with it).
            response = await asyncio.to_thread(ndjson_response, _runner(started))
        finally:
            disconnect_watch.reset(token)
        for _ in range(100):  # the loop runs the runner before anyone reads the body
            if started:
                break
            await asyncio.sleep(0.01)
        assert started == ["runner"]
        return await _body(response)

    body = asyncio.run(scenario())
    assert body.splitlines() == [b'{"m":{"thread_uuid":"t"}}', b'{"k":"markdown","c":"Hi"}']
    assert started == ["runner"]  # once


def test_without_a_known_loop_the_runner_starts_with_the_body():
    started: list[str] = []
    response = ndjson_response(_runner(started))  # no loop here (as under WSGI)
    assert started == []
    body = asyncio.run(_body(response))
    assert started == ["runner"]
    assert body.splitlines() == [b'{"m":{"thread_uuid":"t"}}', b'{"k":"markdown","c":"Hi"}']


def test_a_cancelled_wait_for_the_commit_leaves_the_answer_to_the_other_waiters():
    async def scenario():
        started = StartedTurn(thread=None, assistant=None, user_message=None, grant=None)
        started.committed = concurrent.futures.Future()
        early = asyncio.create_task(started.admitted())  # e.g. a stop check, then cut short
        await asyncio.sleep(0)
        early.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await early
        later = asyncio.create_task(started.admitted())
        await asyncio.sleep(0)
        started.committed.set_result(True)  # the view, once the commit is done
        return await later

    assert asyncio.run(scenario()) is True
