"""Bad input against the live server: a clear 4xx in DRF's error shape (or the documented
clamp), never a 5xx, and nothing already stored is lost or changed by a refused request."""

from __future__ import annotations

import json

import httpx
import pytest

from chat.models import ChatSession, Message, Thread
from tests.chat.streamkit import auth, post_stream
from tests.reliability.matrixkit import populate

pytestmark = [pytest.mark.timeout(300)]

ONE_MIB = 1_048_576
STREAM = "/api/chat/stream/"


def nested(depth: int) -> bytes:
    return b'{"input": ' + b"[" * depth + b"]" * depth + b"}"


# (name, method, path, request kwargs, accepted statuses). `{thread}` is the caller's thread.
CASES = [
    # Bodies.
    # (A form with percent-encoded invalid UTF-8 is not here: Django decodes it with U+FFFD.)
    ("oversized json", "POST", STREAM, {"json": {"input": "x" * (ONE_MIB + 10)}}, {413}),
    (
        "oversized form",
        "POST",
        STREAM,
        {"data": {"input": "x" * (ONE_MIB + 10)}},
        {413},
    ),
    (
        "invalid utf-8",
        "POST",
        STREAM,
        {"content": b'{"input": "\xff\xfe\xc3("}', "headers": {"content-type": "application/json"}},
        {400},
    ),
    (
        "deeply nested json",
        "POST",
        STREAM,
        {"content": nested(100_000), "headers": {"content-type": "application/json"}},
        {400},
    ),
    (
        "truncated json",
        "POST",
        STREAM,
        {"content": b'{"input": "hi"', "headers": {"content-type": "application/json"}},
        {400},
    ),
    ("json array body", "POST", STREAM, {"json": ["hi"]}, {400}),
    ("json scalar body", "POST", STREAM, {"json": 42}, {400}),
    ("input is a list", "POST", STREAM, {"json": {"input": ["hi"]}}, {400}),
    ("input is an object", "POST", STREAM, {"json": {"input": {"text": "hi"}}}, {400}),
    ("input is null", "POST", STREAM, {"json": {"input": None}}, {400}),
    # DRF reads an integer as UUID(int=...): a uuid that names no thread.
    ("thread_uuid is a number", "POST", STREAM, {"json": {"input": "hi", "thread_uuid": 7}}, {404}),
    (
        "thread_uuid is a word",
        "POST",
        STREAM,
        {"json": {"input": "hi", "thread_uuid": "seven"}},
        {400},
    ),
    (
        "unknown mode",
        "POST",
        STREAM,
        {"json": {"input": "hi", "thread_uuid": "{thread}", "mode": "rewind"}},
        {400},
    ),
    (
        "text/plain body",
        "POST",
        STREAM,
        {"content": b"hi", "headers": {"content-type": "text/plain"}},
        {415},
    ),
    (
        "xml body",
        "POST",
        STREAM,
        {"content": b"<input>hi</input>", "headers": {"content-type": "application/xml"}},
        {415},
    ),
    (
        "no content type",
        "POST",
        STREAM,
        {"content": b'{"input": "hi"}', "headers": {"content-type": ""}},
        {400, 415},
    ),
    (
        "feedback: score is text",
        "POST",
        "/api/chat-messages/{answer}/feedback/",
        {"json": {"score": "very"}},
        {400},
    ),
    (
        "feedback: unknown category",
        "POST",
        "/api/chat-messages/{answer}/feedback/",
        {"json": {"score": False, "category": "boring"}},
        {400},
    ),
    (
        "tools: arguments is a list",
        "POST",
        "/api/chat-tools/execute/",
        {"json": {"tool": "current_time", "arguments": [1]}},
        {400},
    ),
    (
        "tools: unknown tool",
        "POST",
        "/api/chat-tools/execute/",
        {"json": {"tool": "launch_rockets"}},
        {400},
    ),
    (
        "quota: limit is text",
        "POST",
        "/api/chat-quota/set_quota/",
        {"json": {"user_uuid": "{user}", "daily_limit": "lots"}},
        {400, 403},
    ),
    (
        "public stream: input is a list",
        "POST",
        "/api/marketplace-chat/stream/",
        {"json": {"input": ["hi"], "session_id": "bad-input-0001"}},
        {400},
    ),
    (
        "public feedback: unknown score",
        "POST",
        "/api/marketplace-chat/feedback/",
        {
            "json": {
                "interaction_uuid": "5b3f0c2e-8d7a-4c1e-9f5a-2d6b8e4a1c3f",
                "feedback_token": "x",
                "score": 5,
            }
        },
        {400},
    ),
    # Query parameters.
    ("unknown ordering key", "GET", "/api/chat-threads/?o=password", {}, {400}),
    ("ordering key injection", "GET", "/api/chat-threads/?o=-created;DROP TABLE", {}, {400}),
    ("unknown severity", "GET", "/api/chat-threads/?max_severity=apocalyptic", {}, {400}),
    ("boolean junk", "GET", "/api/chat-threads/?is_archived=maybe", {}, {400}),
    ("date junk", "GET", "/api/chat-threads/?created_after=yesterday", {}, {400}),
    ("number junk", "GET", "/api/chat-threads/?input_tokens_min=many", {}, {400}),
    ("token bound past bigint", "GET", "/api/chat-threads/?total_tokens_min=1e51", {}, {200}),
    ("negative token bound", "GET", "/api/chat-threads/?output_tokens_max=-1", {}, {200}),
    ("infinite token bound", "GET", "/api/chat-threads/?input_tokens_max=Infinity", {}, {400}),
    ("stats: unknown ordering key", "GET", "/api/chat-threads/stats/?o=password", {}, {400}),
    ("stats: number junk", "GET", "/api/chat-threads/stats/?total_tokens_max=x", {}, {400}),
    ("page zero", "GET", "/api/chat-threads/?page=0", {}, {400}),
    ("page negative", "GET", "/api/chat-threads/?page=-1", {}, {400}),
    ("page text", "GET", "/api/chat-threads/?page=two", {}, {400}),
    ("huge page", "GET", "/api/chat-threads/?page=99999999999999999999", {}, {200}),
    ("unknown field selection", "GET", "/api/chat-threads/?field=secret", {}, {400}),
    ("message thread not a uuid", "GET", "/api/chat-messages/?thread=not-a-uuid", {}, {400}),
    ("messages page_size text", "GET", "/api/chat-messages/?page_size=lots", {}, {400}),
    ("quota user_uuid not a uuid", "GET", "/api/chat-quota/usage/?user_uuid=nope", {}, {400, 404}),
    # Malformed uuids in paths: the same 404 as an unknown uuid.
    ("thread path not a uuid", "GET", "/api/chat-threads/not-a-uuid/", {}, {404}),
    ("thread path too long", "GET", "/api/chat-threads/" + "a" * 5000 + "/", {}, {404}),
    ("thread path unicode", "GET", "/api/chat-threads/%F0%9F%98%80/", {}, {404}),
    ("thread path bad percent", "GET", "/api/chat-threads/%ZZ/", {}, {404}),
    ("archive not a uuid", "POST", "/api/chat-threads/123/archive/", {"json": {}}, {404}),
    ("session not a uuid", "GET", "/api/chat-sessions/0x1/", {}, {404}),
    (
        "feedback not a uuid",
        "POST",
        "/api/chat-messages/nope/feedback/",
        {"json": {"score": True}},
        {404},
    ),
    ("invalid utf-8 in a path", "GET", "/api/chat-threads/%FF%FE/", {}, {404}),
]


