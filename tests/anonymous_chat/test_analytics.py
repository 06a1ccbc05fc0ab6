"""Staff analytics over anonymous turns: access, list filters, transcripts and users."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern

from anonymous_chat.analytics_views import router
from tests.anonymous_chat.analyticskit import click, days_ago, turn, verdict, vote
from tests.conftest import client_for

BASE = "/api/anonymous-chat-interactions/"

pytestmark = pytest.mark.django_db


SAMPLE_UUID = str(uuid.uuid4())


def _route_paths() -> list[str]:
    samples = {
        "uuid": SAMPLE_UUID,
        "interaction_uuid": SAMPLE_UUID,
        "session_id": "s-1",
        "user_slug": "slug-a",
    }
    paths = []
    for pattern in router.urls:
        assert isinstance(pattern, URLPattern)
        regex = pattern.pattern.regex
        path = regex.pattern.lstrip("^").rstrip("$")
        for name in regex.groupindex:
            path = path.replace(f"(?P<{name}>[^/.]+)", samples[name])
            path = path.replace(f"(?P<{name}>[^/]+)", samples[name])
            path = path.replace(f"(?P<{name}>[^/\\x00]+)", samples[name])
        paths.append("/api/" + path)
    return paths


def test_the_routes_are_registered():
    paths = _route_paths()
    assert {p for p in paths if "-feedbacks/" not in p and p.count("/") == 4} == {
        f"{BASE}budget/",
        f"{BASE}by-user/",
        f"{BASE}conversations/",
        f"{BASE}kpi/",
        f"{BASE}{SAMPLE_UUID}/",
    }
    assert {
        BASE,
        f"{BASE}by-session/s-1/",
        f"{BASE}by-user/slug-a/",
        "/api/anonymous-chat-feedbacks/",
        f"/api/anonymous-chat-feedbacks/{SAMPLE_UUID}/",
    } <= set(paths)
    assert len(paths) == 10


def test_every_route_refuses_anonymous_and_non_staff_callers(anon_api, user, staff, support):
    four = [turn("s-1", slug="slug-a")]
    assert four
    for path in _route_paths():
        response = anon_api.get(path)
        assert response.status_code == 401, (path, response.content)
        response = client_for(user).get(path)
        assert response.status_code == 403, (path, response.content)
        assert response.json()["detail"] == "Only staff and support can do this.", path
        for caller in (staff, support):
            response = client_for(caller).get(path)
            assert response.status_code in (200, 404), (path, response.content)


def test_writes_are_not_allowed(staff_api, four_turns):
    response = staff_api.post(BASE, {}, format="json")
    assert response.status_code == 405, response.content
    response = staff_api.delete(f"{BASE}{four_turns[0].uuid}/")
    assert response.status_code == 405, response.content


def test_querysets_are_empty_for_non_staff(rf, user, four_turns):
    from anonymous_chat.analytics_views import (
        AnonymousChatFeedbackViewSet,
        AnonymousChatInteractionViewSet,
    )

    for viewset in (AnonymousChatInteractionViewSet, AnonymousChatFeedbackViewSet):
        view = viewset()
        view.request = rf.get("/")
        view.request.user = user
        view.action = "list"
        assert list(view.get_queryset()) == []


def test_list_is_the_whole_array_unless_paged(staff_api, four_turns):
    response = staff_api.get(BASE)
    assert response.status_code == 200, response.content
    assert len(response.json()) == 4
    assert response["X-Result-Count"] == "4"
    assert "Link" not in response
    paged = staff_api.get(BASE, {"page_size": 3})
    assert len(paged.json()) == 3
    assert paged["X-Result-Count"] == "4"
    assert 'rel="next"' in paged["Link"]
    assert [r["uuid"] for r in response.json()][:1] == [str(four_turns[3].uuid)]


def test_interaction_shape_follows_the_reference(staff_api, four_turns):
    rows = {r["uuid"]: r for r in staff_api.get(BASE).json()}
    plain = rows[str(four_turns[3].uuid)]
    assert plain["feedback"] is None
    assert plain["severity"] == "none"
    assert plain["click_count"] == 0
    assert plain["offering_uuids"] == []
    assert plain["injection_categories"] == []
    assert isinstance(plain["assistant_blocks"], list)
    assert set(plain) == {
        "uuid", "user_slug", "user_input", "assistant_blocks", "click_count", "input_tokens",
        "output_tokens", "offering_uuids", "result_count", "is_flagged", "severity",
        "injection_categories", "pii_categories", "action_taken", "warning", "ip_address",
        "session_id", "last_active_at", "created", "feedback",
    }  # fmt: skip
    voted = rows[str(four_turns[1].uuid)]["feedback"]
    assert voted["score"] == -1
    assert voted["category"] == "inaccurate"
    assert voted["interaction_uuid"] == str(four_turns[1].uuid)
    up = rows[str(four_turns[0].uuid)]["feedback"]
    assert up["category"] == ""


def test_retrieve_has_no_click_count_and_unknown_is_404(staff_api, four_turns):
    click(four_turns[0], 2)
    response = staff_api.get(f"{BASE}{four_turns[0].uuid}/")
    assert response.status_code == 200, response.content
    assert response.json()["click_count"] == 0
    assert staff_api.get(f"{BASE}{uuid.uuid4()}/").status_code == 404
    assert staff_api.get(f"{BASE}not-a-uuid/").status_code == 404


def test_is_flagged_and_severity_filters(staff_api, four_turns):
    flagged = staff_api.get(BASE, {"is_flagged": "true"}).json()
    assert [r["uuid"] for r in flagged] == [str(four_turns[2].uuid)]
    assert len(staff_api.get(BASE, {"is_flagged": "false"}).json()) == 3
    assert len(staff_api.get(BASE, {"severity": "high"}).json()) == 1
    assert len(staff_api.get(BASE, {"severity": "none"}).json()) == 3
    bad = staff_api.get(BASE, {"severity": "loud"})
    assert bad.status_code == 400, bad.content
    assert "severity" in bad.json()
    bad = staff_api.get(BASE, {"is_flagged": "maybe"})
    assert bad.status_code == 400, bad.content
    assert "is_flagged" in bad.json()


def test_has_feedback_partitions_the_rows_and_the_old_name_is_accepted(staff_api, four_turns):
    yes = {r["uuid"] for r in staff_api.get(BASE, {"has_feedback": "true"}).json()}
    no = {r["uuid"] for r in staff_api.get(BASE, {"has_feedback": "false"}).json()}
    assert yes == {str(four_turns[0].uuid), str(four_turns[1].uuid)}
    assert len(no) == 2
    assert not yes & no
    old = {r["uuid"] for r in staff_api.get(BASE, {"has_negative_feedback": "true"}).json()}
    assert old == yes


def test_a_verdict_alone_is_not_feedback(staff_api, four_turns):
    verdict(four_turns[3])
    assert len(staff_api.get(BASE, {"has_feedback": "true"}).json()) == 2


def test_created_bounds_include_both_days_and_old_names_work(staff_api, four_turns):
    three, one = days_ago(3).date().isoformat(), days_ago(1).date().isoformat()
    between = staff_api.get(BASE, {"created_after": three, "created_before": one}).json()
    assert len(between) == 4
    only_day = staff_api.get(BASE, {"created_after": one, "created_before": one}).json()
    assert len(only_day) == 2
    old = staff_api.get(BASE, {"created_from": one, "created_to": one}).json()
    assert len(old) == 2
    assert staff_api.get(BASE, {"created_after": "yesterday"}).status_code == 400


def test_session_and_slug_filters_are_exact(staff_api, four_turns):
    assert len(staff_api.get(BASE, {"session_id": "s-1"}).json()) == 2
    assert len(staff_api.get(BASE, {"session_id": "s-"}).json()) == 0
    assert len(staff_api.get(BASE, {"user_slug": "slug-a"}).json()) == 3


def test_query_matches_question_answer_and_slug(staff_api):
    turn("q-1", question="How do I resize a volume?", answer="Use the storage tab.", slug="aa11")
    turn("q-2", question="Price of GPUs?", answer="Ask sales.", slug="bb22")
    ask = lambda q: {r["session_id"] for r in staff_api.get(BASE, {"query": q}).json()}  # noqa: E731
    assert ask("volume") == {"q-1"}
    assert ask("storage") == {"q-1"}
    assert ask("B22") == {"q-2"}
    assert ask("nothing-like-this") == set()


@pytest.mark.postgres_only
def test_query_uses_full_text_with_stemming_and_phrases(staff_api):
    turn("f-1", question="Which volumes can be resized?", answer="Block storage volumes.")
    turn("f-2", question="resized block", answer="No.")
    ask = lambda q: {r["session_id"] for r in staff_api.get(BASE, {"query": q}).json()}  # noqa: E731
    assert ask("volume resize") == {"f-1"}
    assert ask('"block storage"') == {"f-1"}
    assert ask("-storage resized") == {"f-2"}


def test_ordering_by_result_count_and_unknown_key(staff_api):
    for count in (2, 0, 5):
        turn("o-1", result_count=count)
    rows = staff_api.get(BASE, {"o": "-result_count"}).json()
    assert [r["result_count"] for r in rows] == [5, 2, 0]
    bad = staff_api.get(BASE, {"o": "user_input"})
    assert bad.status_code == 400, bad.content
    assert "o" in bad.json()


def test_by_session_is_a_transcript_with_click_counts(staff_api, four_turns):
    click(four_turns[0], 2)
    response = staff_api.get(f"{BASE}by-session/s-1/")
    assert response.status_code == 200, response.content
    rows = response.json()
    assert [r["uuid"] for r in rows] == [str(four_turns[0].uuid), str(four_turns[1].uuid)]
    assert [r["click_count"] for r in rows] == [2, 0]
    conversation = staff_api.get(f"{BASE}conversations/", {"session_id": "s-1"}).json()
    assert conversation[0]["message_count"] == 2
    assert staff_api.get(f"{BASE}by-session/unknown/").json() == []


def test_by_session_accepts_any_characters_but_a_slash(staff_api):
    odd = "a.b:c~d@e+f(g)"
    turn(odd)
    rows = staff_api.get(f"{BASE}by-session/{odd}/").json()
    assert [r["session_id"] for r in rows] == [odd]
    spaced = turn("with space")
    rows = staff_api.get(f"{BASE}by-session/with%20space/").json()
    assert [r["uuid"] for r in rows] == [str(spaced.uuid)]


def test_by_session_pages_when_asked(staff_api):
    for _ in range(3):
        turn("long")
    response = staff_api.get(f"{BASE}by-session/long/", {"page_size": 2})
    assert len(response.json()) == 2
    assert response["X-Result-Count"] == "3"
    assert "Link" in response


def test_by_user_slug_returns_turns_across_sessions_oldest_first(staff_api, four_turns):
    rows = staff_api.get(f"{BASE}by-user/slug-a/").json()
    assert len(rows) == 3
    assert [r["uuid"] for r in rows] == [str(t.uuid) for t in four_turns[:3]]
    assert {r["session_id"] for r in rows} == {"s-1", "s-2"}


def test_users_aggregate_groups_counts_and_hides_ips(staff_api, four_turns):
    turn("s-4", slug="slug-b", is_strike=True, action_taken="block", severity="high")
    turn("s-4", slug="slug-b", action_taken="redact", ip_address="192.0.2.7")
    turn("s-5", slug="")
    response = staff_api.get(f"{BASE}by-user/")
    assert response.status_code == 200, response.content
    rows = response.json()
    assert [r["user_slug"] for r in rows] == ["slug-a", "slug-b"]
    first, second = rows
    assert first["total_interactions"] == 3
    assert first["session_count"] == 2
    assert (first["positive_feedback"], first["negative_feedback"], first["no_feedback"]) == (
        1,
        1,
        1,
    )
    assert first["injection_strikes"] == 0
    assert second["injection_strikes"] == 1  # the strike, not the redaction
    assert second["no_feedback"] == 3
    assert second["session_count"] == 2
    assert first["last_seen"] is not None
    assert "192.0.2.7" not in response.content.decode()
    assert not any("ip" in key for key in first)


def test_users_aggregate_orders_created_as_last_seen_and_pages(staff_api, four_turns):
    rows = staff_api.get(f"{BASE}by-user/", {"o": "created"}).json()
    assert [r["user_slug"] for r in rows] == ["slug-a", "slug-b"]
    rows = staff_api.get(f"{BASE}by-user/", {"o": "-created"}).json()
    assert [r["user_slug"] for r in rows] == ["slug-b", "slug-a"]
    paged = staff_api.get(f"{BASE}by-user/", {"page_size": 1})
    assert len(paged.json()) == 1
    assert paged["X-Result-Count"] == "2"


def test_users_aggregate_takes_the_turn_filters(staff_api, four_turns):
    rows = staff_api.get(f"{BASE}by-user/", {"is_flagged": "true"}).json()
    assert [(r["user_slug"], r["total_interactions"]) for r in rows] == [("slug-a", 1)]


@pytest.mark.parametrize(
    "path",
    [BASE, f"{BASE}by-session/s-1/", f"{BASE}by-user/", f"{BASE}by-user/slug-a/"],
)
def test_lists_use_a_constant_number_of_queries(staff_api, path):
    counts = []
    for size in (2, 20):
        for n in range(size):
            row = turn("s-1" if n % 2 else f"s-{size}-{n}", slug="slug-a")
            vote(row, 1)
            click(row)
        with CaptureQueriesContext(connection) as queries:
            response = staff_api.get(path)
        assert response.status_code == 200, response.content
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 4, counts  # two of them look the token up (knox)
