"""Signed-in chat: sessions, threads, messages, the LLM client and the streaming turn."""

from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chat"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings

        from moderation import conf

        conf.configure(
            injection_allowlist=tuple(settings.AI_ASSISTANT_INJECTION_ALLOWLIST),
            model_enabled=settings.MODERATION_MODEL_ENABLED,
            model_flag_threshold=settings.MODERATION_MODEL_FLAG_THRESHOLD,
            model_block_threshold=settings.MODERATION_MODEL_BLOCK_THRESHOLD,
        )
