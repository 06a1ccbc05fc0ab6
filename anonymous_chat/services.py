"""Writes and reads of the public chat: binding, strikes, budgets, turns, feedback, clicks."""

from __future__ import annotations

import datetime as dt
import math
import re
import uuid
from typing import Any

from django.conf import settings
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from rest_framework import exceptions

from anonymous_chat.identity import Caller, verify_feedback_token
from anonymous_chat.models import (
    AnonymousChatClick,
    AnonymousChatFeedback,
    AnonymousChatInteraction,
    SessionBinding,
    VisitorBudget,
)
from chat import budgets, policy
from chat.periods import Period, period_start
from chat.turns import admission
from chat.turns.admission import Estimate
from chat.turns.frames import blocks_to_llm_text
from config.rest import DomainError, Forbidden
from moderation.service import scan
from moderation.types import Severity, Verdict

BOUND_ELSEWHERE = "Session is bound to a different network. Please start a new conversation."
BLOCKED = "Your network is temporarily blocked. Please try again later."


class InputRejected(DomainError):
    default_code = "input_rejected"
    default_detail = "Input rejected."


def _visitor(caller: Caller) -> VisitorBudget:
    row, _ = VisitorBudget.objects.get_or_create(caller_key=caller.key)
    return row


def check_not_blocked(caller: Caller) -> None:
    now = timezone.now()
    until = (
        VisitorBudget.objects.filter(caller_key=caller.key, blocked_until__gt=now)
        .values_list("blocked_until", flat=True)
        .first()
    )
    if until is not None:
        seconds = max(1, math.ceil((until - now).total_seconds()))
        raise Forbidden(BLOCKED, code="blocked", headers={"Retry-After": str(seconds)})


def bind_session(*, session_id: str, caller: Caller) -> None:
    """The first caller of a session id owns it; anyone else gets 403."""
    binding, created = SessionBinding.objects.get_or_create(
        session_id=session_id, defaults={"caller_key": caller.key}
    )
    if not created and binding.caller_key != caller.key:
        raise Forbidden(BOUND_ELSEWHERE, code="session_bound")
    if not created:
        SessionBinding.objects.filter(pk=session_id).update(last_seen=timezone.now())


def add_strike(caller: Caller) -> int:
    """Count one blocked injection today (atomic); block the caller at the threshold."""
    today = period_start(Period.DAY, timezone.now())
    _visitor(caller)
    stale = Q(strikes_start__lt=today)
    VisitorBudget.objects.filter(caller_key=caller.key).update(
        strikes=Case(When(stale, then=Value(1)), default=F("strikes") + 1),
        strikes_start=Case(When(stale, then=Value(today)), default=F("strikes_start")),
    )
    strikes = VisitorBudget.objects.values_list("strikes", flat=True).get(caller_key=caller.key)
    hours = settings.ANONYMOUS_CHAT_BLOCK_HOURS
    if strikes >= settings.ANONYMOUS_CHAT_STRIKE_THRESHOLD and hours > 0:
        until = timezone.now() + dt.timedelta(hours=hours)
        VisitorBudget.objects.filter(caller_key=caller.key).filter(
            Q(blocked_until__isnull=True) | Q(blocked_until__lt=timezone.now())
        ).update(blocked_until=until)
    return strikes


def _strikes_today(row: VisitorBudget) -> int:
    today = period_start(Period.DAY, timezone.now())
    return row.strikes if row.strikes_start >= today else 0


def visitor_row(caller: Caller) -> admission.Row:
    """Per-caller token caps (the per-user defaults); a struck caller's daily cap is a tenth."""
    row = _visitor(caller)
    limits = budgets.quota_defaults()
    daily = limits[Period.DAY]
    if daily >= 0 and _strikes_today(row) >= settings.ANONYMOUS_CHAT_STRIKE_THRESHOLD:
        limits[Period.DAY] = daily // 10
    caps = [
        admission.Cap(
            code=f"per_ip_{period.value}_token",
            period=period,
            usage=f"{period.value}_token_usage",
            start=f"{period.value}_start",
            limit=limit,
            detail=f"{period.value.capitalize()} token limit for your network exceeded.",
        )
        for period, limit in limits.items()
    ]
    return admission.Row(VisitorBudget, row.pk, tuple(caps))


def rate_limit_feedback(caller: Caller) -> None:
    cap = settings.ANONYMOUS_CHAT_FEEDBACK_PER_MINUTE
    if cap <= 0:
        return
    row = admission.Row(
        VisitorBudget,
        _visitor(caller).pk,
        (
            budgets.minute_cap(
                "feedback_minute_burst",
                "minute",
                cap,
                "Too many requests. Please retry in a minute.",
            ),
        ),
    )
    admission.reserve([row], Estimate(input_tokens=0, max_tokens=0))


