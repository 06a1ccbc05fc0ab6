"""Thread flags are derived from the active messages, not sticky."""

from __future__ import annotations

import pytest

from chat.models import Role
from chat.services import thread_flags_recompute
from tests.chat.helpers import add_message, thread_for

pytestmark = pytest.mark.django_db


def test_flags_take_the_worst_active_severity_and_keep_other_keys(user):
    thread = thread_for(user, flags={"pinned": True})
    add_message(thread, is_flagged=True, severity="medium", action_taken="flag")
    add_message(thread, is_flagged=True, severity="critical", action_taken="block")
    add_message(thread, Role.ASSISTANT)
    assert thread_flags_recompute(thread=thread) == {
        "pinned": True,
        "is_flagged": True,
        "max_severity": "critical",
    }
    thread.refresh_from_db()
    assert thread.flags["max_severity"] == "critical"


def test_no_flagged_messages_gives_clean_flags(user):
    thread = thread_for(user)
    add_message(thread)
    assert thread_flags_recompute(thread=thread) == {"is_flagged": False, "max_severity": "none"}


def test_an_injection_edited_away_no_longer_flags_the_thread(user, api):
    thread = thread_for(user)
    bad = add_message(thread, is_flagged=True, severity="high", action_taken="block")
    add_message(thread, text="a clean rewrite", sequence_index=bad.sequence_index, replaces=bad)
    thread_flags_recompute(thread=thread)
    body = api.get(f"/api/chat-threads/{thread.uuid}/").json()
    assert (body["is_flagged"], body["max_severity"]) == (False, "none")


def test_duplicate_active_position_is_refused_by_the_database(user):
    from django.db import IntegrityError, transaction

    thread = thread_for(user)
    first = add_message(thread, sequence_index=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        add_message(thread, sequence_index=1)
    add_message(thread, sequence_index=1, replaces=first)  # a replacement may share it
    assert thread.messages.count() == 2


def test_model_defaults_to_blank_and_round_trips(user):
    thread = thread_for(user)
    message = add_message(thread)
    assert message.model == ""
    message.model = "gpt-x"
    message.save()
    message.refresh_from_db()
    assert message.model == "gpt-x"
    assert message.search_text == "Hello"
