"""Project-wide REST conventions: pagination headers, parameter errors, 405s and check order."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chat.models import Thread
from tests.chat.helpers import add_turn, thread_for
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def links(response) -> dict[str, int]:
    result = {}
    for part in response["Link"].split(","):
        url, rel = part.split(";")
        page = parse_qs(urlsplit(url.strip()[1:-1]).query)["page"][0]
        result[rel.split("=")[1].strip('"')] = int(page)
    return result


@pytest.fixture
def many_threads(user):
    return [thread_for(user, name=f"t{i:02}") for i in range(25)]


def test_list_is_a_bare_array_with_count_and_links(api, many_threads):
    response = api.get("/api/chat-threads/?page=2&page_size=10&is_archived=false")
    assert response.status_code == 200
    assert isinstance(response.json(), list)
    assert len(response.json()) == 10
    assert response["X-Result-Count"] == "25"
    assert links(response) == {"first": 1, "prev": 1, "next": 3, "last": 3}
    assert "is_archived=false" in response["Link"]


def test_first_and_last_pages_carry_only_existing_links(api, many_threads):
    assert links(api.get("/api/chat-threads/")) == {"first": 1, "next": 2, "last": 3}
    assert links(api.get("/api/chat-threads/?page=3")) == {"first": 1, "prev": 2, "last": 3}
    assert len(api.get("/api/chat-threads/?page=3").json()) == 5


def test_following_next_links_visits_every_row_once(api, many_threads):
    seen, page = [], 1
    while True:
        response = api.get(f"/api/chat-threads/?page_size=7&page={page}")
        seen += [row["uuid"] for row in response.json()]
        if "next" not in links(response):
            break
        page = links(response)["next"]
    assert sorted(seen) == sorted(str(t.uuid) for t in many_threads)


def test_page_past_the_end_is_empty_not_404(api, many_threads):
    response = api.get("/api/chat-threads/?page=99")
    assert response.status_code == 200
    assert response.json() == []
    assert response["X-Result-Count"] == "25"


def test_page_size_is_clamped_to_300(api, user):
    for _ in range(3):
        thread_for(user)
    response = api.get("/api/chat-threads/?page_size=1000000000")
    assert response.status_code == 200
    assert len(response.json()) == 3


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("page=0", "page"),
        ("page=abc", "page"),
        ("page_size=-1", "page_size"),
        ("page_size=x", "page_size"),
    ],
)
def test_bad_page_parameters_are_400_naming_them(api, query, name):
    response = api.get(f"/api/chat-threads/?{query}")
    assert response.status_code == 400
    assert name in response.json()


def test_head_answers_the_count_without_a_body(api, many_threads):
    response = api.head("/api/chat-threads/")
    assert response.status_code == 200
    assert response["X-Result-Count"] == "25"
    assert response.content == b""


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("o=colour", "o"),
        ("o=-colour", "o"),
        ("field=secret", "field"),
        ("is_archived=yes", "is_archived"),
        ("is_flagged=1", "is_flagged"),
        ("created_after=2026-13-01", "created_after"),
        ("modified_before=yesterday", "modified_before"),
        ("user=not-a-uuid", "user"),
        ("max_severity=extreme", "max_severity"),
        ("total_tokens_min=lots", "total_tokens_min"),
        ("scope=everyone", "scope"),
    ],
)
def test_bad_query_values_are_400_naming_the_parameter(api, user, query, name):
    thread_for(user)
    response = api.get(f"/api/chat-threads/?{query}")
    assert response.status_code == 400, response.content
    assert name in response.json()


def test_unknown_parameter_names_are_ignored(api, user):
    thread_for(user)
    assert len(api.get("/api/chat-threads/?colour=blue").json()) == 1


def test_ordering_accepts_repeated_keys(api, user):
    for name, tokens in (("a", 5), ("b", 5), ("c", 9)):
        add_turn(thread_for(user, name=name), input_tokens=tokens, output_tokens=0)
    rows = api.get("/api/chat-threads/?o=-total_tokens&o=created").json()
    assert [r["name"] for r in rows] == ["c", "a", "b"]


def test_unsupported_method_is_405_with_accurate_allow(api, user):
    thread = thread_for(user)
    response = api.delete(f"/api/chat-threads/{thread.uuid}/")
    assert response.status_code == 405
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "OPTIONS"}
    assert api.post("/api/chat-threads/", {}, format="json").status_code == 405
    assert api.put(f"/api/chat-threads/{thread.uuid}/", {}, format="json").status_code == 405
    assert Thread.objects.filter(pk=thread.pk).exists()


def test_unauthenticated_is_401_before_405(anon_api, user):
    thread = thread_for(user)
    response = anon_api.delete(f"/api/chat-threads/{thread.uuid}/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_405_comes_before_the_feature_gate(api, settings):
    settings.AI_ASSISTANT_ENABLED = False
    assert api.delete("/api/chat-sessions/current/").status_code == 405
    assert api.get("/api/chat-sessions/").status_code == 424


@pytest.mark.parametrize(
    ("changes", "status", "detail"),
    [
        ({"AI_ASSISTANT_ENABLED": False}, 424, "Extension is disabled."),
        ({"AI_ASSISTANT_ENABLED_ROLES": "disabled"}, 403, "AI Assistant is not available."),
        (
            {"AI_ASSISTANT_ENABLED_ROLES": "staff"},
            403,
            "AI Assistant is not available for your role.",
        ),
        ({"AI_ASSISTANT_API_URL": ""}, 409, "AI Assistant API URL is not configured."),
        ({"AI_ASSISTANT_API_TOKEN": ""}, 409, "AI Assistant API token is not configured."),
    ],
)
def test_feature_gate_refusals(api, settings, changes, status, detail):
    for name, value in changes.items():
        setattr(settings, name, value)
    for path in ("/api/chat-sessions/", "/api/chat-threads/", "/api/chat-messages/"):
        response = api.get(path)
        assert response.status_code == status, (path, response.content)
        assert response.json()["detail"] == detail


@pytest.mark.parametrize(
    ("roles", "allowed"),
    [
        ("staff", {"staff"}),
        ("staff_and_support", {"staff", "support"}),
        ("all", {"user", "staff", "support"}),
        ("anonymous", {"user", "staff", "support"}),
    ],
)
def test_role_gate_per_setting(settings, user, staff, support, roles, allowed):
    settings.AI_ASSISTANT_ENABLED_ROLES = roles
    for name, who in (("user", user), ("staff", staff), ("support", support)):
        status = client_for(who).get("/api/chat-threads/").status_code
        assert status == (200 if name in allowed else 403), (roles, name)


def test_gate_comes_before_lookup(api, settings, other_user):
    thread = thread_for(other_user)
    settings.AI_ASSISTANT_ENABLED = False
    assert api.get(f"/api/chat-threads/{thread.uuid}/").status_code == 424


@pytest.mark.parametrize("bad", ["not-a-uuid", "12345", "00000000-0000-4000-8000-000000000000"])
def test_malformed_or_unknown_uuid_in_path_is_404(api, bad):
    for path in (f"/api/chat-threads/{bad}/", f"/api/chat-sessions/{bad}/"):
        response = api.get(path)
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}


def test_path_without_trailing_slash_is_a_json_404_not_a_redirect(api):
    response = api.get("/api/chat-threads")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_invalid_token_is_401(anon_api):
    anon_api.credentials(HTTP_AUTHORIZATION="Token nope")
    assert anon_api.get("/api/chat-threads/").status_code == 401


@pytest.mark.parametrize("count", [1, 50])
def test_thread_list_uses_a_constant_number_of_queries(api, user, count):
    for _ in range(count):
        add_turn(thread_for(user), input_tokens=1, output_tokens=1, model="m")
    with CaptureQueriesContext(connection) as queries:
        response = api.get("/api/chat-threads/?page_size=100")
    assert len(response.json()) == count
    # the token with its user and the user's other tokens (knox sweeps expired ones), the
    # count, the page, the page's figures: independent of the number of threads
    assert len(queries) == 5, [q["sql"] for q in queries]


@pytest.mark.parametrize("count", [1, 50])
def test_message_and_session_lists_use_constant_queries(api, user, count):
    thread = thread_for(user)
    for _ in range(count):
        add_turn(thread)
    with CaptureQueriesContext(connection) as queries:
        assert len(api.get("/api/chat-messages/").json()) == count * 2
    assert len(queries) == 3, [q["sql"] for q in queries]  # two for the token, one list
    with CaptureQueriesContext(connection) as queries:
        assert len(api.get("/api/chat-sessions/").json()) == 1
    assert len(queries) == 4, [q["sql"] for q in queries]
