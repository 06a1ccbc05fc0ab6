"""The Django admin names chat sessions, threads and messages in words, not by database id."""

from __future__ import annotations

import pytest
from django.test import Client

from chat.models import ChatSession, Message, Role
from tests.chat.helpers import add_turn, thread_for
from tests.factories import UserFactory


@pytest.fixture
def admin_client(db) -> Client:
    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def page_text(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_sessions_threads_and_messages_read_as_words(admin_client):
    alice = UserFactory(username="alice")
    question, answer = add_turn(thread_for(alice, name="GPU jobs"), "Which GPUs?", "A100.")
    session = ChatSession.objects.get(user=alice)
    assert str(session) == "Chat session of alice"
    assert str(question.thread) == "GPU jobs"
    assert str(question) == f"User message {question.sequence_index} in “GPU jobs”"
    assert str(answer) == f"Assistant message {answer.sequence_index} in “GPU jobs”"

    threads = page_text(admin_client, "/admin/chat/thread/")
    assert "Chat session of alice" in threads
    assert f"Chat session of {alice.pk}<" not in threads
    session_page = page_text(admin_client, f"/admin/chat/chatsession/{session.pk}/change/")
    assert "Chat session of alice" in session_page
    message_page = page_text(admin_client, f"/admin/chat/message/{answer.pk}/change/")
    assert f"Assistant message {answer.sequence_index} in “GPU jobs”" in message_page
    messages = page_text(admin_client, "/admin/chat/message/")
    assert messages.count(">GPU jobs<") == Message.objects.count() == 2


def test_a_thread_without_a_name_still_reads_as_one(db):
    thread = thread_for(UserFactory(username="bob"), name="")
    message = Message.objects.create(thread=thread, role=Role.USER, sequence_index=1)
    assert str(thread) == "Untitled thread"
    assert str(message) == "User message 1 in “Untitled thread”"
