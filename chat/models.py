"""Signed-in chat storage: one session per user, threads, and messages with edit/reload history."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from moderation.types import Severity


class Role(models.TextChoices):
    USER = "user"
    ASSISTANT = "assistant"


# Moderation's one Severity enum, as the choices of the stored detection fields.
SEVERITY_CHOICES = [(severity.value, severity.value.capitalize()) for severity in Severity]


def severity_rank(value: str) -> int:
    """The rank of a stored severity (0 = none ... 4 = critical); unknown values rank 0."""
    try:
        return Severity(value).rank
    except ValueError:
        return 0


class ActionTaken(models.TextChoices):
    ALLOW = "allow"
    FLAG = "flag"
    WARN = "warn"
    REDACT = "redact"
    BLOCK = "block"


class Mode(models.TextChoices):
    """What a turn on an existing thread does instead of adding a message."""

    EDIT = "edit"
    RELOAD = "reload"


class FinishReason(models.TextChoices):
    """Why an answer ended (stored on the answer and sent in the final frame)."""

    STOP = "stop"
    LENGTH = "length"  # the answer reached its max_tokens
    ERROR = "error"
    TIMEOUT = "timeout"
    CANCELLED = "cancelled"  # the user cancelled, or a newer turn superseded it
    INTERRUPTED = "interrupted"  # the client left (when configured so) or the server shut down
    REJECTED = "rejected"  # a public input that moderation blocked


class FeedbackCategory(models.TextChoices):
    INACCURATE = "inaccurate"
    INCOMPLETE = "incomplete"
    MISUNDERSTOOD = "misunderstood"
    SLOW_OR_FAILED = "slow_or_failed"
    OTHER = "other"


class BlockKey(models.TextChoices):
    """The eight block keys the client parses strictly."""

    ASK_USER_FORM = "ask_user_form"
    CODE = "code"
    HOMEPORT_NAV = "homeport_nav"
    MARKDOWN = "markdown"
    MERMAID = "mermaid"
    RESOURCE_LIST = "resource_list"
    TOOL = "tool"
    VM_ORDER = "vm_order"


class ChatSession(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_session"
    )
    created = models.DateTimeField(default=timezone.now, editable=False)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created", "-id")

    def __str__(self) -> str:
        return f"Chat session of {self.user.username}"


class Thread(models.Model):
    """A conversation. `flags` mirrors the detection state of the active messages."""

    DEFAULT_NAME = "New chat"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    chat_session = models.ForeignKey(ChatSession, on_delete=models.CASCADE, related_name="threads")
    name = models.CharField(max_length=150, default=DEFAULT_NAME)
    flags = models.JSONField(default=dict, blank=True)
    is_archived = models.BooleanField(default=False)
    cancel_requested_at = models.DateTimeField(null=True, blank=True)
    # The assistant message uuid of the turn now generating; a newer turn supersedes it.
    active_turn = models.UUIDField(null=True, blank=True, editable=False)
    title_gen_input_tokens = models.PositiveIntegerField(null=True, blank=True)
    title_gen_output_tokens = models.PositiveIntegerField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    # Last activity: bumped by every new message, not by archiving; retention keys on it.
    modified = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ("-created", "-id")
        db_table = "chat_thread"

    def __str__(self) -> str:
        return self.name or "Untitled thread"

    @property
    def is_flagged(self) -> bool:
        return bool(self.flags.get("is_flagged", False))

    @property
    def max_severity(self) -> str:
        return self.flags.get("max_severity") or Severity.NONE.value


class Message(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    role = models.CharField(max_length=10, choices=Role.choices)
    blocks = models.JSONField(default=list, blank=True)
    search_text = models.TextField(blank=True, default="")
    warning = models.TextField(blank=True, default="")
    sequence_index = models.PositiveIntegerField()
    replaces = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replaced_by"
    )
    input_tokens = models.PositiveIntegerField(null=True, blank=True)
    output_tokens = models.PositiveIntegerField(null=True, blank=True)
    model = models.CharField(max_length=150, blank=True, default="", db_index=True)
    finish_reason = models.CharField(max_length=16, blank=True, default="")

    is_flagged = models.BooleanField(default=False, db_index=True)
    severity = models.CharField(
        max_length=10, choices=SEVERITY_CHOICES, default=Severity.NONE.value, db_index=True
    )
    injection_categories = models.JSONField(default=list, blank=True)
    pii_categories = models.JSONField(default=list, blank=True)
    action_taken = models.CharField(
        max_length=10, choices=ActionTaken.choices, default=ActionTaken.ALLOW, db_index=True
    )

    feedback_score = models.BooleanField(null=True, blank=True)
    feedback_comment = models.TextField(null=True, blank=True)
    feedback_category = models.CharField(
        max_length=32, choices=FeedbackCategory.choices, null=True, blank=True
    )
    feedback_submitted_at = models.DateTimeField(null=True, blank=True)

    created = models.DateTimeField(default=timezone.now, editable=False)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("sequence_index", "id")
        db_table = "chat_message"
        constraints = [
            # Originals are unique per position; a replacement shares its original's position.
            models.UniqueConstraint(
                fields=("thread", "sequence_index"),
                condition=Q(replaces__isnull=True),
                name="chat_message_unique_active_position",
            )
        ]
        indexes = [
            models.Index(
                fields=("feedback_score",),
                condition=Q(feedback_score__isnull=False),
                name="chat_message_feedback_idx",
            ),
            models.Index(fields=("thread", "sequence_index"), name="chat_message_thread_seq_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} message {self.sequence_index} in “{self.thread}”"

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "blocks" in update_fields:
            self.search_text = blocks_to_text(self.blocks)
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)

    @property
    def text(self) -> str:
        return blocks_to_text(self.blocks)


def blocks_to_text(blocks: list) -> str:
    """The plain text of stored blocks: what search and the LLM history see."""
    parts: list[str] = []
    for block in blocks or []:
        if not isinstance(block, dict):
            continue
        content = block.get("content")
        if isinstance(content, str) and content:
            parts.append(content)
    return "\n".join(parts)


def markdown_blocks(text: str) -> list[dict]:
    """A user message as stored: one complete markdown block."""
    return [{"id": "blk_0", "key": BlockKey.MARKDOWN.value, "status": "complete", "content": text}]


def _epoch() -> dt.datetime:
    """Start of a counter that has never counted: older than any current period."""
    return dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


class TokenQuota(models.Model):
    """Per-user token limits and usage, in UTC calendar periods.

    A limit of null means the system default, -1 unlimited. Usage includes reservations of
    turns still running; `*_start` is the start of the period the usage belongs to (a counter
    whose start is older than the current period counts as zero).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="token_quota"
    )
    daily_limit = models.BigIntegerField(null=True, blank=True)
    weekly_limit = models.BigIntegerField(null=True, blank=True)
    monthly_limit = models.BigIntegerField(null=True, blank=True)
    daily_usage = models.BigIntegerField(default=0)
    weekly_usage = models.BigIntegerField(default=0)
    monthly_usage = models.BigIntegerField(default=0)
    daily_start = models.DateTimeField(default=_epoch)
    weekly_start = models.DateTimeField(default=_epoch)
    monthly_start = models.DateTimeField(default=_epoch)
    minute_requests = models.IntegerField(default=0)
    minute_start = models.DateTimeField(default=_epoch)
    created = models.DateTimeField(default=timezone.now, editable=False)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(daily_limit__gte=-1) | Q(daily_limit__isnull=True),
                name="token_quota_daily_limit_valid",
            ),
            models.CheckConstraint(
                condition=Q(weekly_limit__gte=-1) | Q(weekly_limit__isnull=True),
                name="token_quota_weekly_limit_valid",
            ),
            models.CheckConstraint(
                condition=Q(monthly_limit__gte=-1) | Q(monthly_limit__isnull=True),
                name="token_quota_monthly_limit_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Token quota of {self.user_id}"


class GlobalBudget(models.Model):
    """The site-wide singleton shared by signed-in and anonymous traffic (pk is always 1)."""

    daily_token_usage = models.BigIntegerField(default=0)
    daily_start = models.DateTimeField(default=_epoch)
    daily_requests = models.BigIntegerField(default=0)
    daily_requests_start = models.DateTimeField(default=_epoch)
    minute_requests = models.IntegerField(default=0)
    minute_start = models.DateTimeField(default=_epoch)
    anonymous_minute_requests = models.IntegerField(default=0)
    anonymous_minute_start = models.DateTimeField(default=_epoch)
    modified = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return "Global assistant budget"


class SystemPrompt(models.Model):
    """Staff-managed custom instructions; at most one is active (a database constraint)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=150)
    description = models.CharField(max_length=4096, blank=True, default="")
    custom_instructions = models.TextField(blank=True, default="")
    is_active = models.BooleanField(default=False)
    created = models.DateTimeField(default=timezone.now, editable=False)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=("is_active",),
                condition=Q(is_active=True),
                name="system_prompt_single_active",
            )
        ]

    def __str__(self) -> str:
        return self.name


class StreamLog(models.Model):
    """The NDJSON lines of one answer, for clients that re-attach to it (resume) from any
    process: kept current while one asks for them, written whole when the answer ends."""

    turn = models.UUIDField(primary_key=True)  # the answer's uuid, or the public interaction's
    lines = models.TextField(blank=True, default="")
    count = models.PositiveIntegerField(default=0)
    ended = models.BooleanField(default=False)
    modified = models.DateTimeField(auto_now=True, db_index=True)

    def __str__(self) -> str:
        return f"Stream of {self.turn} ({self.count} lines{', ended' if self.ended else ''})"
