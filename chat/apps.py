"""Signed-in chat: sessions, threads, messages, the LLM client and the streaming turn."""

from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chat"
    default_auto_field = "django.db.models.BigAutoField"
