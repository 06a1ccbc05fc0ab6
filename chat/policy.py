"""Moderation policy shared by signed-in and anonymous chat: what is stored, sent and shown.

One rule on every path: the LLM receives exactly the stored text, which is the verdict's
redacted text; medium-or-worse injections (and what answered them) never re-enter history.
"""

from __future__ import annotations

from chat.models import severity_rank
from moderation.types import Action, Severity, Verdict


def stored_text(verdict: Verdict) -> str:
    return verdict.redacted_text


def warning(verdict: Verdict) -> str | None:
    """The `w` frame text: personal-data warnings for redact, warn and credential blocks."""
    if verdict.user_message and verdict.action in (Action.WARN, Action.REDACT, Action.BLOCK):
        return verdict.user_message
    return None


def unsafe_for_history(severity: str, injection_categories: list[str] | None) -> bool:
    return bool(injection_categories) and severity_rank(severity) >= Severity.MEDIUM.rank


def detection_fields(verdict: Verdict) -> dict:
    return {
        "is_flagged": verdict.is_flagged,
        "severity": verdict.severity.value,
        "injection_categories": list(verdict.injection_categories),
        "pii_categories": list(verdict.pii_categories),
        "action_taken": verdict.action.value,
    }
