"""Reads of the public chat for the visitor's own pages: their session and its turns."""

from __future__ import annotations

from anonymous_chat.identity import Caller
from anonymous_chat.models import AnonymousChatInteraction, SessionBinding

TRANSCRIPT_LIMIT = 100  # the newest turns a reloaded widget shows


def session_owned(*, session_id: str, caller: Caller) -> bool:
    """Whether this caller's network owns the session id (it used it first)."""
    return SessionBinding.objects.filter(session_id=session_id, caller_key=caller.key).exists()


def session_turns(*, session_id: str):
    """The session's answered or answering turns; a blocked input is never shown back."""
    return AnonymousChatInteraction.objects.filter(session_id=session_id).exclude(
        action_taken="block"
    )


def session_transcript(*, session_id: str) -> list[AnonymousChatInteraction]:
    """The newest TRANSCRIPT_LIMIT turns of the session, oldest first."""
    turns = session_turns(session_id=session_id).select_related("feedback")
    newest = turns.order_by("-created", "-id")[:TRANSCRIPT_LIMIT]
    return list(reversed(newest))


def session_resumable_answer(*, session_id: str) -> tuple[str | None, bool]:
    """The session's latest answer, and whether it is still being written."""
    latest = (
        session_turns(session_id=session_id)
        .order_by("-created", "-id")
        .values("uuid", "finish_reason")
        .first()
    )
    if latest is None:
        return None, False
    return str(latest["uuid"]), latest["finish_reason"] == ""
