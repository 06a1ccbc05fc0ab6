"""Public chat for visitors without an account: identity, budgets, interactions, analytics."""

from django.apps import AppConfig


class AnonymousChatConfig(AppConfig):
    name = "anonymous_chat"
    default_auto_field = "django.db.models.BigAutoField"
