"""GET /api/chat-threads/{uuid}/export/?format=json|markdown: the owner's conversation to take
away (staff and support too, audited), text as stored."""

from __future__ import annotations

import uuid

import pytest

from accounts.models import AuditEvent
from chat.models import Role
from tests.chat.helpers import add_message, add_turn, thread_for
from tests.conftest import client_for


@pytest.fixture
def conversation(user):
    """Two turns; the first question was edited (the original and its answer are replaced)."""
    thread = thread_for(user, name="Quota questions")
    old_question, old_answer = add_turn(thread, "Old question", "Old answer", model="m-1")
    add_message(thread, Role.USER, "What is my quota?", replaces=old_question, sequence_index=3)
    add_message(
        thread,
        Role.ASSISTANT,
        "It is **1000** tokens a day.",
        replaces=old_answer,
        sequence_index=4,
        model="m-1",
        input_tokens=30,
        output_tokens=9,
        finish_reason="stop",
    )
    add_message(thread, Role.USER, "My mail is [EMAIL], remember it", warning="Redacted: email")
    add_message(
        thread,
        Role.ASSISTANT,
        "Noted.",
        model="m-2",
        input_tokens=50,
        output_tokens=2,
        finish_reason="length",
        feedback_score=True,
    )
    return thread


def export(client, thread, **params):
    return client.get(f"/api/chat-threads/{thread.uuid}/export/", params)


def test_the_json_export_holds_the_active_conversation_with_its_figures(api, conversation):
    response = export(api, conversation, format="json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == (
        f'attachment; filename="chat-{conversation.uuid}.json"'
    )
    document = response.json()
    assert document["format"] == "chat-thread-export/1"
    assert document["thread"]["uuid"] == str(conversation.uuid)
    assert document["thread"]["name"] == "Quota questions"
    assert (document["models"], document["input_tokens"], document["output_tokens"]) == (
        ["m-1", "m-2"],
        80,
        11,
    )
    messages = document["messages"]
    assert [(m["role"], m["text"]) for m in messages] == [
        ("user", "What is my quota?"),
        ("assistant", "It is **1000** tokens a day."),
        ("user", "My mail is [EMAIL], remember it"),  # as stored: redacted
        ("assistant", "Noted."),
    ]
    last = messages[-1]
    assert (last["model"], last["input_tokens"], last["output_tokens"]) == ("m-2", 50, 2)
    assert (last["finish_reason"], last["feedback_score"]) == ("length", True)
    assert messages[2]["warning"] == "Redacted: email"
    assert all(m["created"] for m in messages)
    assert not {"severity", "injection_categories", "pii_categories"} & set(last)


def test_the_markdown_export_reads_as_the_conversation(api, conversation):
    response = export(api, conversation, format="markdown")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Disposition"].endswith(f'chat-{conversation.uuid}.md"')
    text = response.content.decode()
    assert text.startswith("# Quota questions\n")
    assert "- Models: m-1, m-2" in text
    assert "- Tokens: 80 in, 11 out" in text
    assert "Old question" not in text
    assert "Old answer" not in text
    assert text.index("What is my quota?") < text.index("It is **1000** tokens a day.")
    assert "m-2 · 50 in / 2 out · ended: length" in text
    assert "> Redacted: email" in text


def test_markdown_is_also_given_to_an_accept_header(api, conversation):
    response = api.get(
        f"/api/chat-threads/{conversation.uuid}/export/", HTTP_ACCEPT="text/markdown"
    )
    assert response.status_code == 200
    assert response.content.decode().startswith("# Quota questions")


def test_json_is_the_default(api, conversation):
    response = export(api, conversation)
    assert response.json()["thread"]["uuid"] == str(conversation.uuid)


@pytest.mark.parametrize("fmt", ["pdf", "", "MARKDOWN"])
def test_an_unknown_format_is_400(api, conversation, fmt):
    response = export(api, conversation, format=fmt)
    assert response.status_code == 400
    assert list(response.json()) == ["format"]


def test_another_user_gets_404_and_staff_reads_are_audited(
    conversation, other_user, staff, anon_api
):
    assert export(client_for(other_user), conversation).status_code == 404
    missing = client_for(other_user).get(f"/api/chat-threads/{uuid.uuid4()}/export/")
    assert missing.status_code == 404
    assert export(anon_api, conversation).status_code == 401
    assert not AuditEvent.objects.exists()
    response = export(client_for(staff), conversation, format="markdown")
    assert response.status_code == 200
    event = AuditEvent.objects.get(event_type="chat_thread_accessed")
    assert event.actor == staff


def test_the_owners_export_is_not_audited(api, conversation):
    assert export(api, conversation).status_code == 200
    assert not AuditEvent.objects.exists()


def test_the_format_parameter_wins_over_the_accept_header(api, conversation):
    response = api.get(
        f"/api/chat-threads/{conversation.uuid}/export/",
        {"format": "markdown"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"


def test_an_error_is_json_whatever_the_format_asked(conversation, other_user):
    response = export(client_for(other_user), conversation, format="markdown")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}
