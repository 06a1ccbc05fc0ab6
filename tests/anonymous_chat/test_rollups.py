"""The trigger-kept roll-ups equal a recomputation from the base rows after every kind of write.

Writes come from the public HTTP API (turns, votes, clicks), the judge, retention, plain ORM
calls and concurrent connections; `rollup_check` recomputes every roll-up and lists the rows
that differ. The last tests show the analytics answer the same from the roll-ups as from a
grouping of the turns.
"""

from __future__ import annotations

import datetime as dt
import io
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from anonymous_chat import retention, review, rollups
from anonymous_chat.models import (
    AnonymousChatClick,
    AnonymousChatFeedback,
    AnonymousChatInteraction,
    ConversationRollup,
    DailyRollup,
    UserRollup,
)
from anonymous_chat.rollups import rollup_check, rollup_rebuild
from chat.turns import llm
from tests.anonymous_chat.analyticskit import click, days_ago, turn, verdict, vote
from tests.anonymous_chat.publickit import public_post, public_stream

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db]

BASE = "/api/anonymous-chat-interactions/"


def conversation(session_id: str) -> dict:
    return ConversationRollup.objects.values().get(session_id=session_id)


def test_turns_votes_verdicts_and_clicks_are_summed_per_conversation_user_and_day():
    first = turn("s-1", slug="slug-a", at=days_ago(2), input_tokens=100, output_tokens=20,
                 result_count=3, is_flagged=True, severity="high", is_strike=True)  # fmt: skip
    second = turn("s-1", slug="slug-a", at=days_ago(1), input_tokens=5)
    vote(first, 1)
    vote(second, -1, "inaccurate")
    verdict(second, score=4, llm_hallucination_detected=True, llm_judge_input_tokens=90)
    click(first, 2)
    row = conversation("s-1")
    assert (row["message_count"], row["flagged_count"], row["max_severity_rank"]) == (2, 1, 3)
    assert (row["tokens_in"], row["tokens_out"], row["offerings_shown"]) == (105, 20, 3)
    assert (row["positive_feedback"], row["negative_feedback"], row["feedback_votes"]) == (1, 1, 2)
    assert (row["reviewed_count"], row["hallucinated_count"], row["resolution_sum"]) == (1, 1, 4)
    assert (row["review_input_tokens"], row["offerings_clicked"]) == (90, 2)
    assert (row["started"], row["last_active"]) == (first.created, second.created)
    user = UserRollup.objects.get(user_slug="slug-a")
    assert (user.total_interactions, user.injection_strikes, user.last_seen) == (
        2,
        1,
        second.created,
    )
    assert DailyRollup.objects.get(day=first.created.date()).severity_high == 1
    assert rollup_check() == {}


def test_updates_moves_and_deletes_keep_the_roll_ups_exact():
    first = turn("m-1", slug="slug-a", at=days_ago(3), severity="critical", is_flagged=True)
    second = turn("m-1", slug="slug-b", at=days_ago(1), input_tokens=7)
    vote(first, 1)
    click(first)
    AnonymousChatInteraction.objects.filter(pk=second.pk).update(input_tokens=70, result_count=2)
    assert conversation("m-1")["tokens_in"] == 70
    vote(first, -1, "other")  # the vote changes side
    AnonymousChatInteraction.objects.filter(pk=first.pk).update(session_id="m-2")
    assert (conversation("m-1")["message_count"], conversation("m-2")["offerings_clicked"]) == (
        1,
        1,
    )
    assert rollup_check() == {}
    first.feedback.delete()
    AnonymousChatClick.objects.all().delete()
    AnonymousChatInteraction.objects.filter(pk=second.pk).delete()
    assert not ConversationRollup.objects.filter(session_id="m-1").exists()
    assert not UserRollup.objects.filter(user_slug="slug-b").exists()
    assert rollup_check() == {}


