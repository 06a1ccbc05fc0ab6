"""Upstream failures: the client gets an `e` frame, the question and any partial answer stay."""

from __future__ import annotations

import pytest

from chat.devllm import split_tokens
from chat.models import Message, TokenQuota
from chat.turns.llm import ERROR_MESSAGES
from tests.chat.streamkit import post_stream
from tests.upstream import free_port

pytestmark = [pytest.mark.timeout(120)]


@pytest.fixture
def short_timeouts(settings):
    settings.AI_ASSISTANT_FIRST_TOKEN_TIMEOUT_SECONDS = 1.0
    settings.AI_ASSISTANT_STREAM_IDLE_TIMEOUT_SECONDS = 1.0


@pytest.mark.parametrize(
    ("model", "message", "finish", "partial"),
    [
        ("fault-401", ERROR_MESSAGES["auth"], "error", False),
        ("fault-404", ERROR_MESSAGES["not_found"], "error", False),
        ("fault-429", ERROR_MESSAGES["rate_limit"], "error", False),
        ("fault-500", ERROR_MESSAGES["unavailable"], "error", False),
        ("fault-slow-first", ERROR_MESSAGES["timeout"], "timeout", False),
        ("fault-stall", ERROR_MESSAGES["timeout"], "timeout", True),
        ("fault-malformed", None, "error", True),
        ("fault-cut", None, "error", True),
        ("fault-empty", ERROR_MESSAGES["empty"], "error", False),
        ("fault-usage-only", ERROR_MESSAGES["empty"], "error", False),
    ],
)
@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
def test_upstream_fault_gives_an_error_frame_and_keeps_what_was_generated(
    chat_server, user, llm, settings, short_timeouts, model, message, finish, partial, transport
):
    settings.AI_ASSISTANT_HTTP_TRANSPORT = transport
    settings.AI_ASSISTANT_MODEL = model
    result = post_stream(chat_server, user, input="Tell me about volumes")
    assert result.status == 200, result.raw
    errors = result.of("e")
    assert len(errors) == 1, result.frames
    if message:
        assert errors[0] == message
    assert result.final["finish_reason"] == finish
    question = Message.objects.get(uuid=result.final["user_message_uuid"])
    answer = Message.objects.get(uuid=result.final["assistant_message_uuid"])
    assert question.text == "Tell me about volumes"
    assert answer.finish_reason == finish
    if partial:
        assert answer.text.startswith("Development model here.")
        assert answer.text == result.text
    else:
        assert answer.blocks == []
    keys = [next(iter(f)) for f in result.frames]
    assert keys.index("e") < len(keys) - 1  # the final metadata frame still follows
    assert_settled(answer)


def assert_settled(answer):
    """The reservation was replaced by what the turn really spent (answer and title)."""
    thread = answer.thread
    spent = (answer.input_tokens or 0) + (answer.output_tokens or 0)
    spent += (thread.title_gen_input_tokens or 0) + (thread.title_gen_output_tokens or 0)
    quota = TokenQuota.objects.get(user=thread.chat_session.user)
    assert quota.daily_usage == spent


def test_connection_refused_is_an_error_frame(chat_server, user, llm, settings):
    settings.AI_ASSISTANT_API_URL = f"http://127.0.0.1:{free_port()}/v1"
    result = post_stream(chat_server, user, input="hello")
    assert result.of("e") == [ERROR_MESSAGES["connection"]]
    assert result.final["finish_reason"] == "error"
    assert Message.objects.filter(role="user").count() == 1


def test_usage_is_stored_from_the_usage_chunk(chat_server, user, llm):
    result = post_stream(chat_server, user, input="hello")
    answer = Message.objects.get(uuid=result.final["assistant_message_uuid"])
    completion = [r for r in llm.app.requests if r.get("stream")][-1]
    assert completion["stream_options"] == {"include_usage": True}
    assert answer.output_tokens == len(split_tokens(result.text))
    assert result.final["output_tokens"] == answer.output_tokens
