"""Anonymous chat storage. No raw IP address is stored unless the operator opts in.

Callers are known by `caller_key`, a keyed hash (HMAC) of their IP bucket, and to staff by
`user_slug`, a scrypt pseudonym of the same bucket.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import models
from django.utils import timezone


def _epoch() -> dt.datetime:
    return dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


class AnonymousChatInteraction(models.Model):
    """One anonymous turn: the (redacted) question, the answer, detection and usage."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    session_id = models.CharField(max_length=64, db_index=True)
    user_slug = models.CharField(max_length=128, blank=True, default="", db_index=True)
    caller_key = models.CharField(max_length=64, blank=True, default="")
    user_input = models.TextField(blank=True, default="")
    assistant_blocks = models.JSONField(default=list, blank=True)
    search_text = models.TextField(blank=True, default="")
    offering_uuids = models.JSONField(default=list, blank=True)
    result_count = models.IntegerField(default=0)
    input_tokens = models.IntegerField(null=True, blank=True)
    output_tokens = models.IntegerField(null=True, blank=True)
    model = models.CharField(max_length=150, blank=True, default="", db_index=True)
    finish_reason = models.CharField(max_length=16, blank=True, default="")
    is_flagged = models.BooleanField(default=False, db_index=True)
    severity = models.CharField(max_length=16, default="none", db_index=True)
    injection_categories = models.JSONField(default=list, blank=True)
    pii_categories = models.JSONField(default=list, blank=True)
    action_taken = models.CharField(max_length=16, default="allow", db_index=True)
    is_strike = models.BooleanField(default=False)
    warning = models.TextField(blank=True, default="")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    last_active_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ("-created", "-id")
        indexes = [
            models.Index(fields=("session_id", "created"), name="anon_interaction_session_idx"),
            models.Index(fields=("user_slug", "created"), name="anon_interaction_slug_idx"),
        ]

    def __str__(self) -> str:
        return f"Interaction {self.uuid} in {self.session_id}"


class AnonymousChatFeedback(models.Model):
    """The visitor's vote and the LLM judge's verdict share one row per interaction."""

    interaction = models.OneToOneField(
        AnonymousChatInteraction,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="feedback",
    )
    score = models.SmallIntegerField(null=True, blank=True, db_index=True)
    comment = models.TextField(blank=True, default="")
    category = models.CharField(max_length=32, blank=True, default="")
    submitted_from_ip = models.GenericIPAddressField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    llm_resolution_score = models.SmallIntegerField(null=True, blank=True, db_index=True)
    llm_intent_category = models.CharField(max_length=32, blank=True, default="", db_index=True)
    llm_hallucination_detected = models.BooleanField(default=False, db_index=True)
    llm_hallucination_details = models.TextField(blank=True, default="")
    llm_summary = models.TextField(blank=True, default="")
    llm_reviewed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    llm_judge_input_tokens = models.IntegerField(default=0)
    llm_judge_output_tokens = models.IntegerField(default=0)
    llm_judge_model = models.CharField(max_length=64, blank=True, default="")
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-interaction_id",)

    def __str__(self) -> str:
        return f"Feedback on {self.interaction_id}"


class AnonymousChatClick(models.Model):
    interaction = models.ForeignKey(
        AnonymousChatInteraction, on_delete=models.CASCADE, related_name="clicks"
    )
    offering_uuid = models.UUIDField()
    clicked_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=("offering_uuid", "clicked_at"), name="anon_click_idx")]

    def __str__(self) -> str:
        return f"Click on {self.offering_uuid}"


class SessionBinding(models.Model):
    """Pins a client-chosen session id to the caller that first used it."""

    session_id = models.CharField(max_length=64, primary_key=True)
    caller_key = models.CharField(max_length=64)
    created = models.DateTimeField(default=timezone.now, db_index=True)
    last_seen = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return self.session_id


class VisitorBudget(models.Model):
    """Per-caller token usage, strikes and block, keyed by the caller key (never a raw IP)."""

    caller_key = models.CharField(max_length=64, unique=True)
    daily_token_usage = models.BigIntegerField(default=0)
    weekly_token_usage = models.BigIntegerField(default=0)
    monthly_token_usage = models.BigIntegerField(default=0)
    daily_start = models.DateTimeField(default=_epoch)
    weekly_start = models.DateTimeField(default=_epoch)
    monthly_start = models.DateTimeField(default=_epoch)
    strikes = models.IntegerField(default=0)
    strikes_start = models.DateTimeField(default=_epoch)
    blocked_until = models.DateTimeField(null=True, blank=True)
    minute_requests = models.IntegerField(default=0)  # feedback and click calls
    minute_start = models.DateTimeField(default=_epoch)
    created = models.DateTimeField(default=timezone.now)
    modified = models.DateTimeField(auto_now=True, db_index=True)

    def __str__(self) -> str:
        return f"Visitor budget {self.caller_key[:8]}"


