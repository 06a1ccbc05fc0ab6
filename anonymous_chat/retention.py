"""Retention: delete or anonymise chat data past its configured age (run by `chat_retention`).

Each part has its own setting in days; a value <= 0 switches that part off. Signed-in threads
age by their last activity (`Thread.modified`, bumped by every message), never by creation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from anonymous_chat.models import (
    AnonymousChatClick,
    AnonymousChatFeedback,
    AnonymousChatInteraction,
    ConversationReview,
    SessionBinding,
    VisitorBudget,
)
from chat.models import Message, Thread


@dataclass(frozen=True)
class Outcome:
    """What one part did (or, in a dry run, would do)."""

    part: str
    days: int
    counts: dict[str, int]

    @property
    def disabled(self) -> bool:
        return self.days <= 0

    def line(self, *, dry_run: bool) -> str:
        if self.disabled:
            return f"{self.part}: disabled (retention {self.days} days)"
        verb = "would" if dry_run else "did"
        done = ", ".join(f"{name} {n}" for name, n in self.counts.items())
        return f"{self.part} older than {self.days} days: {verb} {done}"


def _cutoff(days: int, now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(days=days)


def threads_purge(*, days: int, now: dt.datetime, dry_run: bool) -> Outcome:
    counts = {"delete threads": 0, "delete messages": 0}
    if days > 0:
        stale = Thread.objects.filter(modified__lt=_cutoff(days, now))
        counts["delete messages"] = Message.objects.filter(thread__in=stale).count()
        counts["delete threads"] = stale.count()
        if not dry_run:
            stale.delete()
    return Outcome("signed-in threads", days, counts)


def interactions_purge(*, days: int, now: dt.datetime, dry_run: bool) -> Outcome:
    counts = {"delete interactions": 0, "delete feedback": 0, "delete clicks": 0, "reviews": 0}
    if days > 0:
        cutoff = _cutoff(days, now)
        stale = AnonymousChatInteraction.objects.filter(created__lt=cutoff)
        counts["delete feedback"] = AnonymousChatFeedback.objects.filter(
            interaction__in=stale
        ).count()
        counts["delete clicks"] = AnonymousChatClick.objects.filter(interaction__in=stale).count()
        counts["delete interactions"] = stale.count()
        reviews = ConversationReview.objects.filter(last_turn_at__lt=cutoff)
        counts["reviews"] = reviews.count()
        if not dry_run:
            with transaction.atomic():
                AnonymousChatClick.objects.filter(interaction__in=stale).delete()
                AnonymousChatFeedback.objects.filter(interaction__in=stale).delete()
                stale.delete()
                reviews.delete()
    return Outcome("anonymous interactions", days, counts)


def ips_forget(*, days: int, now: dt.datetime, dry_run: bool) -> Outcome:
    counts = {"null interaction IPs": 0, "null feedback IPs": 0}
    if days > 0:
        cutoff = _cutoff(days, now)
        turns = AnonymousChatInteraction.objects.filter(
            created__lt=cutoff, ip_address__isnull=False
        )
        votes = AnonymousChatFeedback.objects.filter(submitted_from_ip__isnull=False).filter(
            Q(submitted_at__lt=cutoff)
            | Q(submitted_at__isnull=True, interaction__created__lt=cutoff)
        )
        if dry_run:
            counts = {"null interaction IPs": turns.count(), "null feedback IPs": votes.count()}
        else:
            counts = {
                "null interaction IPs": turns.update(ip_address=None),
                "null feedback IPs": votes.update(submitted_from_ip=None),
            }
    return Outcome("stored IP addresses", days, counts)


def artifacts_purge(*, days: int, now: dt.datetime, dry_run: bool) -> Outcome:
    """Idle bindings and visitor budgets; a budget with a block still running is kept."""
    counts = {"delete session bindings": 0, "delete visitor budgets": 0}
    if days > 0:
        cutoff = _cutoff(days, now)
        bindings = SessionBinding.objects.filter(last_seen__lt=cutoff)
        budgets = VisitorBudget.objects.filter(modified__lt=cutoff).exclude(blocked_until__gt=now)
        counts = {"delete session bindings": bindings.count(), "delete visitor budgets": 0}
        counts["delete visitor budgets"] = budgets.count()
        if not dry_run:
            bindings.delete()
            budgets.delete()
    return Outcome("anonymous bindings and budgets", days, counts)


def retention_run(*, dry_run: bool = False, now: dt.datetime | None = None) -> list[Outcome]:
    now = now or timezone.now()
    return [
        threads_purge(days=settings.AI_ASSISTANT_SESSION_RETENTION_DAYS, now=now, dry_run=dry_run),
        interactions_purge(days=settings.ANONYMOUS_CHAT_RETENTION_DAYS, now=now, dry_run=dry_run),
        ips_forget(days=settings.ANONYMOUS_CHAT_IP_RETENTION_DAYS, now=now, dry_run=dry_run),
        artifacts_purge(
            days=settings.ANONYMOUS_CHAT_ARTIFACT_RETENTION_DAYS, now=now, dry_run=dry_run
        ),
    ]