def test_a_turn_deleted_before_its_feedback_is_not_counted_twice():
    shown = turn("d-1")
    vote(shown, 1)
    click(shown, 3)
    with transaction.atomic(), connection.cursor() as cursor:  # foreign keys are deferred
        cursor.execute(f"DELETE FROM {AnonymousChatInteraction._meta.db_table}")  # noqa: S608 - table names are constants, no input
        cursor.execute(f"DELETE FROM {AnonymousChatFeedback._meta.db_table}")  # noqa: S608 - table names are constants, no input
        cursor.execute(f"DELETE FROM {AnonymousChatClick._meta.db_table}")  # noqa: S608 - table names are constants, no input
    assert rollup_check() == {}
    assert not ConversationRollup.objects.exists()


def test_a_replaced_verdict_moves_to_the_last_turn():
    turns = [turn("v-1", at=days_ago(1)), turn("v-1")]
    outcome = review.Verdict(resolution_score=2, intent_category="storage",
                             hallucination_detected=True, summary="Asked.")  # fmt: skip
    usage = llm.Usage(input_tokens=300, output_tokens=30)
    review.verdict_store(turns=turns[:1], verdict=outcome, usage=usage, model="judge")
    review.verdict_store(turns=turns, verdict=outcome, usage=usage, model="judge")
    row = conversation("v-1")
    assert (row["reviewed_count"], row["hallucinated_count"], row["review_input_tokens"]) == (
        1,
        1,
        300,
    )
    assert rollup_check() == {}


def test_retention_deletes_recompute_first_and_last_turns(settings):
    settings.ANONYMOUS_CHAT_RETENTION_DAYS = 180
    old = turn("r-1", slug="slug-old", at=timezone.now() - dt.timedelta(days=200))
    kept = turn("r-1", slug="slug-new", at=days_ago(1))
    turn("r-2", slug="slug-old", at=timezone.now() - dt.timedelta(days=190), severity="high")
    vote(old, 1)
    click(old, 2)
    retention.interactions_purge(days=180, now=timezone.now(), dry_run=False)
    row = conversation("r-1")
    assert (row["message_count"], row["started"], row["user_slug"]) == (1, kept.created, "slug-new")
    assert (row["positive_feedback"], row["offerings_clicked"]) == (0, 0)
    assert not ConversationRollup.objects.filter(session_id="r-2").exists()
    assert not UserRollup.objects.filter(user_slug="slug-old").exists()
    assert list(DailyRollup.objects.values_list("turns", flat=True)) == [1]
    assert rollup_check() == {}


def test_rebuild_repairs_a_roll_up_that_drifted():
    turn("x-1", input_tokens=10)
    turn("x-2")
    ConversationRollup.objects.filter(session_id="x-1").update(tokens_in=999)
    UserRollup.objects.all().delete()
    assert rollup_check() == {
        "anonymous_chat_conversationrollup": ["x-1"],
        "anonymous_chat_userrollup": ["slug-a"],
    }
    rollup_rebuild()
    assert rollup_check() == {}
    assert conversation("x-1")["tokens_in"] == 10


def test_the_command_reports_drift_and_rebuilds():
    turn("y-1", input_tokens=10)
    out = io.StringIO()
    call_command("analytics_rollups", stdout=out)
    assert out.getvalue() == "roll-ups: exact\n"
    ConversationRollup.objects.update(tokens_in=0)
    with pytest.raises(CommandError, match="anonymous_chat_conversationrollup 1"):
        call_command("analytics_rollups", stdout=out)
    out = io.StringIO()
    call_command("analytics_rollups", "--rebuild", stdout=out)
    assert out.getvalue() == "roll-ups: rebuilt\nroll-ups: exact\n"
    assert conversation("y-1")["tokens_in"] == 10


