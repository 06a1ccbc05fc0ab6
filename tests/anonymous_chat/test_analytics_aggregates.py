"""Staff analytics roll-ups: conversations (HAVING filters), KPI, budget snapshot, feedback."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from chat.models import GlobalBudget
from tests.anonymous_chat.analyticskit import click, days_ago, turn, verdict, vote

BASE = "/api/anonymous-chat-interactions/"
CONVERSATIONS = f"{BASE}conversations/"
KPI = f"{BASE}kpi/"

pytestmark = pytest.mark.django_db


def _get(api, path, **params):
    response = api.get(path, params)
    assert response.status_code == 200, response.content
    return response.json()


def _by_session(rows):
    return {row["session_id"]: row for row in rows}


# --- conversations -------------------------------------------------------------------------


def test_one_row_per_session_with_the_reference_fields(staff_api, four_turns):
    rows = _get(staff_api, CONVERSATIONS)
    assert [r["session_id"] for r in rows] == ["s-3", "s-2", "s-1"]  # last active first
    s1, s2 = _by_session(rows)["s-1"], _by_session(rows)["s-2"]
    assert s1["message_count"] == 2
    assert s1["has_feedback"] is True
    assert s1["is_flagged"] is False
    assert s1["max_severity"] == "none"
    assert s1["max_severity_rank"] == 0
    assert s2["has_feedback"] is False
    assert s2["is_flagged"] is True
    assert (s2["max_severity"], s2["max_severity_rank"]) == ("high", 3)
    assert set(s1) == {
        "session_id", "user_slug", "message_count", "is_flagged", "max_severity",
        "max_severity_rank", "has_feedback", "offerings_shown", "offerings_clicked",
        "models_used", "is_reviewed", "input_tokens", "output_tokens", "total_tokens",
        "started", "last_active",
    }  # fmt: skip
    assert s1["user_slug"] == "slug-a"
    assert s1["started"] < s1["last_active"]


def test_the_highest_severity_wins_per_session(staff_api):
    for level in ("low", "critical", "medium"):
        turn("sev", is_flagged=True, severity=level)
    turn("sev")
    row = _get(staff_api, CONVERSATIONS)[0]
    assert (row["max_severity"], row["max_severity_rank"]) == ("critical", 4)


def test_models_used_and_is_reviewed_appear_and_filter(staff_api):
    turn("m-1", model="model-b")
    turn("m-1", model="model-a")
    turn("m-1", model="")
    reviewed = turn("m-2", model="model-a")
    verdict(reviewed)
    rows = _by_session(_get(staff_api, CONVERSATIONS))
    assert rows["m-1"]["models_used"] == "model-a,model-b" or set(
        rows["m-1"]["models_used"].split(",")
    ) == {"model-a", "model-b"}
    assert rows["m-1"]["is_reviewed"] is False
    assert rows["m-2"]["is_reviewed"] is True
    assert [r["session_id"] for r in _get(staff_api, CONVERSATIONS, is_reviewed="false")] == ["m-1"]
    assert [r["session_id"] for r in _get(staff_api, CONVERSATIONS, is_reviewed="true")] == ["m-2"]
    reviewed.feedback.delete()
    assert _get(staff_api, CONVERSATIONS, is_reviewed="true") == []


def test_token_sums_treat_untracked_turns_as_zero(staff_api):
    turn("t-1", input_tokens=300, output_tokens=30)
    turn("t-1", input_tokens=100, output_tokens=10)
    turn("t-2")
    rows = _by_session(_get(staff_api, CONVERSATIONS))
    assert (rows["t-1"]["input_tokens"], rows["t-1"]["output_tokens"]) == (400, 40)
    assert rows["t-1"]["total_tokens"] == 440
    assert (rows["t-2"]["input_tokens"], rows["t-2"]["total_tokens"]) == (0, 0)


def test_token_ranges_select_whole_conversations(staff_api):
    turn("r-1", input_tokens=80, output_tokens=20)
    turn("r-1", input_tokens=800, output_tokens=100)
    turn("r-2", input_tokens=50, output_tokens=50)
    rows = _get(staff_api, CONVERSATIONS, total_tokens_min=500)
    assert [(r["session_id"], r["message_count"], r["total_tokens"]) for r in rows] == [
        ("r-1", 2, 1000)
    ]
    assert _get(staff_api, CONVERSATIONS, total_tokens_min=1500) == []
    assert [r["session_id"] for r in _get(staff_api, CONVERSATIONS, input_tokens_max=100)] == [
        "r-2"
    ]
    assert [r["session_id"] for r in _get(staff_api, CONVERSATIONS, output_tokens_min=60)] == [
        "r-1"
    ]
    assert _get(staff_api, CONVERSATIONS, total_tokens_max="100.5")[0]["session_id"] == "r-2"
    assert _get(staff_api, CONVERSATIONS, total_tokens_max="99.5") == []
    assert _get(staff_api, CONVERSATIONS, total_tokens_min="1000.5") == []
    assert _get(staff_api, CONVERSATIONS, total_tokens_min="999.5")[0]["session_id"] == "r-1"
    bad = staff_api.get(CONVERSATIONS, {"total_tokens_min": "many"})
    assert bad.status_code == 400, bad.content
    assert "total_tokens_min" in bad.json()


def test_last_active_bounds_include_the_boundary_day(staff_api):
    turn("a-1", at=days_ago(5))
    turn("a-1", at=days_ago(3, hour=23))
    turn("a-2", at=days_ago(1, hour=0))
    day3, day1 = days_ago(3).date().isoformat(), days_ago(1).date().isoformat()
    before = _get(staff_api, CONVERSATIONS, last_active_before=day3)
    assert [r["session_id"] for r in before] == ["a-1"]
    after = _get(staff_api, CONVERSATIONS, last_active_after=day1)
    assert [r["session_id"] for r in after] == ["a-2"]
    both = _get(staff_api, CONVERSATIONS, last_active_after=day3, last_active_before=day1)
    assert len(both) == 2
    assert _get(staff_api, CONVERSATIONS, last_active_after=days_ago(4).date().isoformat())


def test_turn_filters_apply_before_grouping(staff_api, four_turns):
    rows = _get(staff_api, CONVERSATIONS, has_feedback="true")
    assert [(r["session_id"], r["message_count"]) for r in rows] == [("s-1", 2)]


def test_clicks_do_not_inflate_counts(staff_api):
    shown = turn("c-1", result_count=3, offering_uuids=[str(uuid.uuid4()) for _ in range(3)])
    click(shown, 3)
    row = _get(staff_api, CONVERSATIONS)[0]
    assert (row["message_count"], row["offerings_shown"], row["offerings_clicked"]) == (1, 3, 3)


def test_conversation_ordering_maps_created_and_result_count(staff_api):
    turn("late-start", at=days_ago(1), result_count=1)
    turn("early-start", at=days_ago(4), result_count=5)
    turn("early-start", at=timezone.now())
    by_start = _get(staff_api, CONVERSATIONS, o="created")
    assert [r["session_id"] for r in by_start] == ["early-start", "late-start"]
    by_shown = _get(staff_api, CONVERSATIONS, o="result_count")
    assert [r["session_id"] for r in by_shown] == ["late-start", "early-start"]
    assert staff_api.get(CONVERSATIONS, {"o": "session_id"}).status_code == 400


def test_conversations_page_when_asked(staff_api):
    for n in range(5):
        turn(f"p-{n}")
    response = staff_api.get(CONVERSATIONS, {"page": 2, "page_size": 2})
    assert len(response.json()) == 2
    assert response["X-Result-Count"] == "5"
    assert 'rel="prev"' in response["Link"]


# --- KPI -----------------------------------------------------------------------------------


def test_kpi_totals(staff_api, four_turns):
    kpi = _get(staff_api, KPI)
    assert kpi["interactions_total"] == 4
    assert kpi["sessions_total"] == 3
    assert kpi["unique_users"] == 2
    assert kpi["flagged_total"] == 1
    assert (kpi["feedback_positive"], kpi["feedback_negative"]) == (1, 1)
    assert kpi["satisfaction_rate"] == 0.5
    assert kpi["clicks_total"] == 0
    assert kpi["click_through_rate"] == 0.0
    assert (kpi["input_tokens_total"], kpi["output_tokens_total"]) == (115, 28)
    assert kpi["clarification_requests_total"] == 0
    assert kpi["clarification_rate"] == 0.0


def test_kpi_on_no_rows_gives_zeros_and_nulls(staff_api):
    kpi = _get(staff_api, KPI)
    assert (kpi["interactions_total"], kpi["input_tokens_total"], kpi["output_tokens_total"]) == (
        0,
        0,
        0,
    )
    assert kpi["satisfaction_rate"] is None
    assert kpi["click_through_rate"] is None
    assert kpi["reviewed_total"] == 0
    assert kpi["review_input_tokens_total"] == 0


def test_kpi_refuses_non_staff(api, anon_api):
    assert api.get(KPI).status_code == 403
    assert anon_api.get(KPI).status_code == 401


def test_kpi_created_bounds_are_inclusive(staff_api, four_turns):
    day = days_ago(1).date().isoformat()
    kpi = _get(staff_api, KPI, created_after=day, created_before=day)
    assert kpi["interactions_total"] == 2


def test_kpi_conversation_filters_narrow_the_roll_up(staff_api, four_turns):
    kpi = _get(staff_api, KPI, total_tokens_min=100)
    assert (kpi["interactions_total"], kpi["sessions_total"]) == (2, 1)
    assert kpi["input_tokens_total"] == 115


def test_kpi_counts_clicks_and_clarifications(staff_api):
    asked = turn("k-1")
    asked.assistant_blocks = [{"id": "blk_0", "key": "ask_user_form", "status": "complete"}]
    asked.save()
    click(turn("k-1"), 2)
    kpi = _get(staff_api, KPI)
    assert kpi["clicks_total"] == 2
    assert kpi["click_through_rate"] == 1.0
    assert kpi["clarification_requests_total"] == 1
    assert kpi["clarification_rate"] == 0.5


def test_reviewed_total_counts_conversations(staff_api):
    one, two = turn("v-1"), turn("v-1")
    verdict(one, llm_judge_input_tokens=100, llm_judge_output_tokens=10)
    verdict(two, llm_judge_input_tokens=50, llm_judge_output_tokens=5)
    kpi = _get(staff_api, KPI)
    assert kpi["reviewed_total"] == 1
    assert (kpi["review_input_tokens_total"], kpi["review_output_tokens_total"]) == (150, 15)


def test_review_figures_are_null_without_reviews(staff_api, four_turns):
    kpi = _get(staff_api, KPI)
    for key in ("avg_llm_resolution_score", "hallucination_rate", "review_coverage"):
        assert kpi[key] is None, key
    # An object of counts, empty: waldur-api-client 8.1.3 fails to parse the KPI on null.
    assert kpi["llm_intent_distribution"] == {}


def test_review_figures_with_one_of_two_sessions_reviewed(staff_api):
    verdict(turn("w-1"), score=5, intent="compute")
    turn("w-2")
    kpi = _get(staff_api, KPI)
    assert kpi["avg_llm_resolution_score"] == 5.0
    assert kpi["hallucination_rate"] == 0.0
    assert kpi["review_coverage"] == 0.5
    assert kpi["llm_intent_distribution"] == {"compute": 1}


def test_daily_volume_pads_days_and_takes_a_window(staff_api):
    turn("d-1", at=days_ago(2))
    turn("d-1", at=days_ago(2, hour=14))
    turn("d-2", at=timezone.now())
    kpi = _get(staff_api, KPI)
    volume = kpi["daily_volume"]
    assert len(volume) == 30
    today = timezone.now().astimezone(dt.UTC).date()
    assert volume[-1] == {"date": today.isoformat(), "count": 1}
    assert volume[-3] == {"date": (today - dt.timedelta(days=2)).isoformat(), "count": 2}
    assert volume[-2]["count"] == 0
    assert len(_get(staff_api, KPI, window_days=7)["daily_volume"]) == 7


@pytest.mark.parametrize("value", ["0", "366", "week"])
def test_window_days_out_of_range_is_400(staff_api, value):
    response = staff_api.get(KPI, {"window_days": value})
    assert response.status_code == 400, response.content
    assert "window_days" in response.json()


def test_severity_by_day_buckets_with_five_upper_case_series(staff_api):
    turn("e-1", at=days_ago(1), severity="high", is_flagged=True)
    turn("e-1", at=days_ago(1, hour=15))
    turn("e-1", at=days_ago(20), severity="low", is_flagged=True)
    chart = _get(staff_api, KPI)["severity_by_day"]
    assert len(chart["labels"]) == 14
    assert set(chart["series"]) == {"NONE", "LOW", "MEDIUM", "HIGH", "CRITICAL"}
    assert all(len(series) == 14 for series in chart["series"].values())
    assert chart["series"]["HIGH"][-2] == 1
    assert chart["series"]["NONE"][-2] == 1
    assert sum(chart["series"]["LOW"]) == 0  # 20 days ago is outside the chart


def test_kpi_accepts_and_ignores_ordering(staff_api, four_turns):
    assert _get(staff_api, KPI, o="-created")["interactions_total"] == 4
    assert _get(staff_api, KPI, o="anything")["interactions_total"] == 4


# --- budget snapshot -----------------------------------------------------------------------


def test_budget_snapshot_reports_today(staff_api, settings):
    settings.AI_ASSISTANT_GLOBAL_DAILY_TOKEN_BUDGET = 5000
    now = timezone.now()
    today = now.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    GlobalBudget.objects.update_or_create(
        pk=1,
        defaults={
            "daily_token_usage": 1234,
            "daily_start": today,
            "daily_requests": 7,
            "daily_requests_start": today,
        },
    )
    body = _get(staff_api, f"{BASE}budget/")
    assert body["tokens_today"] == 1234
    assert body["tokens_limit"] == 5000
    assert body["requests_today"] == 7
    assert dt.datetime.fromisoformat(body["resets_at"]) == today + dt.timedelta(days=1)


def test_budget_snapshot_resets_a_stale_day_on_read(staff_api, settings):
    settings.AI_ASSISTANT_GLOBAL_DAILY_TOKEN_BUDGET = -1
    yesterday = timezone.now() - dt.timedelta(days=1)
    GlobalBudget.objects.update_or_create(
        pk=1,
        defaults={
            "daily_token_usage": 999,
            "daily_start": yesterday,
            "daily_requests": 3,
            "daily_requests_start": yesterday,
        },
    )
    body = _get(staff_api, f"{BASE}budget/")
    assert (body["tokens_today"], body["requests_today"], body["tokens_limit"]) == (0, 0, 0)
    assert GlobalBudget.objects.get(pk=1).daily_token_usage == 999  # a read writes nothing


def test_budget_snapshot_without_a_row(staff_api):
    body = _get(staff_api, f"{BASE}budget/")
    assert body["tokens_today"] == 0
    assert isinstance(body["tokens_limit"], int)


# --- feedback ------------------------------------------------------------------------------

FEEDBACKS = "/api/anonymous-chat-feedbacks/"


def test_feedback_list_filters_and_orders_with_unsubmitted_last(staff_api):
    early, late = turn("f-1"), turn("f-2")
    vote(early, 1, submitted_at=days_ago(3))
    vote(late, -1, "incomplete", comment="Missing prices", submitted_at=days_ago(1))
    verdict(turn("f-3"), score=2)  # a verdict without a vote: submitted_at is null
    rows = _get(staff_api, FEEDBACKS)
    assert [r["interaction_uuid"] for r in rows][:2] == [str(late.uuid), str(early.uuid)]
    assert rows[-1]["submitted_at"] is None
    assert len(_get(staff_api, FEEDBACKS, score=-1)) == 1
    assert len(_get(staff_api, FEEDBACKS, score="1.0")) == 1
    assert len(_get(staff_api, FEEDBACKS, category="incomplete")) == 1
    assert len(_get(staff_api, FEEDBACKS, has_comment="true")) == 1
    assert len(_get(staff_api, FEEDBACKS, has_comment="false")) == 2
    day = days_ago(3).date().isoformat()
    assert len(_get(staff_api, FEEDBACKS, submitted_from=day, submitted_to=day)) == 1
    ordered = _get(staff_api, FEEDBACKS, o="-llm_resolution_score")
    assert ordered[0]["llm_resolution_score"] == 2
    paged = staff_api.get(FEEDBACKS, {"page_size": 1})
    assert len(paged.json()) == 1
    assert paged["X-Result-Count"] == "3"


def test_feedback_retrieve_by_interaction_uuid(staff_api, api):
    row = turn("g-1")
    vote(row, 1)
    body = _get(staff_api, f"{FEEDBACKS}{row.uuid}/")
    assert body["interaction_uuid"] == str(row.uuid)
    assert body["score"] == 1
    assert body["category"] == ""
    assert staff_api.get(f"{FEEDBACKS}{uuid.uuid4()}/").status_code == 404
    assert staff_api.get(f"{FEEDBACKS}nope/").status_code == 404
    assert api.get(f"{FEEDBACKS}{row.uuid}/").status_code == 403