# --- turns --------------------------------------------------------------------------------


def session_history(session_id: str) -> list[dict[str, Any]]:
    """The newest HISTORY_LIMIT usable turns of the session, oldest first, as LLM messages."""
    limit = settings.AI_ASSISTANT_HISTORY_LIMIT
    if limit <= 0:
        return []
    rows = (
        AnonymousChatInteraction.objects.filter(session_id=session_id)
        .exclude(action_taken="block")
        .order_by("-created", "-id")
        .values("user_input", "assistant_blocks", "severity", "injection_categories")[:limit]
    )
    messages: list[dict[str, Any]] = []
    for row in reversed(list(rows)):
        if policy.unsafe_for_history(row["severity"], row["injection_categories"]):
            continue
        answer = blocks_to_llm_text(row["assistant_blocks"])
        if not answer:
            continue
        messages += [
            {"role": "user", "content": row["user_input"]},
            {"role": "assistant", "content": answer},
        ]
    return messages


def interaction_fields(verdict: Verdict, caller: Caller, session_id: str) -> dict[str, Any]:
    return {
        "session_id": session_id,
        "user_slug": caller.slug,
        "caller_key": caller.key,
        "user_input": policy.stored_text(verdict),
        "search_text": policy.stored_text(verdict),
        "model": settings.AI_ASSISTANT_MODEL,
        "warning": policy.warning(verdict) or "",
        "ip_address": caller.ip if settings.ANONYMOUS_CHAT_STORE_IP else None,
        **policy.detection_fields(verdict),
    }


def record_blocked(*, verdict: Verdict, caller: Caller, session_id: str) -> None:
    """Store a refused turn (so staff see attacks) and count a strike for a real injection."""
    strike = verdict.injection_severity >= Severity.HIGH
    AnonymousChatInteraction.objects.create(
        is_strike=strike,
        finish_reason="rejected",
        last_active_at=timezone.now(),
        **interaction_fields(verdict, caller, session_id),
    )
    if strike:
        add_strike(caller)


def offering_uuids(blocks: list[dict[str, Any]]) -> list[str]:
    """Offering uuids linked from the answer, de-duplicated in order."""
    pattern = re.compile(settings.ANONYMOUS_CHAT_OFFERING_URL_PATTERN)
    found: list[str] = []
    for block in blocks:
        for match in pattern.finditer(str(block.get("content") or "")):
            try:
                value = str(uuid.UUID(match.group(1)))
            except ValueError:
                continue
            if value not in found:
                found.append(value)
    return found


# --- feedback and clicks ------------------------------------------------------------------


def interaction_for_token(*, interaction_uuid: uuid.UUID, token: str) -> AnonymousChatInteraction:
    """The interaction, if the token was issued for it (404 unknown, 403 forged)."""
    interaction = AnonymousChatInteraction.objects.filter(uuid=interaction_uuid).first()
    if interaction is None:
        raise exceptions.NotFound("Interaction not found.")
    valid = verify_feedback_token(
        token,
        interaction_uuid=str(interaction.uuid),
        session_id=interaction.session_id,
        key=interaction.caller_key,
    )
    if not valid:
        raise Forbidden("Invalid feedback token.", code="invalid_token")
    return interaction


def feedback_submit(
    *, interaction: AnonymousChatInteraction, score: int, comment: str, category: str,
    caller: Caller,
) -> None:  # fmt: skip
    if comment:
        verdict = scan(comment)
        if verdict.blocked:
            raise InputRejected("Comment was rejected.", code="comment_rejected")
        comment = policy.stored_text(verdict)
    AnonymousChatFeedback.objects.update_or_create(
        interaction=interaction,
        defaults={
            "score": score,
            "comment": comment,
            "category": category,
            "submitted_at": timezone.now(),
            "submitted_from_ip": caller.ip if settings.ANONYMOUS_CHAT_STORE_IP else None,
        },
    )


def click_record(*, interaction: AnonymousChatInteraction, offering_uuid: uuid.UUID) -> None:
    offered = {str(uuid.UUID(str(u))) for u in interaction.offering_uuids or []}
    if str(offering_uuid) not in offered:
        raise exceptions.ValidationError(
            {"offering_uuid": ["This offering was not recommended in that answer."]}
        )
    AnonymousChatClick.objects.create(interaction=interaction, offering_uuid=offering_uuid)
