"""The turn pipeline's own guarantees: stream slots taken where they are checked, preconditions
enforced, cancellation never swallowed, and every write made through Django's connections."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from django.db import connection

from chat.models import Message
from chat.periods import Period
from chat.turns import llm as llm_client
from chat.turns.admission import Cap, CapacityError, QuotaExceeded, RateLimited
from chat.turns.generation import Prompt, Stops, generate
from chat.turns.signed_in import SignedInConversation
from moderation.service import scan
from tests.chat.streamkit import auth, post_stream
from tests.factories import UserFactory
from tests.upstream import server_process

pytestmark = [pytest.mark.timeout(180)]


def test_a_burst_over_the_stream_cap_admits_exactly_the_cap(chat_server, llm, settings):
    settings.AI_ASSISTANT_MAX_STREAMS = 5
    hold = threading.Event()
    llm.app.config.hold = hold  # the admitted answers stay open while the others arrive
    threading.Timer(60, hold.set).start()  # never hang the suite
    users = [UserFactory() for _ in range(50)]
    statuses: list[int] = []
    lock = threading.Lock()

    def one(user):
        with httpx.stream(
            "POST", f"{chat_server}/api/chat/stream/", json={"input": "hi"}, headers=auth(user),
            timeout=90,
        ) as response:  # fmt: skip
            with lock:
                statuses.append(response.status_code)
                if len(statuses) == 50:
                    hold.set()
            response.read()

    with ThreadPoolExecutor(max_workers=50) as pool:
        list(pool.map(one, users))
    assert Counter(statuses) == {200: 5, 503: 45}
    assert Message.objects.filter(role="assistant").count() == 5


@pytest.mark.django_db(transaction=True)
def test_storing_a_turn_needs_the_transaction_that_locks_its_thread(user):
    conversation = SignedInConversation(user=user, text="Hello")
    verdict = scan("Hello")
    with pytest.raises(RuntimeError, match="inside a transaction"):
        conversation.store(verdict, conversation.plan(verdict))
    assert not Message.objects.exists()


def test_refusals_carry_their_status_in_their_class():
    import datetime as dt

    now = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
    quota = Cap("daily_token", Period.DAY, "daily_usage", "daily_start", 10, detail="Daily.")
    site = Cap("global_minute_burst", Period.MINUTE, "m", "s", 1, status=429, detail="Busy.")
    refused_quota = CapacityError.refusing(quota, now)
    refused_site = CapacityError.refusing(site, now)
    assert (type(refused_quota), refused_quota.status_code) == (QuotaExceeded, 409)
    assert (type(refused_site), refused_site.status_code) == (RateLimited, 429)
    assert QuotaExceeded.status_code == 409  # the classes are not changed by a refusal
    assert RateLimited.status_code == 429
    assert refused_site.extra["error"] == "rate_limited"
    assert refused_quota.headers["Retry-After"] == str(12 * 3600)


@pytest.mark.django_db(transaction=True)
def test_a_cancelled_generation_is_cancelled_not_swallowed_and_closes_its_request(llm, settings):
    settings.AI_ASSISTANT_MODEL = "reply-long"
    llm.app.config.token_interval = 0.05
    frames: list[dict] = []

    async def run() -> None:
        opened = asyncio.Event()
        stops = Stops(client_gone=asyncio.Event())
        prompt = Prompt(messages=[{"role": "user", "content": "long"}], max_tokens=400)
        task = asyncio.create_task(generate(prompt, frames.append, stops, opened))
        while not frames:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await llm_client.close_clients()

    asyncio.run(run())
    assert frames  # it was running when it was cancelled
    assert not [f for f in frames if "e" in f]  # no error frame: it did not carry on


@pytest.mark.postgres_only
def test_every_write_of_a_turn_runs_as_the_configured_role(chat_server, llm, settings, user):
    """With DATABASE_URL=...?assume_role=R, the turn's start and its end (written from the
    database threads after the response began) run as R, as every Django connection does."""
    role = "chat_turn_test_role"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")
        cursor.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {role}")
        cursor.execute(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {role}")
        cursor.execute(f"GRANT {role} TO CURRENT_USER")
        cursor.execute("CREATE TABLE test_turn_roles (who text, op text)")
        cursor.execute(f"GRANT ALL ON test_turn_roles TO {role}")
        cursor.execute(
            "CREATE FUNCTION test_log_role() RETURNS trigger AS $$ BEGIN "
            "INSERT INTO test_turn_roles VALUES (current_user, TG_OP); RETURN NULL; END $$ "
            "LANGUAGE plpgsql"
        )
        cursor.execute(
            "CREATE TRIGGER test_log_role AFTER INSERT OR UPDATE ON chat_message "
            "FOR EACH ROW EXECUTE FUNCTION test_log_role()"
        )
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    try:
        role_url = f"{url}?assume_role={role}"  # a role needs pooling off (see settings)
        with server_process(settings, DATABASE_URL=role_url, DB_POOL_MAX_SIZE="0") as base:
            result = post_stream(base, user, input="Hello there")
        assert result.status == 200, result.raw
        with connection.cursor() as cursor:
            cursor.execute("SELECT who, op FROM test_turn_roles ORDER BY op")
            logged = cursor.fetchall()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER test_log_role ON chat_message")
            cursor.execute("DROP FUNCTION test_log_role()")
            cursor.execute("DROP TABLE test_turn_roles")
            cursor.execute(f"DROP OWNED BY {role}")
            cursor.execute(f"DROP ROLE {role}")
    # Two messages inserted at the start; the answer updated at the end, from a db thread.
    assert sorted(op for _, op in logged) == ["INSERT", "INSERT", "UPDATE"]
    assert {who for who, _ in logged} == {role}
