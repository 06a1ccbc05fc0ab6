"""Builders of anonymous turns, feedback and clicks for the analytics, retention and review tests.

Rows are created with the ORM (the public stream is tested elsewhere), with `search_text`
filled the way the stream fills it: the question and the answer's text.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.utils import timezone

from anonymous_chat.models import (
    AnonymousChatClick,
    AnonymousChatFeedback,
    AnonymousChatInteraction,
)
from chat.models import markdown_blocks


def turn(
    session_id: str = "session-1",
    *,
    question: str = "Which VM sizes exist?",
    answer: str = "Small and large.",
    slug: str = "slug-a",
    at: dt.datetime | None = None,
    **fields,
) -> AnonymousChatInteraction:
    return AnonymousChatInteraction.objects.create(
        session_id=session_id,
        user_slug=slug,
        user_input=question,
        assistant_blocks=markdown_blocks(answer),
        search_text=f"{question}\n{answer}",
        created=at or timezone.now(),
        **fields,
    )


def vote(interaction, score: int, category: str = "", **fields) -> AnonymousChatFeedback:
    feedback, _ = AnonymousChatFeedback.objects.update_or_create(
        interaction=interaction,
        defaults={"score": score, "category": category, "submitted_at": timezone.now(), **fields},
    )
    return feedback


def verdict(interaction, score: int = 5, intent: str = "compute", **fields):
    feedback, _ = AnonymousChatFeedback.objects.update_or_create(
        interaction=interaction,
        defaults={
            "llm_resolution_score": score,
            "llm_intent_category": intent,
            "llm_summary": "Asked about VMs.",
            "llm_reviewed_at": timezone.now(),
            **fields,
        },
    )
    return feedback


def click(interaction, times: int = 1) -> None:
    for _ in range(times):
        AnonymousChatClick.objects.create(interaction=interaction, offering_uuid=uuid.uuid4())


def days_ago(days: int, hour: int = 12) -> dt.datetime:
    now = timezone.now().astimezone(dt.UTC)
    return (now - dt.timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)