def shape_ok(response: httpx.Response) -> bool:
    """DRF's error shape: a non-empty JSON object (`detail`, or field -> messages)."""
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and bool(body)


def snapshot():
    return (
        list(Thread.objects.order_by("pk").values_list("uuid", "name", "is_archived")),
        list(
            Message.objects.order_by("pk").values_list(
                "uuid", "thread_id", "role", "blocks", "feedback_score"
            )
        ),
    )


def test_bad_input_is_a_clear_4xx_and_loses_nothing(
    settings, chat_server, llm, user, other_user, staff
):
    settings.AI_ASSISTANT_ENABLED_ROLES = "anonymous"
    w = populate(chat_server, llm, owner=user, staff=staff)
    before = snapshot()
    values = {"{thread}": w.thread_uuid, "{answer}": w.answer_uuid, "{user}": str(user.uuid)}
    problems: list[str] = []
    with httpx.Client(base_url=chat_server, headers=auth(user), timeout=60) as client:
        for name, method, path, kwargs, accepted in CASES:
            for key, value in values.items():
                path = path.replace(key, value)
            if "json" in kwargs and isinstance(kwargs["json"], dict):
                kwargs = {
                    **kwargs,
                    "json": json.loads(
                        json.dumps(kwargs["json"]).replace("{thread}", w.thread_uuid)
                    ),
                }
            response = client.request(method, path, **kwargs)
            status = response.status_code
            if status not in accepted:
                problems.append(f"{name}: {status} (want {sorted(accepted)}) {response.text[:200]}")
            elif status >= 400 and not shape_ok(response):
                problems.append(
                    f"{name}: {status} without DRF's error shape: {response.text[:200]}"
                )
    assert not problems, "\n".join(problems)
    assert snapshot() == before, "a refused request changed stored data"
    # The server still works, and the data accepted before is all there.
    again = post_stream(chat_server, user, input="Still there?", thread_uuid=w.thread_uuid)
    assert again.status == 200, again.raw
    messages = httpx.get(
        f"{chat_server}/api/chat-messages/", params={"thread": w.thread_uuid}, headers=auth(user)
    ).json()
    assert [m["uuid"] for m in messages][:2] == [w.user_message_uuid, w.answer_uuid]


