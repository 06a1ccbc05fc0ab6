"""Access matrix: every route of the schema, called by five callers, against one table.

Callers: no credentials, the owner of the objects (alice), another user (bob), support and
staff. Object routes get the owner's uuids: everyone else without the right to see them gets
404 (not 403: existence is not revealed); staff-only routes give 401/403. No response to a
caller without staff rights carries a secret setting, a visitor's address or a detected
secret; responses to ordinary users carry no detection fields, no other user's names and no
visitor pseudonym.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from drf_spectacular.generators import SchemaGenerator

from tests.chat.streamkit import auth
from tests.reliability.matrixkit import (
    DETECTION_KEYS,
    GITHUB_TOKEN,
    SECRET_SETTINGS,
    SESSION_ID,
    VISITOR_ADDRESS,
    Populated,
    apply_secret_settings,
    json_keys,
    populate,
    response_json,
)

pytestmark = [pytest.mark.timeout(300)]

CALLERS = ("anonymous", "owner", "other", "support", "staff")
OK = "2xx"

# Policies: what each caller gets. "2xx" is any success.
PUBLIC = dict.fromkeys(CALLERS, OK)
# Public, answered on its merits (never 401/403): wrong credentials, an offering not recommended.
ANSWERED = dict.fromkeys(CALLERS, "answered")
SIGNED_IN = {"anonymous": 401, "owner": OK, "other": OK, "support": OK, "staff": OK}
# The owner's object; staff and support see every user's (selectors: "staff and support see all").
VISIBLE = {"anonymous": 401, "owner": OK, "other": 404, "support": OK, "staff": OK}
# Acting on the owner's object, whatever the role (cancel, rating an answer, continuing a thread).
OWNER_ONLY = {"anonymous": 401, "owner": OK, "other": 404, "support": 404, "staff": 404}
STAFF = {"anonymous": 401, "owner": 403, "other": 403, "support": 403, "staff": OK}
STAFF_SUPPORT = {"anonymous": 401, "owner": 403, "other": 403, "support": OK, "staff": OK}
NOBODY_ELSE = dict.fromkeys(CALLERS, 404)
OWN_USAGE = {"anonymous": 401, "owner": OK, "other": 403, "support": OK, "staff": OK}


@dataclass
class Row:
    method: str
    path: str  # regex over the schema path
    policy: dict[str, Any]
    body: Any = None
    query: dict[str, str] = field(default_factory=dict)


def table(w: Populated) -> list[Row]:
    """One row per operation; rows are tried in order, the first match wins."""
    return [
        Row("GET", r"/api/health/", PUBLIC),
        # 200 or 503 by the upstreams' health: answered to anyone, on its merits.
        Row("GET", r"/api/ready/", ANSWERED),
        Row("GET", r"/api/configuration/", PUBLIC),
        Row("POST", r"/api-auth/password/", ANSWERED, {"username": "alice", "password": "x"}),
        Row(
            "POST",
            r"/api/marketplace-chat/stream/",
            PUBLIC,
            {"input": "Hi", "session_id": "m" * 12},
        ),
        Row(
            "POST",
            r"/api/marketplace-chat/feedback/",
            PUBLIC,
            {
                "interaction_uuid": w.interaction_uuid,
                "feedback_token": w.feedback_token,
                "score": 1,
            },
        ),
        Row(
            "POST",
            r"/api/marketplace-chat/click/",
            ANSWERED,
            {
                "interaction_uuid": w.interaction_uuid,
                "feedback_token": w.feedback_token,
                "offering_uuid": "5b3f0c2e-8d7a-4c1e-9f5a-2d6b8e4a1c3f",
            },
        ),
        # The visitor's session is theirs alone: none of these callers is that visitor (its
        # transcript is empty to them, as any unused session's; resuming it is 404).
        Row("GET", r"/api/marketplace-chat/stream/", NOBODY_ELSE, query={"session_id": SESSION_ID}),
        Row("GET", r"/api/marketplace-chat/transcript/", PUBLIC, query={"session_id": SESSION_ID}),
        Row("GET", r"/api/chat-sessions/", SIGNED_IN),
        Row("GET", r"/api/chat-sessions/current/", SIGNED_IN),
        Row("GET", r"/api/chat-sessions/\{uuid\}/", VISIBLE),
        Row("GET", r"/api/chat-threads/", SIGNED_IN),
        Row("GET", r"/api/chat-threads/stats/", SIGNED_IN),
        Row("GET", r"/api/chat-threads/\{uuid\}/", VISIBLE),
        Row("GET", r"/api/chat-threads/\{uuid\}/export/", VISIBLE),
        Row("GET", r"/api/chat-threads/\{uuid\}/stream/", OWNER_ONLY),
        Row("POST", r"/api/chat-threads/\{uuid\}/(archive|unarchive)/", VISIBLE),
        Row("POST", r"/api/chat-threads/\{uuid\}/cancel/", OWNER_ONLY, {}),
        Row("GET", r"/api/chat-messages/", SIGNED_IN, query={"thread": w.thread_uuid}),
        Row("POST", r"/api/chat-messages/\{uuid\}/feedback/", OWNER_ONLY, {"score": True}),
        Row(
            "POST", r"/api/chat/stream/", OWNER_ONLY, {"input": "Hi", "thread_uuid": w.thread_uuid}
        ),
        Row("POST", r"/api/chat-tools/execute/", SIGNED_IN, {"tool": "current_time"}),
        Row("GET", r"/api/chat-quota/usage/", OWN_USAGE, query={"user_uuid": "<owner>"}),
        Row(
            "POST",
            r"/api/chat-quota/set_quota/",
            STAFF_SUPPORT,
            {"user_uuid": "<owner>", "daily_limit": 1_000_000},
        ),
        Row(
            "POST", r"/api/chat-system-prompts/", STAFF, {"name": "New", "custom_instructions": ""}
        ),
        Row(
            "(PUT|PATCH)",
            r"/api/chat-system-prompts/\{uuid\}/",
            STAFF,
            {"name": "Renamed", "description": "", "custom_instructions": ""},
        ),
        Row(".*", r"/api/chat-system-prompts/.*", STAFF),
        Row("GET", r"/api/anonymous-chat-.*", STAFF_SUPPORT),
    ]


def path_values(w: Populated) -> dict[str, str]:
    """Path parameter values by path prefix and name: always the owner's (or a real) object."""
    return {
        "chat-sessions/{uuid}": w.session_uuid,
        "chat-threads/{uuid}": w.thread_uuid,
        "chat-messages/{uuid}": w.answer_uuid,
        "chat-system-prompts/{uuid}": w.prompt_uuid,
        "anonymous-chat-interactions/{uuid}": w.interaction_uuid,
        "{interaction_uuid}": w.interaction_uuid,
        "{session_id}": SESSION_ID,
        "{user_slug}": w.user_slug,
    }


