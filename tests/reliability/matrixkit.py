"""Shared setup of the reliability suite: recognisable secrets and a populated live server."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

from anonymous_chat.models import AnonymousChatInteraction
from chat.devllm import DevLLMConfig
from tests.anonymous_chat.publickit import public_post, public_stream
from tests.chat.streamkit import auth, post_stream

# Settings whose values must never reach a caller; each is recognisable in a response.
SECRET_SETTINGS = {
    "SECRET_KEY": "matrix-secret-key-4c1d7e9a2b",
    "AI_ASSISTANT_API_TOKEN": "sk-matrix-api-token-8e2f6a1c",
    "ANONYMOUS_CHAT_USER_SLUG_SALT": "matrix-slug-salt-3b9d5f7e",
    "ANONYMOUS_CHAT_FEEDBACK_TOKEN_SECRET": "matrix-feedback-secret-6a4c2e8d",
    "AI_ASSISTANT_SYSTEM_PROMPT_CUSTOM_INSTRUCTIONS": "matrix-custom-instructions-1f7b3d5a",
}
GITHUB_TOKEN = "ghp_4f9Xk2LmP8qR7sT1uV6wY3zA5bC0dE9gH2jK"
VISITOR_ADDRESS = "127.0.0.77"
SESSION_ID = "matrix-session-0001"
# Per-message detection fields: only staff and support receive them.
DETECTION_KEYS = {"severity", "injection_categories", "pii_categories", "action_taken"}


def apply_secret_settings(settings) -> None:
    for name, value in SECRET_SETTINGS.items():
        setattr(settings, name, value)
    settings.AI_ASSISTANT_ENABLED_ROLES = "anonymous"
    settings.ANONYMOUS_CHAT_FEEDBACK_PER_MINUTE = 0


@dataclass
class Populated:
    thread_uuid: str
    session_uuid: str
    user_message_uuid: str
    answer_uuid: str
    secret_thread_uuid: str
    prompt_uuid: str
    interaction_uuid: str
    feedback_token: str
    user_slug: str


def populate(base: str, llm, *, owner, staff) -> Populated:
    """Alice chats (once with a GitHub token), staff adds a prompt, a visitor chats and rates."""
    llm.app.config = DevLLMConfig(reply="Short answer.")
    turn = post_stream(base, owner, input="Hello, which storage do you offer?")
    assert turn.status == 200, turn.raw
    secret = post_stream(base, owner, input=f"Please use GITHUB_TOKEN={GITHUB_TOKEN} for me")
    assert secret.status == 200, secret.raw
    session = httpx.get(f"{base}/api/chat-sessions/current/", headers=auth(owner)).json()
    prompt = httpx.post(
        f"{base}/api/chat-system-prompts/",
        json={"name": "Matrix prompt", "description": "", "custom_instructions": "Be brief."},
        headers=auth(staff),
    )
    assert prompt.status_code == 201, prompt.text
    visit = public_stream(
        base, address=VISITOR_ADDRESS, input="Do you have GPUs?", session_id=SESSION_ID
    )
    assert visit.status == 200, visit.raw
    first = visit.frames[0]["m"]
    rated = public_post(
        base,
        "feedback",
        address=VISITOR_ADDRESS,
        interaction_uuid=first["interaction_uuid"],
        feedback_token=first["feedback_token"],
        score=1,
    )
    assert rated.status_code == 200, rated.text
    interaction = AnonymousChatInteraction.objects.get(uuid=first["interaction_uuid"])
    return Populated(
        thread_uuid=turn.meta["thread_uuid"],
        session_uuid=session["uuid"],
        user_message_uuid=turn.final["user_message_uuid"],
        answer_uuid=turn.final["assistant_message_uuid"],
        secret_thread_uuid=secret.meta["thread_uuid"],
        prompt_uuid=prompt.json()["uuid"],
        interaction_uuid=first["interaction_uuid"],
        feedback_token=first["feedback_token"],
        user_slug=interaction.user_slug,
    )


def json_keys(value: Any) -> set[str]:
    """Every key of every object nested in a JSON value."""
    if isinstance(value, dict):
        keys = set(value)
        for item in value.values():
            keys |= json_keys(item)
        return keys
    if isinstance(value, list):
        keys: set[str] = set()
        for item in value:
            keys |= json_keys(item)
        return keys
    return set()


def response_json(response: httpx.Response) -> Any:
    content_type = response.headers.get("content-type", "")
    if content_type.startswith("application/x-ndjson"):
        return [json.loads(line) for line in response.text.splitlines() if line.strip()]
    if content_type.startswith("application/json") and response.content:
        return response.json()
    return None