class ConversationReview(models.Model):
    """The LLM judge's one verdict per conversation (session), replaced when it continues.

    `last_turn_at` is the creation time of the newest turn the verdict covers: a later turn
    makes the conversation due for review again. The verdict is mirrored onto the feedback
    row of `interaction` (the last turn), where the wire contract shows it.
    """

    session_id = models.CharField(max_length=64, unique=True)
    interaction = models.ForeignKey(
        AnonymousChatInteraction, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_turn_at = models.DateTimeField(db_index=True)
    reviewed_at = models.DateTimeField(default=timezone.now, db_index=True)
    resolution_score = models.SmallIntegerField()
    intent_category = models.CharField(max_length=32)
    hallucination_detected = models.BooleanField(default=False)
    hallucination_details = models.TextField(blank=True, default="")
    summary = models.TextField()
    input_tokens = models.IntegerField(default=0)
    output_tokens = models.IntegerField(default=0)
    model = models.CharField(max_length=64, blank=True, default="")

    def __str__(self) -> str:
        return f"Review of {self.session_id}"


class ReviewDailyUsage(models.Model):
    """Tokens the judge spent per UTC calendar day, so its budget is a real daily budget."""

    day = models.DateField(unique=True)
    input_tokens = models.BigIntegerField(default=0)
    output_tokens = models.BigIntegerField(default=0)
    calls = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"Review usage on {self.day}"


# --- roll-ups (kept by PostgreSQL triggers, see anonymous_chat/rollups.py) --------------------


class ConversationRollup(models.Model):
    """Sums over one session's turns, with their votes, verdicts and clicks.

    Written only by database triggers on turns, feedback and clicks, in the same statement as
    the write; never save these rows from Python. `rollups.rollup_check` compares them with a
    recomputation from the base rows.
    """

    session_id = models.CharField(max_length=64, primary_key=True)
    user_slug = models.CharField(max_length=128, default="")  # the greatest slug of the turns
    message_count = models.IntegerField(default=0)
    flagged_count = models.IntegerField(default=0)
    max_severity_rank = models.SmallIntegerField(default=0)
    injection_strikes = models.IntegerField(default=0)
    clarifications = models.IntegerField(default=0)
    offerings_shown = models.BigIntegerField(default=0)
    offerings_clicked = models.IntegerField(default=0)
    tokens_in = models.BigIntegerField(default=0)
    tokens_out = models.BigIntegerField(default=0)
    feedback_votes = models.IntegerField(default=0)
    positive_feedback = models.IntegerField(default=0)
    negative_feedback = models.IntegerField(default=0)
    reviewed_count = models.IntegerField(default=0)
    hallucinated_count = models.IntegerField(default=0)
    resolution_sum = models.BigIntegerField(default=0)
    resolution_count = models.IntegerField(default=0)
    review_input_tokens = models.BigIntegerField(default=0)
    review_output_tokens = models.BigIntegerField(default=0)
    started = models.DateTimeField(null=True)
    last_active = models.DateTimeField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=("-last_active", "session_id"), name="anon_conv_rollup_active_idx"),
            models.Index(fields=("started", "session_id"), name="anon_conv_rollup_started_idx"),
        ]

    def __str__(self) -> str:
        return f"Roll-up of {self.session_id}"


class UserRollup(models.Model):
    """Sums over one user slug's turns and votes (trigger-maintained, like ConversationRollup)."""

    user_slug = models.CharField(max_length=128, primary_key=True)
    total_interactions = models.IntegerField(default=0)
    positive_feedback = models.IntegerField(default=0)
    negative_feedback = models.IntegerField(default=0)
    injection_strikes = models.IntegerField(default=0)
    offerings_shown = models.BigIntegerField(default=0)
    last_seen = models.DateTimeField(null=True)

    class Meta:
        indexes = [
            models.Index(
                fields=("-total_interactions", "user_slug"), name="anon_user_rollup_total_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"Roll-up of {self.user_slug}"


class DailyRollup(models.Model):
    """Turns per UTC day by severity; a blank severity counts as none (trigger-maintained)."""

    day = models.DateField(primary_key=True)
    turns = models.IntegerField(default=0)
    severity_none = models.IntegerField(default=0)
    severity_low = models.IntegerField(default=0)
    severity_medium = models.IntegerField(default=0)
    severity_high = models.IntegerField(default=0)
    severity_critical = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"Roll-up of {self.day}"


class ConversationDayRollup(models.Model):
    """Sums over the turns of one session, user slug and UTC day (trigger-maintained).

    Answers the date-bounded analytics (the day bounds of the turn filters are whole UTC
    days): conversations, users and KPI group these rows instead of the turns.
    """

    session_id = models.CharField(max_length=64)
    user_slug = models.CharField(max_length=128)
    day = models.DateField()
    turns = models.IntegerField(default=0)
    flagged = models.IntegerField(default=0)
    severity_rank = models.SmallIntegerField(default=0)
    strikes = models.IntegerField(default=0)
    asks_back = models.IntegerField(default=0)
    shown = models.IntegerField(default=0)
    clicks = models.IntegerField(default=0)
    input_tokens = models.BigIntegerField(default=0)
    output_tokens = models.BigIntegerField(default=0)
    votes = models.IntegerField(default=0)
    positive = models.IntegerField(default=0)
    negative = models.IntegerField(default=0)
    reviewed = models.IntegerField(default=0)
    hallucinated = models.IntegerField(default=0)
    scores = models.IntegerField(default=0)  # sum of reviewed resolution scores
    scored = models.IntegerField(default=0)  # reviewed turns with a resolution score
    judge_input_tokens = models.BigIntegerField(default=0)
    judge_output_tokens = models.BigIntegerField(default=0)
    first_turn = models.DateTimeField(null=True)
    last_turn = models.DateTimeField(null=True)
    severity_none = models.IntegerField(default=0)
    severity_low = models.IntegerField(default=0)
    severity_medium = models.IntegerField(default=0)
    severity_high = models.IntegerField(default=0)
    severity_critical = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("session_id", "user_slug", "day"), name="anon_day_rollup_key"
            ),
        ]
        indexes = [models.Index(fields=("day",), name="anon_day_rollup_day_idx")]

    def __str__(self) -> str:
        return f"Roll-up of {self.session_id} on {self.day}"
