"""The development LLM speaks the OpenAI wire format to the official SDK over real HTTP."""

from __future__ import annotations

import httpx
import openai
import pytest

from chat.devllm import DevLLMConfig, split_tokens
from tests.upstream import run_devllm


def test_streaming_completion_yields_chunks_and_a_final_usage_chunk(devllm):
    client = openai.OpenAI(base_url=devllm.base_url, api_key="k")
    stream = client.chat.completions.create(
        model="dev-model",
        messages=[{"role": "user", "content": "How do I resize a volume?"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert "How do I resize a volume?" in text
    assert len([c for c in chunks if c.choices and c.choices[0].delta.content]) > 5
    assert chunks[-1].choices == []
    assert chunks[-1].usage.completion_tokens == len(split_tokens(text))
    assert chunks[-1].usage.prompt_tokens > 0
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices]
    assert finishes[-1] == "stop"


def test_non_streaming_completion_and_max_tokens(devllm):
    client = openai.OpenAI(base_url=devllm.base_url, api_key="k")
    reply = client.chat.completions.create(
        model="dev-model", messages=[{"role": "user", "content": "hi"}], max_tokens=3
    )
    assert reply.choices[0].finish_reason == "length"
    assert reply.usage.completion_tokens == 3
    assert reply.choices[0].message.content.startswith("Development")


def test_scripted_reply_and_raw_sse_framing():
    with run_devllm(DevLLMConfig(reply="Hello there world")) as llm:
        body = httpx.post(
            f"{llm.base_url}/chat/completions",
            json={"model": "m", "messages": [{"role": "user", "content": "x"}], "stream": True},
        ).text
    events = [line for line in body.split("\n\n") if line]
    assert all(event.startswith("data: ") for event in events)
    assert events[-1] == "data: [DONE]"
    assert '"content":"Hello "' in body
    assert llm.app.requests[0]["model"] == "m"


def test_unknown_path_is_404(devllm):
    assert httpx.get(f"{devllm.base_url}/nothing").status_code == 404
    with pytest.raises(openai.NotFoundError):
        openai.OpenAI(base_url=devllm.base_url + "/nope", api_key="k").chat.completions.create(
            model="m", messages=[{"role": "user", "content": "x"}]
        )
