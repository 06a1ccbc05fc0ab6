"""The completion requests' bodies and the parsing of a non-streamed completion (over HTTP)."""

from __future__ import annotations

import asyncio
import json

import openai
import pytest

from chat.turns import llm
from tests.upstream import serve_asgi


class Canned:
    """An OpenAI-compatible upstream answering every POST with a fixed status and body."""

    def __init__(self) -> None:
        self.status, self.body = 200, b"{}"
        self.requests: list[dict] = []

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.requests.append(json.loads(body))
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": self.body})


@pytest.fixture
def canned(settings):
    app = Canned()
    with serve_asgi(app, lifespan="off") as port:
        settings.AI_ASSISTANT_API_URL = f"http://127.0.0.1:{port}/v1"
        settings.AI_ASSISTANT_API_TOKEN = "test-key"
        settings.AI_ASSISTANT_MODEL = "canned-model"
        yield app


def complete(**kwargs):
    async def run():
        try:
            return await llm.complete_once([{"role": "user", "content": "Hi"}], **kwargs)
        finally:
            await llm.close_clients()

    return asyncio.run(run())


def test_options_never_replace_the_model_the_stream_flag_or_the_messages():
    options = {
        "temperature": 0.2,
        "extra_body": {"top_k": 20, "model": "other", "stream": False, "messages": []},
    }
    messages = [{"role": "user", "content": "Hi"}]
    body = llm.request_body(options, messages, model="m", stream=True)
    assert body == {
        "temperature": 0.2,
        "top_k": 20,
        "model": "m",
        "stream": True,
        "messages": messages,
    }
    assert options["extra_body"]["model"] == "other"  # the settings' dict is not changed


@pytest.mark.timeout(60)
def test_a_completion_gives_its_text_and_reported_usage(canned):
    canned.body = json.dumps(
        {
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "Fine."}}],
            "usage": {"prompt_tokens": 9, "completion_tokens": 2},
        }
    ).encode()
    text, usage = complete(max_tokens=5)
    assert text == "Fine."
    assert (usage.input_tokens, usage.output_tokens, usage.reported) == (9, 2, True)
    sent = canned.requests[-1]
    assert sent["model"] == "canned-model"
    assert sent["stream"] is False
    assert (sent["max_tokens"], sent["temperature"]) == (5, 0.0)
    assert sent["messages"] == [{"role": "user", "content": "Hi"}]


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "body",
    [
        {"choices": []},
        {"choices": [{"message": None}]},
        {"choices": [{"message": "text"}]},
        {"choices": [{"message": {"content": 5}}], "usage": None},
    ],
)
def test_a_completion_without_text_or_usage_is_empty_and_unreported(canned, body):
    canned.body = json.dumps(body).encode()
    text, usage = complete(max_tokens=5)
    assert text == ""
    assert not usage.reported


@pytest.mark.timeout(60)
@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'"text"'])
def test_a_body_that_is_not_a_completion_is_an_api_error(canned, body):
    canned.body = body
    with pytest.raises(llm.MalformedStream) as caught:
        complete(max_tokens=5)
    assert llm.error_kind(caught.value) == "api"


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("status", "kind"), [(401, "auth"), (429, "rate_limit"), (503, "unavailable")]
)
def test_status_errors_are_the_sdks_exceptions(canned, status, kind):
    canned.status, canned.body = status, b'{"error": {"message": "no"}}'
    with pytest.raises(openai.APIStatusError) as caught:
        complete(max_tokens=5)
    assert llm.error_kind(caught.value) == kind
