"""POST /api/chat/stream/ over a live server and the development LLM: frames and persistence."""

from __future__ import annotations

import pytest

from chat.models import Message, Role, Thread
from tests.chat.helpers import add_turn, thread_for
from tests.chat.streamkit import post_stream

pytestmark = [pytest.mark.timeout(120)]


def test_new_thread_turn_streams_frames_in_order_and_stores_both_messages(chat_server, user, llm):
    result = post_stream(chat_server, user, input="How do I resize a volume?")
    assert result.status == 200, result.raw
    assert result.headers["content-type"] == "application/x-ndjson"
    assert result.headers["x-accel-buffering"] == "no"
    assert result.headers["cache-control"] == "no-cache"
    assert result.raw.endswith("\n")
    assert all(":" in line and ", " not in line[:3] for line in result.raw.splitlines())
    assert list(result.frames[0]) == ["m"]
    thread_uuid = result.frames[0]["m"]["thread_uuid"]
    assert "You asked: How do I resize a volume?" in result.text
    final = result.final
    assert final["finish_reason"] == "stop"
    assert final["output_tokens"] > 0
    assert final["input_tokens"] > 0
    thread = Thread.objects.get(uuid=thread_uuid)
    question, answer = thread.messages.order_by("sequence_index")
    assert (question.role, question.sequence_index, question.text) == (
        Role.USER,
        1,
        "How do I resize a volume?",
    )
    assert (answer.role, answer.sequence_index) == (Role.ASSISTANT, 2)
    assert str(question.uuid) == final["user_message_uuid"]
    assert str(answer.uuid) == final["assistant_message_uuid"]
    assert answer.text == result.text
    assert (answer.input_tokens, answer.output_tokens) == (
        final["input_tokens"],
        final["output_tokens"],
    )
    assert answer.finish_reason == "stop"
    assert answer.model == "dev-model"
    assert answer.blocks[0]["key"] == "markdown"
    assert answer.blocks[0]["status"] == "complete"
    assert thread.active_turn is None


def test_first_markdown_frame_is_sent_before_the_answer_is_complete(chat_server, user, llm):
    result = post_stream(chat_server, user, input="hello")
    markdown = [f for f in result.frames if f.get("k") == "markdown"]
    assert len(markdown) >= 2
    assert markdown[0]["c"] == "Development "


def test_second_turn_continues_the_sequence_and_sends_history(chat_server, user, llm):
    first = post_stream(chat_server, user, input="First question")
    thread_uuid = first.frames[0]["m"]["thread_uuid"]
    second = post_stream(chat_server, user, input="Second question", thread_uuid=thread_uuid)
    assert second.status == 200
    assert second.frames[0] == {"m": {"thread_uuid": thread_uuid}}
    indexes = list(
        Message.objects.filter(thread__uuid=thread_uuid)
        .order_by("sequence_index")
        .values_list("role", "sequence_index")
    )
    assert indexes == [("user", 1), ("assistant", 2), ("user", 3), ("assistant", 4)]
    sent = llm.app.requests[-1]["messages"]
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "user"]
    assert sent[1]["content"] == "First question"
    assert sent[-1]["content"] == "Second question"


def test_new_thread_gets_a_title_and_its_tokens(chat_server, user, llm):
    result = post_stream(chat_server, user, input="Resize my volume please")
    thread = Thread.objects.get(uuid=result.frames[0]["m"]["thread_uuid"])
    assert thread.name != "New chat"
    assert result.meta["thread_name"] == thread.name
    assert thread.title_gen_output_tokens > 0
    title_requests = [r for r in llm.app.requests if not r.get("stream")]
    assert len(title_requests) == 1
    # The answer's request goes out first; the title's waits until it has been answered.
    assert [bool(r.get("stream")) for r in llm.app.requests] == [True, False]
    assert title_requests[0]["temperature"] == 0
    assert title_requests[0]["max_tokens"] <= 24
    names = [i for i, f in enumerate(result.frames) if "thread_name" in f.get("m", {})]
    finals = [i for i, f in enumerate(result.frames) if "assistant_message_uuid" in f.get("m", {})]
    assert abs(names[0] - finals[0]) == 1
    assert names[0] == len(result.frames) - 1 or finals[0] == len(result.frames) - 1


def test_existing_thread_makes_no_title_call(chat_server, user, llm):
    thread = thread_for(user, name="Kept")
    result = post_stream(chat_server, user, input="More", thread_uuid=str(thread.uuid))
    assert result.status == 200
    assert all(r.get("stream") for r in llm.app.requests)
    thread.refresh_from_db()
    assert thread.name == "Kept"
    assert "thread_name" not in result.meta


def test_title_is_cleaned_of_quotes_and_cut_to_150(chat_server, user, llm):
    llm.app.config.reply = '"' + "Extraordinarily " * 30 + '"'
    result = post_stream(chat_server, user, input="hello")
    thread = Thread.objects.get(uuid=result.frames[0]["m"]["thread_uuid"])
    assert not thread.name.startswith('"')
    assert len(thread.name) == 150


def test_title_failure_keeps_new_chat_and_still_answers(chat_server, user, llm, settings):
    llm.app.config.reply = '""'
    result = post_stream(chat_server, user, input="hello")
    assert result.final["finish_reason"] == "stop"
    thread = Thread.objects.get(uuid=result.frames[0]["m"]["thread_uuid"])
    assert thread.name == "New chat"


