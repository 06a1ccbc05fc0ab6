"""Writes for identity: user creation and audit records."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db import transaction

from accounts.models import ApiToken, AuditEvent, User


def audit_record(
    *,
    actor: User | None,
    event_type: AuditEvent.Type,
    target: Any = None,
    context: dict[str, Any] | None = None,
) -> AuditEvent:
    target_uuid: uuid.UUID | None = getattr(target, "uuid", None)
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        event_type=event_type,
        target_type=type(target).__name__ if target is not None else "",
        target_uuid=target_uuid,
        context=context or {},
    )


def token_create(*, user: User, name: str, ttl: dt.timedelta | None = None) -> str:
    """A new API token for `user`; the key is returned once and only its hash is stored."""
    _, key = ApiToken.objects.create(user=user, expiry=ttl, name=name)
    return key


@transaction.atomic
def user_upsert(
    *,
    username: str,
    is_staff: bool = False,
    is_superuser: bool = False,
    is_support: bool = False,
    password: str | None = None,
) -> tuple[User, str, bool]:
    """Create or update a user and return it with a new API token's key."""
    user, created = User.objects.get_or_create(username=username)
    user.is_staff = is_staff or is_superuser
    user.is_superuser = is_superuser
    user.is_support = is_support
    if password:
        user.set_password(password)
    elif created:
        user.set_unusable_password()
    user.save()
    return user, token_create(user=user, name="createuser"), created
