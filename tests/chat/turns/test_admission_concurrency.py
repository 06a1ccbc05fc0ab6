"""Caps hold exactly under 50 simultaneous turns spread over two server processes."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from django.db.models import Sum

from chat import prompts
from chat.models import GlobalBudget, Message, Thread, TokenQuota
from chat.turns.signed_in import turn_estimate
from tests.chat.streamkit import auth
from tests.factories import UserFactory
from tests.upstream import server_process

pytestmark = [pytest.mark.timeout(300)]

TEXT = "How do I attach a volume?"
ADMITTED = 10
REQUESTS = 50


@pytest.fixture
def worst(settings, llm):
    """The reservation of one new-thread turn (both processes use the same settings)."""
    settings.AI_ASSISTANT_MAX_TOKENS = 64
    estimate = turn_estimate(prompts.system_prompt(None), [], TEXT, titled=True)
    return estimate.input_tokens + estimate.max_tokens + estimate.extra_tokens


@pytest.fixture
def site_budget(settings, worst):
    settings.AI_ASSISTANT_GLOBAL_DAILY_TOKEN_BUDGET = ADMITTED * worst


def fire(bases, users, llm):
    """Send all requests at once; answers are held until every request has its status, so no
    turn settles (and frees room) while others are still being admitted."""
    hold, lock, statuses = threading.Event(), threading.Lock(), []
    llm.app.config.hold = hold
    threading.Timer(120, hold.set).start()  # never hang the suite

    def one(i):
        with httpx.stream(
            "POST",
            f"{bases[i % len(bases)]}/api/chat/stream/",
            json={"input": TEXT},
            headers=auth(users[i % len(users)]),
            timeout=180,
        ) as response:
            with lock:
                statuses.append(response.status_code)
                if len(statuses) == REQUESTS:
                    hold.set()
            response.read()

    with ThreadPoolExecutor(max_workers=REQUESTS) as pool:
        list(pool.map(one, range(REQUESTS)))
    return statuses


def real_usage() -> int:
    messages = Message.objects.aggregate(i=Sum("input_tokens"), o=Sum("output_tokens"))
    titles = Thread.objects.aggregate(
        i=Sum("title_gen_input_tokens"), o=Sum("title_gen_output_tokens")
    )
    return sum(v or 0 for v in (*messages.values(), *titles.values()))


@pytest.fixture
def two_servers(transactional_db, llm, settings):
    """Two uvicorn processes on one database (the test process only sends requests)."""
    # A pool as large as the burst each process receives (25 at once), as a deployment
    # sized for it would have: this test is about the caps, not about pool starvation.
    pool = {"DB_POOL_MAX_SIZE": "30"}
    with server_process(settings, **pool) as first, server_process(settings, **pool) as second:
        yield [first, second]


def test_site_budget_admits_exactly_what_it_has_room_for(site_budget, two_servers, llm):
    users = [UserFactory() for _ in range(REQUESTS)]
    statuses = Counter(fire(two_servers, users, llm))
    assert statuses == {200: ADMITTED, 429: REQUESTS - ADMITTED}
    assert Thread.objects.count() == ADMITTED
    assert GlobalBudget.objects.get(pk=1).daily_token_usage == real_usage()


def test_user_quota_admits_exactly_what_it_has_room_for(worst, two_servers, llm):
    user = UserFactory()
    TokenQuota.objects.create(user=user, daily_limit=ADMITTED * worst)
    statuses = Counter(fire(two_servers, [user], llm))
    assert statuses == {200: ADMITTED, 409: REQUESTS - ADMITTED}
    quota = TokenQuota.objects.get(user=user)
    assert quota.daily_usage == quota.monthly_usage == real_usage()