def test_a_billion_page_size_is_clamped_to_300(chat_server, user):
    session = ChatSession.objects.create(user=user)
    Thread.objects.bulk_create(Thread(chat_session=session, name=f"t{i}") for i in range(305))
    for path in ("/api/chat-threads/", "/api/chat-messages/", "/api/chat-sessions/"):
        response = httpx.get(
            f"{chat_server}{path}", params={"page_size": 1_000_000_000}, headers=auth(user)
        )
        assert response.status_code == 200, response.text
        assert isinstance(response.json(), list)
    threads = httpx.get(
        f"{chat_server}/api/chat-threads/",
        params={"page_size": 1_000_000_000, "page": 1},
        headers=auth(user),
    )
    assert len(threads.json()) == 300
    assert threads.headers["X-Result-Count"] == "305"
    assert 'page=2>; rel="next"' in threads.headers["Link"]
    second = httpx.get(
        f"{chat_server}/api/chat-threads/",
        params={"page_size": 10**30, "page": 2},
        headers=auth(user),
    )
    assert second.status_code == 200, second.text
    assert len(second.json()) == 5


# --- findings of the contract fuzzer, each once a failure of test_contract_fuzzing.py ---------

COUNT_MAX = 2**63 - 1
TOKEN_BOUNDS = [
    f"{kind}_tokens_{end}" for kind in ("input", "output", "total") for end in ["min", "max"]
]
TOKEN_BOUND_PATHS = (
    "/api/chat-threads/",
    "/api/chat-threads/stats/",
    "/api/anonymous-chat-interactions/conversations/",
    "/api/anonymous-chat-interactions/kpi/",
)


def operation_parameters(base: str, path: str) -> dict[str, dict]:
    schema = httpx.get(f"{base}/api/schema/", params={"format": "json"}, timeout=60).json()
    return {p["name"]: p for p in schema["paths"][path]["get"].get("parameters", [])}