def fill(path: str, w: Populated) -> str:
    for key, value in path_values(w).items():
        if key in path:
            path = path.replace(key.split("/")[-1], value)
    assert "{" not in path, f"no value for a path parameter of {path}: extend path_values()"
    return path


def operations() -> list[tuple[str, str]]:
    """Every (method, path) of the schema, in a stable order with deletions last."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    ops = [
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    ]
    return sorted(ops, key=lambda op: (op[0] == "DELETE", op[1], op[0]))


def test_the_table_covers_every_route_of_the_url_resolver():
    """Routes are walked from the schema; the resolver must serve nothing the schema omits.

    The HTML pages of `web` (/, /public/, /staff/) and the Prometheus text at /metrics (guarded
    by its own network and token settings, see tests/ops) are not API operations and are left out.
    """
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern) and p.callback.__module__ != "web.views":
                yield prefix + str(p.pattern)

    documented = {re.sub(r"\{[^}]+\}", "X", path) for _, path in operations()}
    served = set()
    for route in walk(get_resolver().url_patterns):
        if route.startswith(("admin/", "api/schema/", "api/docs/", "metrics")):
            continue
        if "(?P<format>" in route:
            continue
        if "\\.(?P<format" in route or route.endswith(".(?P<format>[a-z0-9]+)/?$"):
            continue
        route = route.replace("^", "").replace("$", "")
        route = re.sub(r"<[^>]+>|\(\?P<[^>]+>[^)]+\)", "X", route)
        served.add("/" + route)
    assert len(served) >= 30
    assert served - documented == set()


def expected_ok(status: int, want: Any) -> bool:
    if want == "answered":
        return status < 500 and status not in (401, 403)
    if want == OK:
        return 200 <= status < 300
    return status == want


def leaks(
    caller: str, response: httpx.Response, request_url: str, w: Populated, users
) -> list[str]:
    """What this caller must not read in this response."""
    text = response.text + "\n" + "\n".join(f"{k}: {v}" for k, v in response.headers.items())
    found: list[str] = []
    forbidden = {
        **SECRET_SETTINGS,
        "visitor address": VISITOR_ADDRESS,
        "GitHub token": GITHUB_TOKEN,
    }
    if caller != "staff":
        # Settings values of the upstream: its URL carries the development LLM's port.
        from django.conf import settings

        forbidden["AI_ASSISTANT_API_URL"] = settings.AI_ASSISTANT_API_URL
    for name, value in forbidden.items():
        if value and value in text:
            found.append(f"{name} ({value!r})")
    if caller in ("anonymous", "owner", "other"):
        keys = json_keys(response_json(response))
        if keys & DETECTION_KEYS:
            found.append(f"detection fields {sorted(keys & DETECTION_KEYS)}")
        if w.user_slug in text:
            found.append("the visitor's pseudonym (user_slug)")
    if caller in ("anonymous", "other"):
        owner = users["owner"]
        for value in (owner.username, owner.first_name, str(owner.uuid), w.thread_uuid):
            if value in text and value not in request_url:
                found.append(f"the owner's {value!r}")
    return found


@pytest.mark.parametrize("caller", CALLERS)
def test_access_matrix(caller, settings, chat_server, llm, user, other_user, support, staff):
    apply_secret_settings(settings)
    users = {"owner": user, "other": other_user, "support": support, "staff": staff}
    w = populate(chat_server, llm, owner=user, staff=staff)
    headers = auth(users[caller]) if caller in users else {}
    rows = table(w)
    problems: list[str] = []
    seen = 0
    for method, path in operations():
        row = next(
            (r for r in rows if re.fullmatch(r.method, method) and re.fullmatch(r.path, path)),
            None,
        )
        if row is None:
            problems.append(f"{method} {path}: no row in the access table")
            continue
        seen += 1
        url = chat_server + fill(path, w)
        body = row.body
        if isinstance(body, dict):
            body = {k: (str(user.uuid) if v == "<owner>" else v) for k, v in body.items()}
        query = {k: (str(user.uuid) if v == "<owner>" else v) for k, v in row.query.items()}
        response = httpx.request(method, url, json=body, params=query, headers=headers, timeout=60)
        want = row.policy[caller]
        if not expected_ok(response.status_code, want):
            problems.append(
                f"{method} {path} as {caller}: {response.status_code} (want {want}) "
                f"{response.text[:200]}"
            )
        if response.status_code >= 400:
            data = response_json(response)
            if not isinstance(data, dict) or not data:
                problems.append(f"{method} {path} as {caller}: error body is not DRF's shape")
        if caller == "staff" and path == "/api/chat-messages/":
            # The leak check can see detection fields: staff do receive them.
            assert json_keys(response.json()) >= DETECTION_KEYS, response.text
        for leak in leaks(caller, response, str(response.request.url), w, users):
            problems.append(f"{method} {path} as {caller}: leaks {leak}")
    assert seen >= 30
    assert not problems, "\n".join(problems)
