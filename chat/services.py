"""Writes for the signed-in chat history: sessions, archive, cancel, feedback and thread flags."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import AuditEvent, User
from accounts.services import audit_record
from chat.models import ChatSession, Message, Role, Thread, severity_rank
from chat.selectors import message_active
from chat.turns import cancel
from config.rest import DomainError
from moderation.types import Severity


def session_get_or_create(*, user: User) -> ChatSession:
    """The caller's one session; concurrent first calls converge on the same row."""
    try:
        session, _ = ChatSession.objects.get_or_create(user=user)
    except IntegrityError:  # lost a race outside get_or_create's own retry window
        session = ChatSession.objects.get(user=user)
    return session


def access_audit(*, actor: User, obj: ChatSession | Thread) -> None:
    """Record a staff or support read of someone else's session or thread."""
    owner_id = obj.user_id if isinstance(obj, ChatSession) else obj.chat_session.user_id
    if owner_id == actor.pk:
        return
    event = (
        AuditEvent.Type.CHAT_SESSION_ACCESSED
        if isinstance(obj, ChatSession)
        else AuditEvent.Type.CHAT_THREAD_ACCESSED
    )
    audit_record(actor=actor, event_type=event, target=obj, context={"owner_id": owner_id})


def thread_set_archived(*, thread: Thread, archived: bool) -> None:
    Thread.objects.filter(pk=thread.pk).update(is_archived=archived)


def thread_cancel(*, thread: Thread) -> None:
    """Ask the running answer of `thread` to stop; idempotent and safe to fire and forget.

    The row is the signal; the notification wakes the answer at once in whichever server
    process runs it (without it, only the periodic re-read would notice).
    """
    with transaction.atomic():
        Thread.objects.filter(pk=thread.pk).update(cancel_requested_at=timezone.now())
        cancel.publish(str(thread.uuid))


def thread_flags_recompute(*, thread: Thread) -> dict:
    """Derive `flags` from the thread's active messages, keeping unrelated keys.

    Recomputed whenever messages change, so an injection edited away no longer flags the thread.
    """
    flagged = message_active(Message.objects.filter(thread=thread, is_flagged=True))
    severities = list(flagged.values_list("severity", flat=True))
    worst = max(severities, key=severity_rank, default=Severity.NONE.value)
    flags = {**(thread.flags or {}), "is_flagged": bool(severities), "max_severity": str(worst)}
    Thread.objects.filter(pk=thread.pk).update(flags=flags)
    thread.flags = flags
    return flags


class FeedbackError(DomainError):
    default_code = "invalid_feedback"


@transaction.atomic
def message_feedback_submit(
    *, user: User, message: Message, score: bool, comment: str | None, category: str | None
) -> Message:
    """Store (or overwrite) the owner's vote on an assistant answer."""
    if message.role != Role.ASSISTANT:
        raise FeedbackError("Feedback can only be given on assistant messages.")
    message.feedback_score = score
    message.feedback_comment = comment
    message.feedback_category = None if score else category
    message.feedback_submitted_at = timezone.now()
    message.save(
        update_fields=[
            "feedback_score",
            "feedback_comment",
            "feedback_category",
            "feedback_submitted_at",
            "modified",
        ]
    )
    audit_record(
        actor=user,
        event_type=AuditEvent.Type.CHAT_FEEDBACK_SUBMITTED,
        target=message,
        context={
            "score": score,
            "category": message.feedback_category,
            "has_comment": bool(comment),
            "message_uuid": message.uuid.hex,
            "thread_uuid": message.thread.uuid.hex,
        },
    )
    return message
