"""The LLM judge: parsing, transcripts, candidates, budget and one verdict per conversation."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from anonymous_chat.models import AnonymousChatFeedback, ConversationReview, ReviewDailyUsage
from anonymous_chat.review import TRANSCRIPT_CAP, transcript_build, verdict_parse
from tests.anonymous_chat.analyticskit import turn, vote
from tests.conftest import client_for

INTENTS = ["compute", "storage", "software", "service", "consultation", "unclear"]
GOOD = (
    '{"resolution_score": 4, "intent_category": "compute", '
    '"hallucination_detected": false, "summary": "Asked about VMs."}'
)


def ago(hours: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(hours=hours)


def run(**options) -> dict:
    out = io.StringIO()
    call_command("review_anonymous_conversations", stdout=out, **options)
    return json.loads(out.getvalue())


@pytest.fixture
def judge(llm, settings):
    settings.AI_ASSISTANT_MODEL = "reply-verdict"
    settings.ANONYMOUS_CHAT_REVIEW_ENABLED = True
    return llm


# --- parsing -------------------------------------------------------------------------------


def test_parse_happy_path_fences_and_prose():
    verdict = verdict_parse(GOOD, intents=INTENTS)
    assert verdict is not None
    assert verdict.resolution_score == 4
    assert verdict.intent_category == "compute"
    assert verdict.hallucination_detected is False
    fenced = f"Here is my verdict:\n```json\n{GOOD}\n```\nThanks."
    assert verdict_parse(fenced, intents=INTENTS) == verdict


@pytest.mark.parametrize(
    "text",
    [
        GOOD.replace("4", "6"),
        GOOD.replace("4", "0"),
        GOOD.replace("4", '"4"'),
        GOOD.replace("4", "true"),
        GOOD.replace("false", '"no"'),
        GOOD.replace('"summary": "Asked about VMs."', '"summary": "  "'),
        GOOD.replace(', "summary": "Asked about VMs."', ""),
        "",
        "no json here",
        "{not json}",
        "[1, 2]",
    ],
)
def test_parse_rejects_anything_not_strictly_typed(text):
    assert verdict_parse(text, intents=INTENTS) is None


def test_an_unknown_intent_becomes_unclear_and_case_is_folded():
    assert verdict_parse(GOOD.replace("compute", "lasagna"), intents=INTENTS).intent_category == (
        "unclear"
    )
    assert verdict_parse(GOOD.replace("compute", "STORAGE"), intents=INTENTS).intent_category == (
        "storage"
    )


@pytest.mark.django_db
def test_transcript_numbers_turns_inlines_tools_and_drops_the_oldest():
    first = turn("t", question="first question", answer="first answer")
    second = turn("t", question="second")
    second.assistant_blocks = [
        {"key": "tool", "name": "search", "arguments": {"q": "vm"}, "result": {"n": 1}},
        {"key": "tool", "name": "search", "arguments": {"q": "vm"}, "result": {"n": 1}},
        {"key": "markdown", "content": "Found one."},
    ]
    text, tools = transcript_build([first, second])
    assert "USER (turn 1): first question" in text
    assert "ASSISTANT (turn 1): first answer" in text
    assert 'CALL search({"q": "vm"})' in text
    assert "ASSISTANT (turn 2): Found one." in text
    assert tools.count("search(") == 1  # de-duplicated
    long = [turn("u", question=f"q{n} " + "x" * 3000) for n in range(6)]
    text, _ = transcript_build(long)
    assert len(text) <= TRANSCRIPT_CAP
    assert "USER (turn 6)" in text
    assert "USER (turn 1)" not in text


# --- the command ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_disabled_does_nothing(judge, settings):
    settings.ANONYMOUS_CHAT_REVIEW_ENABLED = False
    turn("idle", at=ago(7))
    assert run()["status"] == "disabled"
    assert judge.app.requests == []


@pytest.mark.django_db
def test_persists_one_verdict_on_the_last_turn(judge):
    first = turn("idle", at=ago(9))
    last = turn("idle", at=ago(8))
    vote(last, -1, "incomplete")
    report = run()
    assert (report["status"], report["reviewed"]) == ("ok", 1)
    feedback = AnonymousChatFeedback.objects.get(interaction=last)
    assert feedback.llm_resolution_score == 4
    assert feedback.llm_intent_category == "compute"
    assert feedback.llm_summary
    assert feedback.llm_reviewed_at is not None
    assert feedback.llm_judge_model == "reply-verdict"
    assert feedback.llm_judge_output_tokens > 0
    assert (feedback.score, feedback.category) == (-1, "incomplete")  # the vote is untouched
    assert not AnonymousChatFeedback.objects.filter(interaction=first).exists()
    review = ConversationReview.objects.get(session_id="idle")
    assert review.interaction_id == last.pk
    assert review.resolution_score == 4
    sent = judge.app.requests[-1]
    assert sent["temperature"] == 0
    assert sent["max_tokens"] == 300
    assert not sent.get("stream")
    assert "untrusted" in sent["messages"][0]["content"]


@pytest.mark.django_db
def test_skips_recent_and_already_reviewed_conversations(judge):
    turn("recent", at=ago(1))
    turn("done", at=ago(10))
    assert run()["reviewed"] == 1
    assert run()["reviewed"] == 0
    assert list(ConversationReview.objects.values_list("session_id", flat=True)) == ["done"]


@pytest.mark.django_db
def test_a_continued_conversation_is_reviewed_again_and_keeps_one_verdict(judge):
    first = turn("again", at=ago(30))
    run()
    assert AnonymousChatFeedback.objects.get(interaction=first).llm_reviewed_at is not None
    later = turn("again", at=ago(7))
    assert run()["reviewed"] == 1
    assert ConversationReview.objects.get(session_id="again").interaction_id == later.pk
    reviewed = AnonymousChatFeedback.objects.filter(llm_reviewed_at__isnull=False)
    assert [f.interaction_id for f in reviewed] == [later.pk]


@pytest.mark.django_db
def test_respects_the_batch_size_oldest_first(judge, settings):
    settings.ANONYMOUS_CHAT_REVIEW_BATCH_SIZE = 2
    for hours in (10, 30, 20):
        turn(f"b-{hours}", at=ago(hours))
    assert run()["reviewed"] == 2
    assert set(ConversationReview.objects.values_list("session_id", flat=True)) == {
        "b-30",
        "b-20",
    }
    assert run(limit=1)["reviewed"] == 1


@pytest.mark.django_db
def test_the_budget_is_per_calendar_day_across_runs(judge, settings):
    settings.ANONYMOUS_CHAT_REVIEW_DAILY_TOKEN_BUDGET = 1
    for n in range(3):
        turn(f"c-{n}", at=ago(10 + n))
    report = run()
    assert report["reviewed"] == 1
    assert report["stopped_by_budget"] is True
    assert report["remaining_budget"] <= 0
    again = run()  # a second run the same day has nothing left
    assert again["reviewed"] == 0
    assert again["stopped_by_budget"] is True
    usage = ReviewDailyUsage.objects.get()
    assert usage.day == timezone.now().date()
    assert usage.calls == 1
    ReviewDailyUsage.objects.update(day=usage.day - dt.timedelta(days=1))
    assert run()["reviewed"] == 1  # a new day, a new budget


@pytest.mark.django_db
def test_unparseable_answers_are_charged_and_retried_later(judge, settings):
    settings.AI_ASSISTANT_MODEL = "dev-model"  # answers prose, not JSON
    turn("prose", at=ago(10))
    report = run()
    assert (report["reviewed"], report["skipped_parse_error"]) == (0, 1)
    assert ReviewDailyUsage.objects.get().calls == 1
    settings.AI_ASSISTANT_MODEL = "reply-verdict"
    assert run()["reviewed"] == 1


@pytest.mark.django_db
@pytest.mark.parametrize("fault", ["fault-500", "fault-429", "fault-401"])
def test_llm_errors_skip_the_conversation(judge, settings, fault):
    settings.AI_ASSISTANT_MODEL = fault
    turn("broken", at=ago(10))
    report = run()
    assert (report["reviewed"], report["skipped_llm_error"]) == (0, 1)
    assert not ConversationReview.objects.exists()


@pytest.mark.django_db
def test_verdicts_feed_the_kpi(judge, staff):
    turn("k-1", at=ago(10))
    turn("k-2", at=ago(1))
    run()
    kpi = client_for(staff).get("/api/anonymous-chat-interactions/kpi/").json()
    assert kpi["reviewed_total"] == 1
    assert kpi["review_coverage"] == 0.5
    assert kpi["avg_llm_resolution_score"] == 4.0
    assert kpi["llm_intent_distribution"] == {"compute": 1}
    assert kpi["review_output_tokens_total"] > 0
