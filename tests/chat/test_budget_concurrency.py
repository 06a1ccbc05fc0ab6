"""Caps hold exactly under 50 simultaneous turns spread over two server processes."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from django.db.models import Sum

from chat import prompts, turn
from chat.models import GlobalBudget, Message, Thread, TokenQuota
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
    # Answers start after 3 s, so no turn settles (and frees room) before all have asked.
    llm.app.config.first_token_delay = 3.0
    estimate = turn.worst_case(
        text=TEXT, history=[], system=prompts.system_prompt(None), new_thread=True
    )
    return sum(estimate.values())


@pytest.fixture
def site_budget(settings, worst):
    settings.AI_ASSISTANT_GLOBAL_DAILY_TOKEN_BUDGET = ADMITTED * worst


def fire(bases, users):
    def one(i):
        response = httpx.post(
            f"{bases[i % len(bases)]}/api/chat/stream/",
            json={"input": TEXT},
            headers=auth(users[i % len(users)]),
            timeout=120,
        )
        return response.status_code

    with ThreadPoolExecutor(max_workers=REQUESTS) as pool:
        return list(pool.map(one, range(REQUESTS)))


def real_usage() -> int:
    messages = Message.objects.aggregate(i=Sum("input_tokens"), o=Sum("output_tokens"))
    titles = Thread.objects.aggregate(
        i=Sum("title_gen_input_tokens"), o=Sum("title_gen_output_tokens")
    )
    return sum(v or 0 for v in (*messages.values(), *titles.values()))


@pytest.fixture
def two_servers(transactional_db, llm, settings):
    """Two uvicorn processes on one database (the test process only sends requests)."""
    with server_process(settings) as first, server_process(settings) as second:
        yield [first, second]


def test_site_budget_admits_exactly_what_it_has_room_for(site_budget, two_servers):
    users = [UserFactory() for _ in range(REQUESTS)]
    statuses = Counter(fire(two_servers, users))
    assert statuses == {200: ADMITTED, 429: REQUESTS - ADMITTED}
    assert Thread.objects.count() == ADMITTED
    assert GlobalBudget.objects.get(pk=1).daily_token_usage == real_usage()


def test_user_quota_admits_exactly_what_it_has_room_for(worst, two_servers):
    user = UserFactory()
    TokenQuota.objects.create(user=user, daily_limit=ADMITTED * worst)
    statuses = Counter(fire(two_servers, [user]))
    assert statuses == {200: ADMITTED, 409: REQUESTS - ADMITTED}
    quota = TokenQuota.objects.get(user=user)
    assert quota.daily_usage == quota.monthly_usage == real_usage()
