"""GET/POST /api/chat-threads/: visibility, figures, filters, ordering, archive and cancel."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from chat.models import Message, Role, Thread
from tests.chat.helpers import add_message, add_turn, thread_for
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()]


def test_user_lists_only_own_threads(api, user, other_user):
    thread_for(user, name="mine")
    thread_for(other_user, name="theirs")
    assert names(api.get("/api/chat-threads/")) == ["mine"]


@pytest.mark.parametrize("role", ["staff", "support"])
def test_staff_and_support_see_every_thread(request, role, user, other_user):
    thread_for(user, name="a")
    thread_for(other_user, name="b")
    assert sorted(names(client_for(request.getfixturevalue(role)).get("/api/chat-threads/"))) == [
        "a",
        "b",
    ]


def test_thread_fields_are_complete_and_typed(api, user):
    thread = thread_for(user, name="Quota question")
    body = api.get(f"/api/chat-threads/{thread.uuid}/").json()
    assert body == {
        "uuid": str(thread.uuid),
        "name": "Quota question",
        "chat_session": str(thread.chat_session.uuid),
        "flags": {},
        "is_archived": False,
        "message_count": 0,
        "input_tokens": None,
        "output_tokens": None,
        "total_tokens": None,
        "title_gen_input_tokens": None,
        "title_gen_output_tokens": None,
        "models_used": "",
        "is_flagged": False,
        "max_severity": "none",
        "has_feedback": False,
        "user_username": "alice",
        "user_full_name": "Alice Smith",
        "created": body["created"],
        "modified": body["modified"],
    }


def test_token_totals_add_messages_and_title_tokens(api, user):
    thread = thread_for(user, title_gen_input_tokens=20, title_gen_output_tokens=5)
    add_turn(thread, input_tokens=100, output_tokens=50)
    body = api.get(f"/api/chat-threads/{thread.uuid}/").json()
    assert (body["input_tokens"], body["output_tokens"], body["total_tokens"]) == (120, 55, 175)
    assert body["message_count"] == 2


def test_replaced_messages_count_towards_totals(api, user):
    thread = thread_for(user)
    _, answer = add_turn(thread, input_tokens=10, output_tokens=5)
    add_message(
        thread,
        Role.ASSISTANT,
        "again",
        sequence_index=answer.sequence_index,
        replaces=answer,
        input_tokens=11,
        output_tokens=6,
    )
    body = api.get(f"/api/chat-threads/{thread.uuid}/").json()
    assert (body["input_tokens"], body["output_tokens"], body["message_count"]) == (21, 11, 3)


def test_models_used_lists_distinct_models_without_inflating_counts(api, user):
    thread = thread_for(user)
    add_turn(thread, model="model-b")
    add_turn(thread, model="model-a")
    add_turn(thread, model="model-a")
    body = api.get(f"/api/chat-threads/{thread.uuid}/").json()
    assert sorted(body["models_used"].split(",")) == ["model-a", "model-b"]
    assert body["message_count"] == 6


def test_models_used_is_blank_without_tracking_and_sorts(api, user):
    blank = thread_for(user, name="blank")
    add_turn(blank)
    zed = thread_for(user, name="zed")
    add_turn(zed, model="zed-model")
    alpha = thread_for(user, name="alpha")
    add_turn(alpha, model="alpha-model")
    assert api.get(f"/api/chat-threads/{blank.uuid}/").json()["models_used"] == ""
    assert names(api.get("/api/chat-threads/?o=models_used")) == ["blank", "alpha", "zed"]


def test_is_archived_filter_and_archive_roundtrip(api, user):
    thread = thread_for(user, name="t")
    assert api.post(f"/api/chat-threads/{thread.uuid}/archive/").status_code == 204
    assert names(api.get("/api/chat-threads/?is_archived=true")) == ["t"]
    assert names(api.get("/api/chat-threads/?is_archived=false")) == []
    response = api.post(f"/api/chat-threads/{thread.uuid}/unarchive/")
    assert response.status_code == 204
    assert response.content == b""
    assert Thread.objects.get(pk=thread.pk).is_archived is False


def test_staff_can_archive_another_users_thread(staff, user):
    thread = thread_for(user)
    assert client_for(staff).post(f"/api/chat-threads/{thread.uuid}/archive/").status_code == 204
    assert Thread.objects.get(pk=thread.pk).is_archived


def test_user_cannot_archive_a_foreign_thread(api, other_user):
    thread = thread_for(other_user)
    assert api.post(f"/api/chat-threads/{thread.uuid}/archive/").status_code == 404
    assert not Thread.objects.get(pk=thread.pk).is_archived


def test_cancel_sets_the_request_and_is_idempotent(api, user):
    thread = thread_for(user)
    first = api.post(f"/api/chat-threads/{thread.uuid}/cancel/", {}, format="json")
    assert first.status_code == 200, first.content
    assert Thread.objects.get(pk=thread.pk).cancel_requested_at is not None
    assert (
        api.post(f"/api/chat-threads/{thread.uuid}/cancel/", {}, format="json").status_code == 200
    )


def test_cancel_is_owner_only_even_for_staff(staff, user):
    thread = thread_for(user)
    response = client_for(staff).post(f"/api/chat-threads/{thread.uuid}/cancel/", {}, format="json")
    assert response.status_code == 404
    assert Thread.objects.get(pk=thread.pk).cancel_requested_at is None


def test_cancel_of_unknown_thread_is_404(api):
    response = api.post(
        "/api/chat-threads/00000000-0000-4000-8000-000000000000/cancel/", {}, format="json"
    )
    assert response.status_code == 404


def test_total_tokens_range_filter_accepts_decimals(api, user):
    small = thread_for(user, name="small")
    add_turn(small, input_tokens=10, output_tokens=10)
    big = thread_for(user, name="big")
    add_turn(big, input_tokens=100, output_tokens=100)
    assert names(api.get("/api/chat-threads/?total_tokens_min=100.0")) == ["big"]
    assert names(api.get("/api/chat-threads/?total_tokens_max=20")) == ["small"]
    assert names(api.get("/api/chat-threads/?input_tokens_min=10&input_tokens_max=10")) == ["small"]
    assert names(api.get("/api/chat-threads/?output_tokens_min=11")) == ["big"]


def test_fractional_token_bounds_round_inward(api, user):
    add_turn(thread_for(user, name="hundred"), input_tokens=60, output_tokens=40)
    assert names(api.get("/api/chat-threads/?total_tokens_min=99.5")) == ["hundred"]
    assert names(api.get("/api/chat-threads/?total_tokens_min=100.5")) == []
    assert names(api.get("/api/chat-threads/?total_tokens_max=100.5")) == ["hundred"]
    assert names(api.get("/api/chat-threads/?total_tokens_max=99.5")) == []
    assert names(api.get("/api/chat-threads/?input_tokens_min=1e1")) == ["hundred"]


def test_ordering_by_total_tokens_both_ways(api, user):
    for name, tokens in (("low", 1), ("high", 300), ("mid", 20)):
        add_turn(thread_for(user, name=name), input_tokens=tokens, output_tokens=0)
    assert names(api.get("/api/chat-threads/?o=total_tokens")) == ["low", "mid", "high"]
    assert names(api.get("/api/chat-threads/?o=-total_tokens")) == ["high", "mid", "low"]


def test_ordering_by_modified_descending(api, user):
    now = timezone.now()
    thread_for(user, name="old", modified=now - dt.timedelta(days=2))
    thread_for(user, name="new", modified=now)
    thread_for(user, name="mid", modified=now - dt.timedelta(days=1))
    assert names(api.get("/api/chat-threads/?o=-modified")) == ["new", "mid", "old"]


def test_default_ordering_is_newest_first(api, user):
    now = timezone.now()
    thread_for(user, name="first", created=now - dt.timedelta(hours=2))
    thread_for(user, name="second", created=now - dt.timedelta(hours=1))
    assert names(api.get("/api/chat-threads/")) == ["second", "first"]


def test_staff_filter_by_owner_uuid(staff, user, other_user):
    thread_for(user, name="alice's")
    thread_for(other_user, name="bob's")
    response = client_for(staff).get(f"/api/chat-threads/?user={other_user.uuid}")
    assert names(response) == ["bob's"]


def test_scope_own_restricts_staff_to_own_threads(staff, user):
    thread_for(user, name="alice's")
    thread_for(staff, name="mine")
    assert names(client_for(staff).get("/api/chat-threads/?scope=own")) == ["mine"]


def test_created_and_modified_date_filters_include_both_boundary_days(api, user):
    late = dt.datetime(2026, 3, 10, 23, 30, tzinfo=dt.UTC)
    early = dt.datetime(2026, 3, 8, 0, 5, tzinfo=dt.UTC)
    thread_for(user, name="late", created=late, modified=late)
    thread_for(user, name="early", created=early, modified=early)
    assert names(api.get("/api/chat-threads/?created_after=2026-03-10")) == ["late"]
    assert names(api.get("/api/chat-threads/?created_before=2026-03-08")) == ["early"]
    both = api.get("/api/chat-threads/?created_after=2026-03-08&created_before=2026-03-10")
    assert sorted(names(both)) == ["early", "late"]
    assert names(api.get("/api/chat-threads/?modified_before=2026-03-09")) == ["early"]
    assert names(api.get("/api/chat-threads/?modified_after=2026-03-10")) == ["late"]


def test_old_exact_day_created_parameter_is_ignored(api, user):
    thread_for(user, name="t")
    assert names(api.get("/api/chat-threads/?created=1999-01-01")) == ["t"]


def test_has_feedback_field_and_filter(api, user):
    voted = thread_for(user, name="voted")
    _, answer = add_turn(voted)
    Message.objects.filter(pk=answer.pk).update(feedback_score=True)
    add_turn(thread_for(user, name="silent"))
    assert names(api.get("/api/chat-threads/?has_feedback=true")) == ["voted"]
    assert names(api.get("/api/chat-threads/?has_feedback=false")) == ["silent"]
    assert api.get(f"/api/chat-threads/{voted.uuid}/").json()["has_feedback"] is True


def test_flag_filters_use_exact_severity_and_none_means_unflagged(api, user):
    thread_for(user, name="high", flags={"is_flagged": True, "max_severity": "high"})
    thread_for(user, name="critical", flags={"is_flagged": True, "max_severity": "critical"})
    thread_for(user, name="clean")
    assert sorted(names(api.get("/api/chat-threads/?is_flagged=true"))) == ["critical", "high"]
    assert names(api.get("/api/chat-threads/?is_flagged=false")) == ["clean"]
    assert names(api.get("/api/chat-threads/?max_severity=high")) == ["high"]
    assert names(api.get("/api/chat-threads/?max_severity=critical")) == ["critical"]
    assert names(api.get("/api/chat-threads/?max_severity=none")) == ["clean"]


def test_query_matches_thread_name_and_owner_fields(staff, user, other_user):
    thread_for(user, name="Billing question")
    thread_for(other_user, name="Other")
    client = client_for(staff)
    assert names(client.get("/api/chat-threads/?query=billing")) == ["Billing question"]
    assert names(client.get("/api/chat-threads/?query=bob")) == ["Other"]
    assert names(client.get("/api/chat-threads/?query=JONES")) == ["Other"]
    assert names(client.get("/api/chat-threads/?query=alice@mail")) == ["Billing question"]


def test_query_matches_message_text_without_duplicates(api, user):
    thread = thread_for(user, name="t")
    add_turn(thread, "How do I resize a volume?", "Use the resize action on the volume page.")
    assert names(api.get("/api/chat-threads/?query=volume")) == ["t"]
    assert names(api.get("/api/chat-threads/?query=nothing-like-this")) == []


def test_search_never_widens_visibility(api, other_user):
    thread = thread_for(other_user, name="secret plans")
    add_turn(thread, "secret plans inside")
    assert names(api.get("/api/chat-threads/?query=secret")) == []
    assert names(api.get("/api/chat-threads/?query=bob")) == []


@pytest.mark.postgres_only
def test_full_text_search_stems_and_matches_phrases(api, user):
    thread = thread_for(user, name="t")
    add_turn(thread, "I am resizing my virtual machine", "Resizing takes a minute.")
    assert names(api.get("/api/chat-threads/?query=resize")) == ["t"]
    assert names(api.get("/api/chat-threads/?query=%22virtual+machine%22")) == ["t"]
    assert names(api.get("/api/chat-threads/?query=%22machine+virtual%22")) == []


def test_staff_reading_another_users_thread_is_audited(staff, user):
    thread = thread_for(user)
    assert client_for(staff).get(f"/api/chat-threads/{thread.uuid}/").status_code == 200
    event = AuditEvent.objects.get(event_type="chat_thread_accessed")
    assert (event.actor, event.target_uuid) == (staff, thread.uuid)


def test_reading_ones_own_thread_is_not_audited(api, user):
    thread = thread_for(user)
    assert api.get(f"/api/chat-threads/{thread.uuid}/").status_code == 200
    assert not AuditEvent.objects.exists()


def test_listing_is_not_audited(staff, user):
    thread_for(user)
    assert client_for(staff).get("/api/chat-threads/").status_code == 200
    assert not AuditEvent.objects.exists()


def test_field_selection_returns_only_requested_keys(api, user):
    thread_for(user, name="t")
    rows = api.get("/api/chat-threads/?field=uuid&field=name").json()
    assert [set(row) for row in rows] == [{"uuid", "name"}]


def test_figures_made_per_page_equal_the_figures_made_in_sql(api, user):
    """A plain list computes its figures for the page only; ordering by a figure computes them
    in SQL for every thread: both give the same numbers."""
    empty = thread_for(user, name="empty")
    titled = thread_for(user, name="titled")
    Thread.objects.filter(pk=titled.pk).update(title_gen_input_tokens=7, title_gen_output_tokens=2)
    busy = thread_for(user, name="busy")
    add_turn(busy, input_tokens=10, output_tokens=20, model="m1")
    add_turn(busy, input_tokens=5, output_tokens=None, model="m2", feedback_score=False)
    add_message(busy, Role.USER, "unanswered")
    keys = ("message_count", "input_tokens", "output_tokens", "total_tokens", "models_used",
            "has_feedback")  # fmt: skip

    def figures(response):
        assert response.status_code == 200, response.content
        return {row["name"]: {k: row[k] for k in keys} for row in response.json()}

    per_page = figures(api.get("/api/chat-threads/"))
    in_sql = figures(api.get("/api/chat-threads/?o=-total_tokens"))
    assert per_page == in_sql
    assert per_page["busy"] == {
        "message_count": 5, "input_tokens": 15, "output_tokens": 20, "total_tokens": 35,
        "models_used": "m1,m2", "has_feedback": True,
    }  # fmt: skip
    assert per_page["titled"]["total_tokens"] == 9
    assert per_page[empty.name]["input_tokens"] is None
    assert per_page[empty.name]["message_count"] == 0
