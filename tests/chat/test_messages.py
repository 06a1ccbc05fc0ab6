"""GET /api/chat-messages/ and POST /api/chat-messages/{uuid}/feedback/."""

from __future__ import annotations

import pytest

from accounts.models import AuditEvent
from chat.models import Message, Role
from tests.chat.helpers import add_message, add_turn, thread_for
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

DETECTION = {"is_flagged", "severity", "injection_categories", "pii_categories", "action_taken"}


def uuids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["uuid"] for row in response.json()]


def test_user_sees_only_own_messages_in_sequence_order(api, user, other_user):
    thread = thread_for(user)
    question, answer = add_turn(thread)
    add_turn(thread_for(other_user))
    assert uuids(api.get("/api/chat-messages/")) == [str(question.uuid), str(answer.uuid)]


def test_message_fields_for_a_regular_user_hide_detection(api, user):
    thread = thread_for(user)
    question = add_message(thread, text="What is my quota?")
    row = api.get(f"/api/chat-messages/?thread={thread.uuid}").json()[0]
    assert row == {
        "uuid": str(question.uuid),
        "thread": str(thread.uuid),
        "role": "user",
        "blocks": [
            {"id": "blk_0", "key": "markdown", "status": "complete", "content": "What is my quota?"}
        ],
        "warning": "",
        "sequence_index": 1,
        "replaces": None,
        "created": row["created"],
        "input_tokens": None,
        "output_tokens": None,
        "model": "",
        "finish_reason": "",
        "feedback_score": None,
        "feedback_comment": None,
        "feedback_category": None,
        "feedback_submitted_at": None,
    }
    assert not DETECTION & set(row)


@pytest.mark.parametrize("role", ["staff", "support"])
def test_staff_and_support_see_all_messages_with_detection_fields(request, role, user, other_user):
    add_message(
        thread_for(user),
        is_flagged=True,
        severity="medium",
        injection_categories=["leetspeak"],
        action_taken="flag",
    )
    add_message(thread_for(other_user))
    rows = client_for(request.getfixturevalue(role)).get("/api/chat-messages/").json()
    assert len(rows) == 2
    assert all(set(row) >= DETECTION for row in rows)
    flagged = [row for row in rows if row["is_flagged"]]
    assert flagged[0]["injection_categories"] == ["leetspeak"]
    assert flagged[0]["severity"] == "medium"


def test_staff_filter_is_flagged(staff, user):
    thread = thread_for(user)
    flagged = add_message(thread, is_flagged=True, severity="medium", action_taken="flag")
    add_message(thread)
    assert uuids(client_for(staff).get("/api/chat-messages/?is_flagged=true")) == [
        str(flagged.uuid)
    ]


def test_replaced_messages_are_hidden_unless_history_is_requested(api, user):
    thread = thread_for(user)
    question, answer = add_turn(thread)
    replacement = add_message(
        thread, Role.ASSISTANT, "better", sequence_index=answer.sequence_index, replaces=answer
    )
    active = [str(question.uuid), str(replacement.uuid)]
    assert uuids(api.get(f"/api/chat-messages/?thread={thread.uuid}")) == active
    assert (
        uuids(api.get(f"/api/chat-messages/?thread={thread.uuid}&include_history=false")) == active
    )
    history = uuids(api.get(f"/api/chat-messages/?thread={thread.uuid}&include_history=true"))
    assert history == [str(question.uuid), str(answer.uuid), str(replacement.uuid)]
    row = api.get(f"/api/chat-messages/?thread={thread.uuid}").json()[1]
    assert row["replaces"] == str(answer.uuid)


def test_thread_filter_selects_one_thread(api, user):
    first = thread_for(user)
    add_turn(first)
    second = thread_for(user)
    only = add_message(second)
    assert uuids(api.get(f"/api/chat-messages/?thread={second.uuid}")) == [str(only.uuid)]


def test_blocks_are_returned_unchanged(api, user):
    thread = thread_for(user)
    blocks = [
        {"id": "blk_0", "key": "markdown", "status": "complete", "content": "Text"},
        {
            "id": "blk_1",
            "key": "tool",
            "status": "complete",
            "tool": {"call_id": "c1", "name": "lookup", "arguments": {"q": 1}, "summary": "ok"},
            "result": {"id": "blk_2", "key": "markdown", "status": "complete", "content": ""},
        },
        {
            "id": "blk_3",
            "key": "code",
            "status": "complete",
            "content": "print(1)",
            "tag": "python",
        },
    ]
    Message.objects.create(thread=thread, role=Role.ASSISTANT, sequence_index=1, blocks=blocks)
    assert api.get("/api/chat-messages/").json()[0]["blocks"] == blocks


def test_token_fields_are_visible_to_regular_users(api, user):
    add_turn(thread_for(user), input_tokens=80, output_tokens=30)
    answer = api.get("/api/chat-messages/").json()[1]
    assert (answer["input_tokens"], answer["output_tokens"]) == (80, 30)


