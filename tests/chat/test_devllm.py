"""The development LLM speaks the OpenAI wire format to the official SDK over real HTTP."""

from __future__ import annotations

import time
from io import StringIO

import httpx
import openai
import pytest
from django.core.management import CommandError, call_command

from chat import prompts
from chat.devllm import DevLLMConfig, is_title_request, split_tokens, title_for
from chat.management.commands import devllm as devllm_command
from chat.models import Thread
from tests.chat.streamkit import post_stream
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


# --- titles --------------------------------------------------------------------------------


def title_request(client: openai.OpenAI, text: str, model: str = "dev-model") -> str:
    reply = client.chat.completions.create(
        model=model, messages=prompts.title_messages(text), max_tokens=24, temperature=0
    )
    return reply.choices[0].message.content


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("How do I resize a volume?", "Resize a volume"),
        ("Can you help me set up a Kubernetes cluster for my team?", "Set up a Kubernetes cluster"),
        ("Why is my VM slow after the upgrade to Ubuntu 24.04?", "VM slow after the upgrade"),
        ("tell me about compute", "Compute"),
        ("hello", "Hello"),
        ("???", "New conversation"),
    ],
)
def test_title_is_a_few_words_of_the_users_text(text, title):
    assert title_for(text) == title


def test_title_request_over_the_wire_gets_a_title_not_the_canned_answer(devllm):
    client = openai.OpenAI(base_url=devllm.base_url, api_key="k")
    assert title_request(client, "How do I resize a volume?") == "Resize a volume"
    # A scripted model still titles like a model: the script is for answers.
    assert title_request(client, "Show me some Python code", "reply-code") == "Python code"


def test_only_a_non_streamed_request_asking_for_a_title_is_one():
    title = prompts.title_messages("Resize my volume")
    other_system = [{"role": "system", "content": "Be brief."}, title[1]]
    assert is_title_request({"messages": title})
    assert not is_title_request({"messages": title, "stream": True})
    assert not is_title_request({"messages": other_system})
    assert not is_title_request({"messages": [title[1]]})


def test_a_judge_request_still_gets_its_scripted_verdict(devllm):
    client = openai.OpenAI(base_url=devllm.base_url, api_key="k")
    reply = client.chat.completions.create(
        model="reply-verdict",
        messages=[
            {"role": "system", "content": "Review this conversation; answer with JSON."},
            {"role": "user", "content": "TRANSCRIPT: ..."},
        ],
    )
    assert reply.choices[0].message.content.startswith('{"resolution_score": 4')


@pytest.mark.timeout(60)
def test_a_new_thread_through_the_server_is_titled_from_the_question(chat_server, user, llm):
    result = post_stream(chat_server, user, input="Can you help me resize a volume?")
    assert result.status == 200, result.raw
    thread = Thread.objects.get(uuid=result.frames[0]["m"]["thread_uuid"])
    assert thread.name == "Resize a volume"
    assert result.meta["thread_name"] == "Resize a volume"
    assert "You asked: Can you help me resize a volume?" in result.text


# --- pace ----------------------------------------------------------------------------------


def content_arrivals(base_url: str) -> tuple[float, list[float]]:
    """Seconds from the request to each content chunk of a streamed answer."""
    client = openai.OpenAI(base_url=base_url, api_key="k")
    started = time.monotonic()
    stream = client.chat.completions.create(
        model="dev-model", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    times = [
        time.monotonic() - started
        for chunk in stream
        if chunk.choices and chunk.choices[0].delta.content
    ]
    return started, times


def test_default_config_streams_without_waiting():
    assert DevLLMConfig().first_token_delay == DevLLMConfig().token_interval == 0
    with run_devllm() as llm:
        _, times = content_arrivals(llm.base_url)
    assert len(times) > 10
    assert times[-1] < 0.5


def test_a_paced_config_waits_before_the_first_token_and_between_tokens():
    with run_devllm(DevLLMConfig(first_token_delay=0.3, token_interval=0.04)) as llm:
        _, times = content_arrivals(llm.base_url)
    assert times[0] >= 0.3
    # On a fixed clock from the first token: the n-th arrives no earlier than n intervals on.
    assert times[-1] - times[0] >= 0.04 * (len(times) - 1) - 0.01


def test_devllm_command_passes_its_pace_on(monkeypatch):
    served = {}
    monkeypatch.setattr(
        devllm_command, "serve", lambda host, port, config: served.update(config=config)
    )
    call_command(
        "devllm", "--first-token-delay", "0.5", "--token-interval", "0.05", stdout=StringIO()
    )
    assert (served["config"].first_token_delay, served["config"].token_interval) == (0.5, 0.05)


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("-0.1", "must be 0 or more seconds, not '-0.1'"),
        ("nan", "must be 0 or more seconds, not 'nan'"),
        ("soon", "invalid seconds value: 'soon'"),
    ],
)
def test_devllm_command_refuses_a_pace_that_is_not_seconds(value, error):
    with pytest.raises(CommandError) as raised:
        call_command("devllm", "--token-interval", value, stdout=StringIO())
    assert str(raised.value) == f"Error: argument --token-interval: {error}"
