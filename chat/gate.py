"""The feature gate in front of the chat API: switch (424), role (403), LLM configured (409)."""

from __future__ import annotations

from django.conf import settings

from config.rest import FeatureDisabled, Forbidden, NotConfigured

ROLE_NOT_ALLOWED = "AI Assistant is not available for your role."


def role_allows(user, roles: str) -> bool:
    if roles in ("all", "anonymous"):
        return bool(user and user.is_authenticated)
    if roles == "staff":
        return bool(user and user.is_authenticated and user.is_staff)
    if roles == "staff_and_support":
        return bool(user and user.is_authenticated and (user.is_staff or user.is_support))
    return False


def llm_configured_gate() -> None:
    if settings.AI_ASSISTANT_UPSTREAMS:
        return  # validated when the settings loaded
    if not settings.AI_ASSISTANT_API_URL:
        raise NotConfigured("AI Assistant API URL is not configured.")
    if not settings.AI_ASSISTANT_API_TOKEN:
        raise NotConfigured("AI Assistant API token is not configured.")


def chat_feature_gate(request) -> None:
    """Refuse the signed-in chat API as the reference does, in the reference's order."""
    if not settings.AI_ASSISTANT_ENABLED:
        raise FeatureDisabled()
    roles = settings.AI_ASSISTANT_ENABLED_ROLES
    if roles == "disabled":
        raise Forbidden("AI Assistant is not available.", code="assistant_disabled")
    if not role_allows(request.user, roles):
        raise Forbidden(ROLE_NOT_ALLOWED, code="role_not_allowed")
    llm_configured_gate()