def test_whole_list_without_page_parameters_and_pages_with_them(api, user):
    thread = thread_for(user)
    for _ in range(15):
        add_turn(thread)
    whole = api.get("/api/chat-messages/")
    assert len(whole.json()) == 30
    assert whole["X-Result-Count"] == "30"
    paged = api.get("/api/chat-messages/?page=2&page_size=12")
    assert len(paged.json()) == 12
    assert paged["X-Result-Count"] == "30"
    assert 'rel="next"' in paged["Link"]


# --- feedback -----------------------------------------------------------------------------


def feedback(client, message, **body):
    return client.post(f"/api/chat-messages/{message.uuid}/feedback/", body, format="json")


def test_feedback_fields_default_to_null(api, user):
    _, answer = add_turn(thread_for(user))
    row = api.get("/api/chat-messages/").json()[1]
    assert row["uuid"] == str(answer.uuid)
    assert [row[k] for k in ("feedback_score", "feedback_comment", "feedback_category")] == [
        None,
        None,
        None,
    ]


def test_thumbs_up_is_stored_and_returned(api, user):
    _, answer = add_turn(thread_for(user))
    response = feedback(api, answer, score=True)
    assert response.status_code == 200, response.content
    assert response.json()["feedback_score"] is True
    assert response.json()["feedback_submitted_at"]


def test_thumbs_down_with_comment_and_category(api, user):
    _, answer = add_turn(thread_for(user))
    response = feedback(api, answer, score=False, comment="Wrong flavor", category="inaccurate")
    assert response.status_code == 200, response.content
    answer.refresh_from_db()
    assert (answer.feedback_score, answer.feedback_comment, answer.feedback_category) == (
        False,
        "Wrong flavor",
        "inaccurate",
    )


def test_category_with_thumbs_up_is_rejected(api, user):
    _, answer = add_turn(thread_for(user))
    response = feedback(api, answer, score=True, category="other")
    assert response.status_code == 400
    assert "category" in response.json()


def test_blank_category_counts_as_absent(api, user):
    _, answer = add_turn(thread_for(user))
    assert feedback(api, answer, score=True, category="", comment="").status_code == 200
    answer.refresh_from_db()
    assert answer.feedback_category is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"score": False, "category": "tasty"}, "category"),
        ({"comment": "no score"}, "score"),
        ({"score": "maybe"}, "score"),
        ({"score": True, "comment": "x" * 2001}, "comment"),
    ],
)
def test_invalid_feedback_is_400_naming_the_field(api, user, body, field):
    _, answer = add_turn(thread_for(user))
    response = api.post(f"/api/chat-messages/{answer.uuid}/feedback/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    answer.refresh_from_db()
    assert answer.feedback_score is None


def test_feedback_on_a_user_message_is_400(api, user):
    question, _ = add_turn(thread_for(user))
    response = feedback(api, question, score=True)
    assert response.status_code == 400
    assert response.json()["detail"] == "Feedback can only be given on assistant messages."


@pytest.mark.parametrize("caller", ["api", "staff"])
def test_feedback_on_another_users_message_is_404(request, caller, other_user):
    _, answer = add_turn(thread_for(other_user))
    client = request.getfixturevalue(caller)
    client = client if caller == "api" else client_for(client)
    assert feedback(client, answer, score=True).status_code == 404
    answer.refresh_from_db()
    assert answer.feedback_score is None


def test_resubmission_overwrites_and_moves_the_timestamp(api, user):
    _, answer = add_turn(thread_for(user))
    feedback(api, answer, score=False, comment="bad", category="incomplete")
    answer.refresh_from_db()
    first_time = answer.feedback_submitted_at
    assert feedback(api, answer, score=True).status_code == 200
    answer.refresh_from_db()
    assert (answer.feedback_score, answer.feedback_comment, answer.feedback_category) == (
        True,
        None,
        None,
    )
    assert answer.feedback_submitted_at > first_time


def test_feedback_writes_an_audit_event(api, user):
    thread = thread_for(user)
    _, answer = add_turn(thread)
    feedback(api, answer, score=False, category="other", comment="meh")
    event = AuditEvent.objects.get(event_type="chat_feedback_submitted")
    assert event.actor == user
    assert event.context == {
        "score": False,
        "category": "other",
        "has_comment": True,
        "message_uuid": answer.uuid.hex,
        "thread_uuid": thread.uuid.hex,
    }


def test_feedback_score_filter(api, user):
    thread = thread_for(user)
    _, up = add_turn(thread)
    _, down = add_turn(thread)
    feedback(api, up, score=True)
    feedback(api, down, score=False)
    assert uuids(api.get("/api/chat-messages/?feedback_score=true")) == [str(up.uuid)]
    assert uuids(api.get("/api/chat-messages/?feedback_score=false")) == [str(down.uuid)]
