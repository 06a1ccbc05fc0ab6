"""The ASGI handler keeps Django's one-thread-per-request rule but reuses the threads."""

from __future__ import annotations

import concurrent.futures
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from django.core.signals import request_started
from django.db import close_old_connections

from config.asgi import django_application
from config.handler import ReusedThreadASGIHandler
from tests.chat.helpers import thread_for
from tests.chat.streamkit import auth, post_stream
from tests.upstream import wait_for


@pytest.mark.timeout(120)
def test_sequential_requests_reuse_one_request_thread(chat_server, user):
    thread_for(user, name="Kept")
    with httpx.Client(base_url=chat_server, headers=auth(user), timeout=30) as client:
        assert client.get("/api/chat-threads/").status_code == 200  # warm up
        made = django_application.made
        for _ in range(20):
            response = client.get("/api/chat-threads/")
            assert response.status_code == 200
            assert response.json()[0]["name"] == "Kept"
    # Not one thread per request: a request's thread goes back to the free list only once its
    # clean-up is done, by which time the next request may have taken another one.
    assert django_application.made - made <= 1


@pytest.mark.timeout(120)
def test_overlapping_requests_each_get_a_thread_of_their_own(chat_server, user, llm, settings):
    llm.app.config.first_token_delay = 1.0  # keeps each stream's request open for a while
    made = django_application.made
    idle = len(django_application.idle)
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: post_stream(chat_server, user, input="hi"), range(4)))
    assert [r.status for r in results] == [200] * 4
    assert all(r.final["finish_reason"] == "stop" for r in results)
    # Four requests open at once held four threads; those made for them are kept for reuse
    # (each goes back once its request's clean-up, after the body, is done).
    assert django_application.made - made <= max(0, 4 - idle)
    wait_for(lambda: len(django_application.idle) >= 4)
    # Their database work ran on the few threads kept for it, not on four more.
    db_threads = [t for t in threading.enumerate() if t.name.startswith("chat-db")]
    assert 1 <= len(db_threads) <= settings.AI_ASSISTANT_DB_THREADS


class _CountingExecutor(ThreadPoolExecutor):
    def __init__(self):
        super().__init__(max_workers=1, thread_name_prefix="request")
        self.calls = []

    def submit(self, fn, /, *args, **kwargs):
        self.calls.append(getattr(fn, "__qualname__", repr(fn)))
        return super().submit(fn, *args, **kwargs)


@pytest.mark.timeout(120)
def test_a_stream_request_uses_its_thread_only_for_the_clean_up_at_its_end(
    chat_server, user, monkeypatch
):
    # Tests elsewhere (Django's test client, CaptureQueriesContext) put Django's receivers
    # back on request_started; a handler takes them off when it is made.
    request_started.connect(close_old_connections)
    assert request_started.has_listeners(ReusedThreadASGIHandler)
    ReusedThreadASGIHandler()
    assert not request_started.has_listeners(ReusedThreadASGIHandler)
    executors = []

    def take():
        executors.append(_CountingExecutor())
        return executors[-1]

    monkeypatch.setattr(django_application, "_take", take)
    result = post_stream(chat_server, user, input="hi")
    assert result.status == 200
    assert result.final["finish_reason"] == "stop"
    wait_for(lambda: executors and executors[0].calls)
    # Not once before the view (the view itself runs on the database threads): only for the
    # response's close, whose request_finished closes the thread's connections.
    assert len(executors) == 1
    assert len(executors[0].calls) == 1
    wait_for(lambda: executors[0] in django_application.idle)
    django_application.idle.remove(executors[0])
    executors[0].shutdown()