@pytest.mark.timeout(120)
def test_public_turns_votes_and_clicks_keep_the_roll_ups_exact(chat_server, llm, settings):
    settings.AI_ASSISTANT_ENABLED_ROLES = "anonymous"
    settings.AI_ASSISTANT_MODEL = "reply-links"
    metas = []
    for question in ("what do you offer?", "and storage?"):
        result = public_stream(chat_server, input=question, session_id="session-ru01")
        assert result.status == 200, result.body
        metas.append(result.frames[0]["m"])
    token = {"interaction_uuid": metas[0]["interaction_uuid"],
             "feedback_token": metas[0]["feedback_token"]}  # fmt: skip
    assert public_post(chat_server, "feedback", score=1, **token).status_code == 200
    assert (
        public_post(chat_server, "feedback", score=-1, category="other", **token).status_code == 200
    )
    offered = AnonymousChatInteraction.objects.get(uuid=metas[0]["interaction_uuid"])
    response = public_post(chat_server, "click", offering_uuid=offered.offering_uuids[0], **token)
    assert response.status_code == 200, response.text
    row = conversation("session-ru01")
    assert (row["message_count"], row["negative_feedback"], row["offerings_clicked"]) == (2, 1, 1)
    assert row["offerings_shown"] == 2 * offered.result_count > 0
    assert row["tokens_out"] > 0
    assert rollup_check() == {}


def _in_own_connection(work):
    def run(*args):
        try:
            return work(*args)
        finally:
            connections.close_all()

    return run


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_on_one_conversation_add_up_exactly():
    seed = turn("c-1", slug="slug-c", at=days_ago(5))
    workers, rounds = 6, 5
    start = threading.Barrier(workers)

    @_in_own_connection
    def write(n: int) -> None:
        start.wait()
        for r in range(rounds):
            with transaction.atomic():
                row = turn("c-1", slug="slug-c", input_tokens=n + r, result_count=1)
                vote(row, 1 if r % 2 else -1)
                AnonymousChatClick.objects.create(interaction=seed, offering_uuid=uuid.uuid4())

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(write, range(workers)))
    row = conversation("c-1")
    assert row["message_count"] == 1 + workers * rounds
    assert row["offerings_clicked"] == workers * rounds
    assert row["started"] == seed.created
    assert UserRollup.objects.get(user_slug="slug-c").total_interactions == 1 + workers * rounds
    assert rollup_check() == {}


@pytest.mark.django_db(transaction=True)
def test_concurrent_retention_and_new_turns_stay_exact():
    for n in range(30):
        turn(f"p-{n % 3}", at=timezone.now() - dt.timedelta(days=300, minutes=n))
    start = threading.Barrier(2)

    @_in_own_connection
    def purge(_: int) -> None:
        start.wait()
        retention.interactions_purge(days=180, now=timezone.now(), dry_run=False)

    @_in_own_connection
    def add(_: int) -> None:
        start.wait()
        for n in range(30):
            turn(f"p-{n % 3}", at=days_ago(1))

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda job: job(0), (purge, add)))
    assert sum(ConversationRollup.objects.values_list("message_count", flat=True)) == 30
    assert rollup_check() == {}


# --- the analytics read the roll-ups as they would group the turns --------------------------


@pytest.fixture
def varied_turns():
    """Sessions over several days and slugs, with votes, verdicts, clicks and severities."""
    severities = ["none", "low", "", "high", "critical", "medium"]
    for n in range(36):
        row = turn(f"var-{n % 7}", slug=f"slug-{n % 4}", at=days_ago(n % 9, hour=n % 24),
                   input_tokens=(n * 37) % 500 or None, output_tokens=n * 3,
                   result_count=n % 4, severity=severities[n % 6], is_flagged=n % 6 in (1, 3, 4),
                   is_strike=n % 6 == 4, model=f"model-{n % 2}")  # fmt: skip
        if n % 3 == 0:
            vote(row, 1 if n % 2 else -1, "" if n % 2 else "other")
        if n % 5 == 0:
            verdict(row, score=n % 5 + 1, intent=["compute", ""][n % 2],
                    llm_hallucination_detected=n % 10 == 0)  # fmt: skip
        if n % 4 == 1:
            click(row, n % 3 + 1)
    turn("", slug="")  # a turn without a session or slug counts in the KPI totals only


def _get(api, path, **params):
    response = api.get(path, params)
    assert response.status_code == 200, response.content
    return response.json()