def test_token_bounds_take_any_number_as_the_client_sends_it(chat_server, llm, user, staff):
    """Once a 400 for `-1.0` (the reference and the client treat bounds as plain numbers) and
    above 1e50 (django-filter's DecimalField): any finite number is a bound."""
    llm.app.config.reply = "Short answer."
    assert post_stream(chat_server, user, input="One question").status == 200
    problems: list[str] = []
    with httpx.Client(base_url=chat_server, headers=auth(staff), timeout=60) as client:
        for path in TOKEN_BOUND_PATHS:
            documented = operation_parameters(chat_server, path)
            for name in TOKEN_BOUNDS:
                assert documented[name]["schema"]["type"] == "number", documented[name]
                for value in ("0", "100.0", "2.5", "-1.0", "-1e60", "1e50", str(COUNT_MAX + 1)):
                    response = client.get(path, params={name: value})
                    if response.status_code != 200:
                        problems.append(f"{path}?{name}={value}: {response.status_code}")
                response = client.get(path, params={name: "NaN"})
                if response.status_code != 400 or response.json() != {
                    name: ["A valid number is required."]
                }:
                    problems.append(f"{path}?{name}=NaN: {response.status_code}")
        threads = client.get("/api/chat-threads/", params={"total_tokens_max": "-1.0"})
        assert threads.json() == []  # a negative upper bound matches nothing
        threads = client.get("/api/chat-threads/", params={"total_tokens_min": "-1e60"})
        assert len(threads.json()) == 1  # a negative lower bound matches everything
        threads = client.get("/api/chat-threads/", params={"total_tokens_min": "1e50"})
        assert threads.json() == []
    assert not problems, "\n".join(problems)


def test_a_fractional_feedback_score_is_400(chat_server, staff):
    """Once accepted: `score` is documented as an integer."""
    path = "/api/anonymous-chat-feedbacks/"
    assert operation_parameters(chat_server, path)["score"]["schema"] == {"type": "integer"}
    with httpx.Client(base_url=chat_server, headers=auth(staff), timeout=60) as client:
        response = client.get(path, params={"score": "0.4"})
        assert response.status_code == 400, response.text
        assert response.json() == {"score": ["Enter a whole number."]}
        for value in ("1", "-1", "1.0"):
            response = client.get(path, params={"score": value})
            assert response.status_code == 200, (value, response.text)


def test_thread_stats_document_the_filters_of_the_list(chat_server):
    """Once undocumented: the stats take the list's filters and `o`, not `field` or pages."""
    listed = set(operation_parameters(chat_server, "/api/chat-threads/"))
    stats = set(operation_parameters(chat_server, "/api/chat-threads/stats/"))
    assert stats == listed - {"field", "page", "page_size"}
    assert {"o", "query", "total_tokens_min", "user"} <= stats


def test_staff_inputs_past_what_the_database_holds_are_4xx(chat_server, staff, user):
    """Once 500s: a limit past BIGINT, and a NUL byte in a session id or slug of a path."""
    with httpx.Client(base_url=chat_server, headers=auth(staff), timeout=60) as client:
        huge = client.post(
            "/api/chat-quota/set_quota/",
            json={"user_uuid": str(user.uuid), "daily_limit": 100000000000000000000},
        )
        assert huge.status_code == 400, huge.text
        assert huge.json() == {
            "daily_limit": ["Ensure this value is less than or equal to 9223372036854775807."]
        }
        for path in ("by-session/a%00b/", "by-user/a%00b/"):
            response = client.get(f"/api/anonymous-chat-interactions/{path}")
            assert response.status_code == 404, (path, response.text)
            assert response.json() == {"detail": "Not found."}


def test_a_body_over_the_limit_is_413_with_one_log_line(chat_server, user, caplog):
    response = httpx.post(
        f"{chat_server}/api/chat/stream/",
        json={"input": "x" * (ONE_MIB + 10)},
        headers=auth(user),
        timeout=60,
    )
    assert response.status_code == 413
    assert response.json() == {
        "detail": f"The request body is larger than the limit of {ONE_MIB} bytes.",
        "code": "payload_too_large",
    }
    lines = [r for r in caplog.records if r.levelno >= 30 and "/api/chat/stream/" in r.getMessage()]
    assert len(lines) == 1, [r.getMessage() for r in caplog.records]
    assert lines[0].exc_info is None  # no traceback
