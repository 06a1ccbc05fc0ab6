"""GET /api/chat-sessions/: list, retrieve, current (get-or-create) and access audit."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from accounts.models import AuditEvent
from chat.models import ChatSession
from tests.conftest import client_for
from tests.factories import ChatSessionFactory

pytestmark = pytest.mark.django_db


def test_current_creates_the_session_once_and_is_idempotent(api, user):
    first = api.get("/api/chat-sessions/current/")
    second = api.get("/api/chat-sessions/current/")
    assert first.status_code == 200, first.content
    assert first.json()["uuid"] == second.json()["uuid"]
    assert ChatSession.objects.filter(user=user).count() == 1


def test_current_returns_the_existing_session(api, user):
    session = ChatSessionFactory(user=user)
    assert api.get("/api/chat-sessions/current/").json()["uuid"] == str(session.uuid)


def test_session_fields_include_owner_names(api, user):
    body = api.get("/api/chat-sessions/current/").json()
    assert set(body) == {"uuid", "user", "user_username", "user_full_name", "created", "modified"}
    assert body["user"] == str(user.uuid)
    assert body["user_username"] == "alice"
    assert body["user_full_name"] == "Alice Smith"


def test_user_lists_only_own_session(api, user, other_user):
    own = ChatSessionFactory(user=user)
    ChatSessionFactory(user=other_user)
    response = api.get("/api/chat-sessions/")
    assert response.status_code == 200
    assert [row["uuid"] for row in response.json()] == [str(own.uuid)]


@pytest.mark.parametrize("role", ["staff", "support"])
def test_staff_and_support_list_every_session(request, role, user, other_user):
    ChatSessionFactory(user=user)
    ChatSessionFactory(user=other_user)
    response = client_for(request.getfixturevalue(role)).get("/api/chat-sessions/")
    assert response.status_code == 200
    assert response["X-Result-Count"] == "2"
    assert len(response.json()) == 2


def test_foreign_session_is_404_for_a_user(api, other_user):
    foreign = ChatSessionFactory(user=other_user)
    response = api.get(f"/api/chat-sessions/{foreign.uuid}/")
    assert response.status_code == 404, response.content
    assert response.json() == {"detail": "Not found."}


def test_staff_reading_another_users_session_is_audited_once(staff, other_user):
    foreign = ChatSessionFactory(user=other_user)
    response = client_for(staff).get(f"/api/chat-sessions/{foreign.uuid}/")
    assert response.status_code == 200
    events = AuditEvent.objects.filter(event_type="chat_session_accessed")
    assert events.count() == 1
    assert events.get().actor == staff
    assert events.get().target_uuid == foreign.uuid


def test_reading_ones_own_session_is_not_audited(api, user):
    own = ChatSessionFactory(user=user)
    assert api.get(f"/api/chat-sessions/{own.uuid}/").status_code == 200
    assert not AuditEvent.objects.exists()


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_current_calls_create_exactly_one_row(user):
    def call(_):
        try:
            return client_for(user).get("/api/chat-sessions/current/").json()["uuid"]
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        uuids = set(pool.map(call, range(16)))
    assert len(uuids) == 1
    assert ChatSession.objects.filter(user=user).count() == 1
