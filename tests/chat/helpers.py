"""Builders for threads with messages, shared by the chat tests."""

from __future__ import annotations

from chat.models import Message, Role, Thread, markdown_blocks
from tests.factories import ChatSessionFactory, ThreadFactory


def thread_for(user, **kwargs) -> Thread:
    return ThreadFactory(chat_session=ChatSessionFactory(user=user), **kwargs)


def add_message(thread: Thread, role: str = Role.USER, text: str = "Hello", **kwargs) -> Message:
    if "sequence_index" not in kwargs:
        last = thread.messages.order_by("-sequence_index").first()
        kwargs["sequence_index"] = (last.sequence_index if last else 0) + 1
    return Message.objects.create(thread=thread, role=role, blocks=markdown_blocks(text), **kwargs)


def add_turn(thread: Thread, question: str = "Q", answer: str = "A", **assistant) -> tuple:
    return add_message(thread, Role.USER, question), add_message(
        thread, Role.ASSISTANT, answer, **assistant
    )