def _both_ways(api, monkeypatch, path, params) -> tuple:
    """The response read from the roll-ups, and the same with the turns grouped instead."""
    rolled = _get(api, path, **params)
    with monkeypatch.context() as patched:
        patched.setattr(rollups, "enabled", lambda connection=None: False)
        grouped = _get(api, path, **params)
    return rolled, grouped


WEEK = days_ago(6).date().isoformat()
DAY = days_ago(2).date().isoformat()


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"o": "created"},
        {"o": "-result_count"},
        {"total_tokens_min": 400},
        {"is_reviewed": "true", "last_active_after": days_ago(4).date().isoformat()},
        {"session_id": "var-3"},
        {"created_after": WEEK},
        {"created_from": WEEK, "created_to": DAY, "o": "-created"},
        {"created_before": DAY, "user_slug": "slug-1", "total_tokens_max": 900},
        {"created_after": DAY, "is_reviewed": "false"},
    ],
)
def test_conversations_from_the_roll_ups_match_the_grouped_turns(
    staff_api, monkeypatch, varied_turns, params
):
    rolled, grouped = _both_ways(staff_api, monkeypatch, f"{BASE}conversations/", params)
    assert rolled == grouped
    assert rolled


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"o": "-created"},
        {"user_slug": "slug-2"},
        {"created_after": WEEK, "o": "result_count"},
        {"created_before": DAY, "session_id": "var-2"},
    ],
)
def test_users_from_the_roll_ups_match_the_grouped_turns(
    staff_api, monkeypatch, varied_turns, params
):
    rolled, grouped = _both_ways(staff_api, monkeypatch, f"{BASE}by-user/", params)
    assert rolled == grouped
    assert rolled


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"total_tokens_min": 400},
        {"session_id": "var-1"},
        {"created_after": WEEK},
        {"created_after": WEEK, "created_before": DAY, "total_tokens_min": 100},
        {"user_slug": "slug-3", "is_reviewed": "true"},
    ],
)
def test_kpi_from_the_roll_ups_matches_the_grouped_turns(
    staff_api, monkeypatch, varied_turns, params
):
    rolled, grouped = _both_ways(
        staff_api, monkeypatch, f"{BASE}kpi/", {"window_days": 10, **params}
    )
    assert rolled == grouped
    assert rolled["interactions_total"] > 0


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("conversations/", {"created_after": WEEK, "total_tokens_min": 1}),
        ("by-user/", {"created_after": WEEK}),
        ("kpi/", {"created_after": WEEK, "total_tokens_min": 1}),
        ("conversations/", {"total_tokens_min": 1}),
        ("kpi/", {"total_tokens_min": 1}),
    ],
)
def test_roll_up_reads_use_a_constant_number_of_queries(staff_api, path, params):
    counts = []
    for size in (2, 20):
        for n in range(size):
            row = turn(f"q-{size}-{n % 5}", slug=f"slug-{n % 3}", input_tokens=5)
            vote(row, 1)
            verdict(row)
            click(row)
        with CaptureQueriesContext(connection) as queries:
            _get(staff_api, f"{BASE}{path}", **params)
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 6, counts  # two of them look the token up (knox)


def test_a_vote_moved_to_another_turn_moves_with_it():
    voted = turn("f-1", slug="slug-a", at=days_ago(2))
    other = turn("f-2", slug="slug-b", at=days_ago(1))
    verdict(voted, score=3, llm_judge_input_tokens=40)
    vote(voted, -1, "other")
    AnonymousChatFeedback.objects.filter(pk=voted.pk).update(interaction=other)
    assert (conversation("f-1")["negative_feedback"], conversation("f-1")["reviewed_count"]) == (
        0,
        0,
    )
    assert (conversation("f-2")["negative_feedback"], conversation("f-2")["resolution_sum"]) == (
        1,
        3,
    )
    assert UserRollup.objects.get(user_slug="slug-b").negative_feedback == 1
    assert rollup_check() == {}
