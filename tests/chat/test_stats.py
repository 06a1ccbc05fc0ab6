"""GET /api/chat-threads/stats/: totals over the same filters and visibility as the list."""

from __future__ import annotations

import datetime as dt

import pytest

from chat.models import Message
from tests.chat.helpers import add_turn, thread_for
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def stats(client, query: str = "") -> dict:
    response = client.get(f"/api/chat-threads/stats/{query}")
    assert response.status_code == 200, response.content
    return response.json()


def vote(message, score: bool) -> None:
    Message.objects.filter(pk=message.pk).update(feedback_score=score)


def test_stats_aggregate_one_thread(api, user):
    thread = thread_for(user, flags={"is_flagged": True, "max_severity": "medium"})
    _, answer = add_turn(thread, input_tokens=15, output_tokens=25)
    vote(answer, True)
    _, second = add_turn(thread)
    vote(second, False)
    assert stats(api) == {
        "threads_total": 1,
        "sessions_total": 1,
        "users_total": 1,
        "messages_total": 4,
        "input_tokens_total": 15,
        "output_tokens_total": 25,
        "total_tokens": 40,
        "flagged_total": 1,
        "feedback_positive": 1,
        "feedback_negative": 1,
        "satisfaction_rate": 0.5,
    }


def test_stats_rate_is_null_without_feedback_and_zero_when_empty(api, user):
    empty = stats(api)
    assert empty["threads_total"] == 0
    assert empty["total_tokens"] == 0
    assert empty["satisfaction_rate"] is None


def test_satisfaction_rate_two_up_one_down(api, user):
    thread = thread_for(user)
    for score in (True, True, False):
        vote(add_turn(thread)[1], score)
    assert stats(api)["satisfaction_rate"] == pytest.approx(2 / 3)


def test_flagged_total_counts_threads_not_messages(api, user):
    flagged = {"is_flagged": True, "max_severity": "high"}
    add_turn(thread_for(user, flags=flagged))
    add_turn(thread_for(user, flags=flagged))
    add_turn(thread_for(user))
    assert stats(api)["flagged_total"] == 2


def test_stats_honour_feedback_and_token_filters(api, user):
    voted = thread_for(user)
    vote(add_turn(voted, input_tokens=100, output_tokens=100)[1], True)
    add_turn(thread_for(user), input_tokens=1, output_tokens=1)
    assert stats(api, "?has_feedback=true")["threads_total"] == 1
    assert stats(api, "?has_feedback=false")["threads_total"] == 1
    assert stats(api, "?total_tokens_min=150")["input_tokens_total"] == 100
    assert stats(api, "?total_tokens_max=2.0")["threads_total"] == 1


def test_stats_refuse_what_the_list_refuses(api, user):
    add_turn(thread_for(user), input_tokens=1, output_tokens=1)
    for query, name in (("o=colour", "o"), ("total_tokens_min=many", "total_tokens_min")):
        response = api.get(f"/api/chat-threads/stats/?{query}")
        assert response.status_code == 400, response.content
        assert list(response.json()) == [name]


def test_stats_visibility_matches_the_list(api, user, other_user, staff):
    add_turn(thread_for(user))
    add_turn(thread_for(other_user))
    assert stats(api)["threads_total"] == 1
    everything = stats(client_for(staff))
    assert (everything["threads_total"], everything["users_total"]) == (2, 2)


def test_stats_dates_include_boundary_days_and_ignore_old_parameter(api, user):
    late = dt.datetime(2026, 5, 2, 23, 30, tzinfo=dt.UTC)
    thread_for(user, created=late)
    thread_for(user, created=late - dt.timedelta(days=3))
    assert stats(api, "?created_after=2026-05-02&created_before=2026-05-02")["threads_total"] == 1
    assert stats(api, "?created=2026-05-02")["threads_total"] == 2


def test_stats_accept_and_ignore_ordering(api, user):
    add_turn(thread_for(user))
    assert stats(api, "?o=-total_tokens&o=created")["threads_total"] == 1


def test_stats_reject_malformed_filters(api, user):
    response = api.get("/api/chat-threads/stats/?is_flagged=yes")
    assert response.status_code == 400
    assert "is_flagged" in response.json()