def test_code_and_mermaid_fences_become_blocks(chat_server, user, llm, settings):
    settings.AI_ASSISTANT_MODEL = "reply-code"
    result = post_stream(chat_server, user, input="show code")
    kinds = [(f.get("k"), f.get("t")) for f in result.frames if "k" in f]
    assert ("load", "code") in kinds
    assert kinds.index(("load", "code")) < kinds.index(("code", "python"))
    code = next(f for f in result.frames if f.get("k") == "code")
    assert code["c"] == "print('hello')"
    answer = Message.objects.get(uuid=result.final["assistant_message_uuid"])
    assert [b["key"] for b in answer.blocks] == ["markdown", "code", "markdown"]
    assert answer.blocks[1]["tag"] == "python"
    settings.AI_ASSISTANT_MODEL = "reply-mermaid"
    result = post_stream(chat_server, user, input="show flow")
    assert {"k": "mermaid", "c": "graph TD\n  A-->B"} in result.frames


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "input"),
        ({"input": ""}, "input"),
        ({"input": "   "}, "input"),
        ({"input": "x" * 50_001}, "input"),
        ({"input": "x", "mode": "reload"}, "mode"),
        ({"input": "x", "mode": "sideways"}, "mode"),
        (
            {"input": "x", "mode": "edit", "thread_uuid": "5b3f0c2e-8d7a-4c1e-9f5a-2d6b8e4a1c3f"},
            "edit_message_uuid",
        ),
        (
            {"input": "x", "edit_message_uuid": "5b3f0c2e-8d7a-4c1e-9f5a-2d6b8e4a1c3f"},
            "edit_message_uuid",
        ),
        ({"input": "x", "thread_uuid": "nope"}, "thread_uuid"),
    ],
)
def test_invalid_requests_are_400_before_streaming(chat_server, user, llm, body, field):
    result = post_stream(chat_server, user, **body)
    assert result.status == 400, result.raw
    assert field in result.body
    assert not Message.objects.exists()
    assert not llm.app.requests


def test_input_of_exactly_50000_characters_is_accepted(chat_server, user, llm):
    assert post_stream(chat_server, user, input="word " * 10_000).status == 200


@pytest.mark.parametrize("owner", ["other", "nobody"])
def test_unknown_or_foreign_thread_is_404(chat_server, user, other_user, llm, owner):
    uuid = (
        thread_for(other_user).uuid if owner == "other" else "5b3f0c2e-8d7a-4c1e-9f5a-2d6b8e4a1c3f"
    )
    result = post_stream(chat_server, user, input="hi", thread_uuid=str(uuid))
    assert result.status == 404
    assert result.body["detail"] == "Thread not found."


def test_unauthenticated_is_401_and_gate_refusals_are_json(chat_server, user, llm, settings):
    assert post_stream(chat_server, None, input="hi").status == 401
    settings.AI_ASSISTANT_ENABLED = False
    disabled = post_stream(chat_server, user, input="hi")
    assert (disabled.status, disabled.body["detail"]) == (424, "Extension is disabled.")
    settings.AI_ASSISTANT_ENABLED = True
    settings.AI_ASSISTANT_API_URL = ""
    missing = post_stream(chat_server, user, input="hi")
    assert (missing.status, missing.body["detail"]) == (
        409,
        "AI Assistant API URL is not configured.",
    )


def test_form_encoded_body_is_accepted(chat_server, user, llm):
    import httpx

    response = httpx.post(
        f"{chat_server}/api/chat/stream/",
        data={"input": "form hello"},
        headers={"Authorization": f"Token {user.api_key}"},
        timeout=30,
    )
    assert response.status_code == 200
    assert "form hello" in response.text


def test_history_window_keeps_the_newest_messages(chat_server, user, llm, settings):
    settings.AI_ASSISTANT_HISTORY_LIMIT = 4
    thread = thread_for(user)
    for i in range(1, 6):
        add_turn(thread, f"question {i}", f"answer {i}")
    post_stream(chat_server, user, input="question 6", thread_uuid=str(thread.uuid))
    sent = llm.app.requests[-1]["messages"]
    assert [m["content"] for m in sent[1:]] == [
        "question 4",
        "answer 4",
        "question 5",
        "answer 5",
        "question 6",
    ]


def test_history_limit_zero_sends_no_history(chat_server, user, llm, settings):
    settings.AI_ASSISTANT_HISTORY_LIMIT = 0
    thread = thread_for(user)
    add_turn(thread)
    post_stream(chat_server, user, input="alone", thread_uuid=str(thread.uuid))
    assert [m["role"] for m in llm.app.requests[-1]["messages"]] == ["system", "user"]


def test_streams_beyond_the_process_cap_are_503_with_retry_after(chat_server, user, llm, settings):
    settings.AI_ASSISTANT_MAX_STREAMS = 0
    result = post_stream(chat_server, user, input="hello")
    assert result.status == 503
    assert result.body["code"] == "stream_capacity"
    assert result.headers["retry-after"] == "5"
    assert not Message.objects.exists()


def test_the_httpx_transport_streams_the_same_answer(chat_server, user, llm, settings):
    settings.AI_ASSISTANT_HTTP_TRANSPORT = "httpx"
    result = post_stream(chat_server, user, input="over httpx")
    assert result.final["finish_reason"] == "stop"
    assert "You asked: over httpx" in result.text
