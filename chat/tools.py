"""The chat tool registry and its executor (POST /api/chat-tools/execute/).

Tools are small, read-only functions of the caller. Each declares the roles that may run it;
arguments are moderated like messages before a tool sees them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone

from accounts.models import AuditEvent, User
from accounts.services import audit_record
from chat.models import Thread
from config.rest import DomainError, Forbidden
from moderation.service import scan
from moderation.types import Severity

BLOCKED_ARGUMENTS = "Unable to process this request. Please try rephrasing."


class UnknownTool(DomainError):
    default_code = "unknown_tool"


class ToolRejected(DomainError):
    status_code = 422
    default_code = "tool_rejected"


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    roles: frozenset[str]  # "user", "support", "staff"
    run: Callable[[User, dict[str, Any]], dict[str, Any]]


def role_of(user: User) -> set[str]:
    roles = {"user"}
    if user.is_support:
        roles.add("support")
    if user.is_staff:
        roles.add("staff")
    return roles


def _current_time(user: User, arguments: dict[str, Any]) -> dict[str, Any]:
    return {"utc": timezone.now().isoformat()}


def _my_threads(user: User, arguments: dict[str, Any]) -> dict[str, Any]:
    threads = Thread.objects.filter(chat_session__user=user)
    return {"threads": threads.count(), "archived": threads.filter(is_archived=True).count()}


def _assistant_configuration(user: User, arguments: dict[str, Any]) -> dict[str, Any]:
    return {
        "model": settings.AI_ASSISTANT_MODEL,
        "history_limit": settings.AI_ASSISTANT_HISTORY_LIMIT,
        "max_tokens": settings.AI_ASSISTANT_MAX_TOKENS,
    }


REGISTRY: dict[str, Tool] = {
    tool.name: tool
    for tool in (
        Tool("current_time", "The current UTC time.", frozenset({"user"}), _current_time),
        Tool("my_threads", "How many chat threads you have.", frozenset({"user"}), _my_threads),
        Tool(
            "assistant_configuration",
            "The model and limits in force (staff).",
            frozenset({"staff"}),
            _assistant_configuration,
        ),
    )
}


def arguments_text(arguments: dict[str, Any]) -> str:
    """The argument values as one text for moderation (strings as they are, others as JSON)."""
    parts = [v if isinstance(v, str) else json.dumps(v, default=str) for v in arguments.values()]
    return " ".join(parts)


def tool_execute(*, user: User, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    tool = REGISTRY.get(name)
    if tool is None:
        raise UnknownTool(f"Unknown tool: {name}.")
    if not tool.roles & role_of(user):
        raise Forbidden("This tool is not available for your role.", code="tool_not_allowed")
    verdict = scan(arguments_text(arguments))
    if verdict.blocked:
        if verdict.injection_severity >= Severity.HIGH:
            event = AuditEvent.Type.CHAT_INJECTION_DETECTED
        else:
            event = AuditEvent.Type.CHAT_PII_DETECTED
        audit_record(
            actor=user,
            event_type=event,
            context={
                "tool": name,
                "categories": [*verdict.injection_categories, *verdict.pii_categories],
            },
        )
        raise ToolRejected(BLOCKED_ARGUMENTS)
    return tool.run(user, arguments)
