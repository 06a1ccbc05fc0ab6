"""factory_boy factories for users, sessions, threads and messages."""

from __future__ import annotations

import factory

from accounts.models import User
from accounts.services import token_create
from chat.models import ChatSession, Message, Role, Thread, markdown_blocks


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = factory.Sequence(lambda n: f"Last{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@mail.test")

    @factory.post_generation
    def token(self, create, extracted, **kwargs):
        """An API token for the user; its key (stored nowhere in clear) is kept on the object."""
        if create:
            self.api_key = token_create(user=self, name="test")


class ChatSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChatSession
        django_get_or_create = ("user",)

    user = factory.SubFactory(UserFactory)


class ThreadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Thread

    chat_session = factory.SubFactory(ChatSessionFactory)
    name = factory.Sequence(lambda n: f"Thread {n}")


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    thread = factory.SubFactory(ThreadFactory)
    role = Role.USER
    sequence_index = factory.Sequence(lambda n: n + 1)
    blocks = factory.LazyAttribute(lambda m: markdown_blocks(m.text_content))

    class Params:
        text_content = "Hello"
