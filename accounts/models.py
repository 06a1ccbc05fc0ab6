"""Users with a public uuid and a support role, and the audit trail of privileged reads."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from knox.models import AbstractAuthToken


class User(AbstractUser):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    is_support = models.BooleanField(
        default=False, help_text="Support staff: read access to every user's chats."
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_staff_or_support(self) -> bool:
        return bool(self.is_staff or self.is_support)


class AuditEvent(models.Model):
    """An append-only record of a security-relevant action (who, what, on which object)."""

    class Type(models.TextChoices):
        CHAT_SESSION_ACCESSED = "chat_session_accessed"
        CHAT_THREAD_ACCESSED = "chat_thread_accessed"
        CHAT_FEEDBACK_SUBMITTED = "chat_feedback_submitted"
        CHAT_INJECTION_DETECTED = "chat_injection_detected"
        CHAT_PII_DETECTED = "chat_pii_detected"

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    event_type = models.CharField(max_length=64, choices=Type.choices, db_index=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_uuid = models.UUIDField(null=True, blank=True)
    context = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ("-created", "-id")

    def __str__(self) -> str:
        return f"{self.event_type} by {self.actor_id} on {self.target_type}:{self.target_uuid}"


class ApiToken(AbstractAuthToken):
    """An API token of a user (`Authorization: Token <key>`), stored as a hash by django-rest-knox.

    A database dump holds no working credential: only the SHA-512 digest of each key and its
    first characters (`token_key`), by which the owner and the admin tell tokens apart. A user
    may hold several, each named, with an optional expiry; deleting one revokes it.
    """

    name = models.CharField(max_length=100, default="API token")

    class Meta:
        ordering = ("-created",)
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.token_key}...) of {self.user}"
