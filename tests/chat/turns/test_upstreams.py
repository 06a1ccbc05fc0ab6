"""Several LLM upstreams: a turn moves to the next one before any text, never after; a failing
one rests for a cool-down; the final frame and the stored answer name the model that answered;
/api/ready/ tells a load balancer whether any upstream is healthy."""

from __future__ import annotations

import httpx
import pytest

from chat.models import Message
from chat.turns import upstreams
from tests.chat.streamkit import post_stream
from tests.upstream import free_port, run_devllm

pytestmark = [pytest.mark.timeout(180)]


@pytest.fixture(autouse=True)
def _fresh_health():
    upstreams.health.reset()
    yield
    upstreams.health.reset()


@pytest.fixture
def second_llm():
    """Another development LLM, on a port of its own."""
    with run_devllm() as server:
        yield server


def entry(llm_server, model: str, **extra) -> dict:
    return {"base_url": llm_server.base_url, "api_key": "k", "model": model, **extra}


def dead(name: str = "down") -> dict:
    """An upstream that refuses connections (nothing listens on the port)."""
    url = f"http://127.0.0.1:{free_port()}/v1"
    return {"name": name, "base_url": url, "api_key": "k", "model": "lost"}


def streamed(requests: list[dict]) -> list[str]:
    return [r["model"] for r in requests if r.get("stream")]


def test_every_turn_completes_on_the_next_upstream_when_the_first_is_down(
    chat_server, user, llm, second_llm, settings
):
    settings.AI_ASSISTANT_UPSTREAMS = [dead(), entry(second_llm, "dev-model", name="backup")]
    for question in ("First question", "Second question", "Third question"):
        result = post_stream(chat_server, user, input=question)
        assert result.status == 200, result.raw
        assert result.final["finish_reason"] == "stop"
        assert result.final["model"] == "dev-model"
        assert not result.of("e")
    answer = Message.objects.get(uuid=result.final["assistant_message_uuid"])
    assert answer.model == "dev-model"
    assert len(streamed(second_llm.app.requests)) == 3


@pytest.mark.parametrize(
    ("model", "extra"),
    [
        ("fault-500", {}),
        ("fault-429", {}),
        ("fault-slow-first", {"first_token_timeout": 0.5}),  # no first token in time
    ],
)
def test_a_failure_before_the_first_token_moves_to_the_next_upstream(
    chat_server, user, llm, second_llm, settings, model, extra
):
    settings.AI_ASSISTANT_UPSTREAMS = [
        entry(llm, model, name="broken", **extra),
        entry(second_llm, "reply-code", name="backup"),
    ]
    result = post_stream(chat_server, user, input="Show me some code")
    assert result.status == 200, result.raw
    assert (result.final["finish_reason"], result.final["model"]) == ("stop", "reply-code")
    assert "print('hello')" in "".join(f.get("c", "") for f in result.frames)
    assert streamed(llm.app.requests) == [model]
    # The broken one rests: the next turn goes straight to the backup.
    again = post_stream(chat_server, user, input="And again")
    assert again.final["model"] == "reply-code"
    assert streamed(llm.app.requests) == [model]


def test_a_failure_after_text_is_the_turns_error_not_a_second_answer(
    chat_server, user, llm, second_llm, settings
):
    settings.AI_ASSISTANT_UPSTREAMS = [
        entry(llm, "fault-cut", name="cuts"),
        entry(second_llm, "dev-model", name="backup"),
    ]
    result = post_stream(chat_server, user, input="Tell me everything")
    assert result.status == 200, result.raw
    assert result.final["finish_reason"] == "error"
    assert result.of("e")
    assert streamed(second_llm.app.requests) == []  # no mixed answer


def test_a_client_error_is_not_retried_elsewhere(chat_server, user, llm, second_llm, settings):
    settings.AI_ASSISTANT_UPSTREAMS = [
        entry(llm, "fault-401", name="misconfigured"),
        entry(second_llm, "dev-model", name="backup"),
    ]
    result = post_stream(chat_server, user, input="Hello")
    assert result.final["finish_reason"] == "error"
    assert streamed(second_llm.app.requests) == []


def test_weights_spread_first_attempts_over_healthy_upstreams(settings, llm, second_llm):
    settings.AI_ASSISTANT_UPSTREAMS = [
        entry(llm, "a", name="a", weight=1),
        entry(second_llm, "b", name="b", weight=3),
        entry(second_llm, "c", name="c", weight=0),
    ]
    configured = upstreams.configured()
    firsts = [upstreams.health.attempts(configured)[0].name for _ in range(2000)]
    assert firsts.count("c") == 0  # weight 0: a fallback only
    assert 0.65 < firsts.count("b") / len(firsts) < 0.85
    upstreams.health.failed(configured[0])
    order = [u.name for u in upstreams.health.attempts(configured)]
    assert order[-1] == "a"  # cooling: tried last
    assert set(order) == {"a", "b", "c"}


def test_readiness_says_whether_any_upstream_is_healthy(chat_server, settings, llm):
    settings.AI_ASSISTANT_UPSTREAMS = [dead("one"), dead("two")]
    ready = httpx.get(f"{chat_server}/api/ready/")
    assert ready.status_code == 200, ready.text
    assert ready.json() == {
        "status": "ok",
        "database": "ok",
        "llm_upstreams": {"one": "healthy", "two": "healthy"},
    }
    for upstream in upstreams.configured():
        upstreams.health.failed(upstream)
    down = httpx.get(f"{chat_server}/api/ready/")
    assert down.status_code == 503
    assert down.json()["llm_upstreams"] == {"one": "cooling down", "two": "cooling down"}
    assert httpx.get(f"{chat_server}/api/health/").status_code == 200  # stays cheap
