"""Reads and writes behind the quota and system-prompt endpoints."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import exceptions

from accounts.models import User
from chat import budgets
from chat.models import SystemPrompt, TokenQuota
from chat.periods import next_reset


def user_by_uuid(raw: Any) -> User:
    try:
        return User.objects.get(uuid=uuid.UUID(str(raw)))
    except (ValueError, User.DoesNotExist):
        raise exceptions.NotFound("User not found.") from None


def quota_usage(*, user: User) -> dict[str, Any]:
    """Limits, usage (a counter of an older period reads as zero), remaining and resets."""
    row, _ = TokenQuota.objects.get_or_create(user=user)
    now = timezone.now()
    limits = budgets.quota_limits(row)
    defaults = budgets.quota_defaults()
    values = {f.attname: getattr(row, f.attname) for f in TokenQuota._meta.concrete_fields}
    result: dict[str, Any] = {}
    for cap in budgets.token_caps(limits):
        name = cap.period.value
        used = cap.used(values, now)
        result[f"{name}_limit"] = getattr(row, f"{name}_limit")
        result[f"{name}_usage"] = used
        result[f"{name}_remaining"] = None if cap.limit < 0 else max(0, cap.limit - used)
        result[f"{name}_reset_at"] = next_reset(cap.period, now)
        result[f"{name}_system_default"] = defaults[cap.period]
    return result


def quota_set_limits(*, user: User, limits: dict[str, int | None]) -> TokenQuota:
    """Change only the limits given; null means the system default, -1 unlimited."""
    row, _ = TokenQuota.objects.get_or_create(user=user)
    if limits:
        TokenQuota.objects.filter(pk=row.pk).update(**limits)
        row.refresh_from_db()
    return row


def system_prompt_activate(*, prompt: SystemPrompt) -> SystemPrompt:
    """Make `prompt` the one active prompt (a partial unique index guards the invariant)."""
    for _ in range(3):
        try:
            with transaction.atomic():
                SystemPrompt.objects.filter(is_active=True).exclude(pk=prompt.pk).update(
                    is_active=False
                )
                SystemPrompt.objects.filter(pk=prompt.pk).update(is_active=True)
            break
        except IntegrityError:  # a concurrent activation won the race; take over from it
            continue
    prompt.refresh_from_db()
    return prompt


def system_prompt_deactivate(*, prompt: SystemPrompt) -> SystemPrompt:
    SystemPrompt.objects.filter(pk=prompt.pk).update(is_active=False)
    prompt.refresh_from_db()
    return prompt
