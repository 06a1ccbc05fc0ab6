"""/api/chat-quota/ and /api/chat-system-prompts/, and quotas on the stream."""

from __future__ import annotations

import datetime as dt

import pytest

from chat.models import GlobalBudget, Message, SystemPrompt, TokenQuota
from tests.chat.streamkit import post_stream
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_own_usage_without_user_uuid(api, user, settings):
    settings.AI_ASSISTANT_TOKEN_LIMIT_DAILY = 1000
    TokenQuota.objects.create(user=user, daily_usage=40, daily_start=dt.datetime.now(dt.UTC))
    body = api.get("/api/chat-quota/usage/").json()
    assert body["daily_limit"] is None
    assert body["daily_system_default"] == 1000
    assert (body["daily_usage"], body["daily_remaining"]) == (40, 960)
    assert body["weekly_remaining"] is None
    assert body["weekly_system_default"] == -1
    reset = dt.datetime.fromisoformat(body["daily_reset_at"].replace("Z", "+00:00"))
    assert (reset.hour, reset.minute) == (0, 0)
    assert dt.datetime.fromisoformat(body["weekly_reset_at"].replace("Z", "+00:00")).weekday() == 0
    assert api.get(f"/api/chat-quota/usage/?user_uuid={user.uuid}").json() == body


def test_usage_of_an_older_period_reads_as_zero(api, user):
    TokenQuota.objects.create(
        user=user,
        daily_limit=100,
        daily_usage=100,
        daily_start=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
    )
    body = api.get("/api/chat-quota/usage/").json()
    assert (body["daily_usage"], body["daily_remaining"], body["daily_limit"]) == (0, 100, 100)


def test_another_users_usage_is_403_for_a_user_and_allowed_for_support(api, other_user, support):
    response = api.get(f"/api/chat-quota/usage/?user_uuid={other_user.uuid}")
    assert response.status_code == 403
    assert response.json()["detail"] == "You can only view your own usage."
    assert (
        client_for(support).get(f"/api/chat-quota/usage/?user_uuid={other_user.uuid}").status_code
        == 200
    )


@pytest.mark.parametrize("value", ["00000000-0000-4000-8000-000000000000", "garbage"])
def test_unknown_user_is_404(staff, value):
    assert client_for(staff).get(f"/api/chat-quota/usage/?user_uuid={value}").status_code == 404


def test_set_quota_changes_only_given_limits(staff, user):
    TokenQuota.objects.create(user=user, daily_limit=10, weekly_limit=20)
    client = client_for(staff)
    response = client.post(
        "/api/chat-quota/set_quota/",
        {"user_uuid": str(user.uuid), "daily_limit": -1},
        format="json",
    )
    assert response.status_code == 200, response.content
    quota = TokenQuota.objects.get(user=user)
    assert (quota.daily_limit, quota.weekly_limit, quota.monthly_limit) == (-1, 20, None)
    client.post(
        "/api/chat-quota/set_quota/",
        {"user_uuid": str(user.uuid), "weekly_limit": None},
        format="json",
    )
    assert TokenQuota.objects.get(user=user).weekly_limit is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"user_uuid": "x"}, "user_uuid"),
        ({"daily_limit": 5}, "user_uuid"),
        ({"user_uuid": None}, "user_uuid"),
        ({"user_uuid": "{user}", "daily_limit": -2}, "daily_limit"),
        ({"user_uuid": "{user}", "weekly_limit": "many"}, "weekly_limit"),
    ],
)
def test_set_quota_rejects_bad_bodies(staff, user, body, field):
    body = {k: str(user.uuid) if v == "{user}" else v for k, v in body.items()}
    response = client_for(staff).post("/api/chat-quota/set_quota/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_set_quota_is_staff_or_support_only(api, user, support):
    body = {"user_uuid": str(user.uuid), "daily_limit": 5}
    assert api.post("/api/chat-quota/set_quota/", body, format="json").status_code == 403
    assert (
        client_for(support).post("/api/chat-quota/set_quota/", body, format="json").status_code
        == 200
    )
    unknown = {"user_uuid": "00000000-0000-4000-8000-000000000000", "daily_limit": 1}
    assert (
        client_for(support).post("/api/chat-quota/set_quota/", unknown, format="json").status_code
        == 404
    )


def test_quota_endpoints_are_not_behind_the_feature_gate(api, settings):
    settings.AI_ASSISTANT_ENABLED = False
    assert api.get("/api/chat-quota/usage/").status_code == 200


# --- system prompts -----------------------------------------------------------------------


def test_system_prompt_crud_for_staff(staff):
    client = client_for(staff)
    created = client.post(
        "/api/chat-system-prompts/",
        {"name": "Tone", "custom_instructions": "Be brief.", "is_active": True},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["is_active"] is False  # read-only on create
    uuid = body["uuid"]
    patched = client.patch(f"/api/chat-system-prompts/{uuid}/", {"description": "d"}, format="json")
    assert (patched.status_code, patched.json()["description"]) == (200, "d")
    put = client.put(
        f"/api/chat-system-prompts/{uuid}/", {"name": "Tone 2", "is_active": True}, format="json"
    )
    assert (put.status_code, put.json()["name"], put.json()["is_active"]) == (200, "Tone 2", False)
    head = client.head("/api/chat-system-prompts/")
    assert head["X-Result-Count"] == "1"
    assert client.delete(f"/api/chat-system-prompts/{uuid}/").status_code == 204
    assert not SystemPrompt.objects.exists()


def test_activate_keeps_at_most_one_active_and_ignores_the_body(staff):
    client = client_for(staff)
    first = SystemPrompt.objects.create(name="a")
    second = SystemPrompt.objects.create(name="b")
    body = {"name": "ignored"}
    assert client.post(
        f"/api/chat-system-prompts/{first.uuid}/activate/", body, format="json"
    ).json()["is_active"]
    response = client.post(f"/api/chat-system-prompts/{second.uuid}/activate/", body, format="json")
    assert response.status_code == 200
    assert list(SystemPrompt.objects.filter(is_active=True)) == [second]
    assert SystemPrompt.objects.get(pk=second.pk).name == "b"
    off = client.post(f"/api/chat-system-prompts/{second.uuid}/deactivate/", body, format="json")
    assert off.json()["is_active"] is False


def test_database_refuses_two_active_prompts():
    from django.db import IntegrityError, transaction

    SystemPrompt.objects.create(name="a", is_active=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        SystemPrompt.objects.create(name="b", is_active=True)


@pytest.mark.parametrize("caller", ["api", "support"])
def test_system_prompts_are_staff_only_even_for_support(request, caller):
    fixture = request.getfixturevalue(caller)
    client = fixture if caller == "api" else client_for(fixture)
    assert client.get("/api/chat-system-prompts/").status_code == 403
    assert client.post("/api/chat-system-prompts/", {"name": "x"}, format="json").status_code == 403


def test_system_prompt_name_is_required(staff):
    response = client_for(staff).post("/api/chat-system-prompts/", {}, format="json")
    assert response.status_code == 400
    assert "name" in response.json()


# --- on the stream ------------------------------------------------------------------------


@pytest.mark.timeout(120)
def test_exhausted_monthly_quota_refuses_with_409_and_stores_nothing(chat_server, user, llm):
    TokenQuota.objects.create(
        user=user, monthly_limit=100, monthly_usage=100, monthly_start=dt.datetime.now(dt.UTC)
    )
    result = post_stream(chat_server, user, input="hello")
    assert result.status == 409
    assert "Monthly" in result.body["detail"]
    assert result.body["code"] == "monthly_token"
    assert result.body["error"] == "quota_exceeded"
    assert int(result.headers["retry-after"]) >= 1
    assert not Message.objects.exists()
    assert not llm.app.requests


@pytest.mark.timeout(120)
@pytest.mark.parametrize("title", ["before the answer ends", "after the answer ends"])
def test_drained_stream_charges_exactly_its_real_usage(chat_server, user, llm, settings, title):
    settings.AI_ASSISTANT_GLOBAL_DAILY_TOKEN_BUDGET = 1_000_000
    if title == "before the answer ends":  # stored and charged with the answer
        llm.app.config.first_token_delay = 0.5
    else:  # stored and charged on its own, after the answer's settlement
        llm.app.config.complete_delay = 0.5
    result = post_stream(chat_server, user, input="hello there")
    frames = [f["m"] for f in result.frames if "m" in f]
    keys = [next(iter(m)) for m in frames if "thread_name" in m or "assistant_message_uuid" in m]
    late = title == "after the answer ends"
    assert keys == (
        ["user_message_uuid", "thread_name"] if late else ["thread_name", "user_message_uuid"]
    )
    final = result.final
    thread = Message.objects.get(uuid=final["assistant_message_uuid"]).thread
    expected = (
        final["input_tokens"]
        + final["output_tokens"]
        + thread.title_gen_input_tokens
        + thread.title_gen_output_tokens
    )
    quota = TokenQuota.objects.get(user=user)
    assert (quota.daily_usage, quota.weekly_usage, quota.monthly_usage) == (expected,) * 3
    site = GlobalBudget.objects.get(pk=1)
    assert site.daily_token_usage == expected
    assert site.daily_requests == 1


@pytest.mark.timeout(120)
def test_unlimited_quota_accepts_a_long_input(chat_server, user, llm):
    TokenQuota.objects.create(user=user, daily_limit=-1, weekly_limit=-1, monthly_limit=-1)
    assert post_stream(chat_server, user, input="x " * 5000).status == 200


@pytest.mark.timeout(120)
def test_site_caps_refuse_the_stream_with_429(chat_server, user, llm, settings):
    settings.AI_ASSISTANT_GLOBAL_REQUESTS_PER_MINUTE = 1
    assert post_stream(chat_server, user, input="one").status == 200
    refused = post_stream(chat_server, user, input="two")
    assert refused.status == 429
    assert refused.body["code"] == "global_minute_burst"
    assert refused.body["error"] == "rate_limited"
    assert int(refused.headers["retry-after"]) >= 1
    settings.AI_ASSISTANT_GLOBAL_REQUESTS_PER_MINUTE = 0
    settings.AI_ASSISTANT_GLOBAL_DAILY_TOKEN_BUDGET = 10
    daily = post_stream(chat_server, user, input="three")
    assert (daily.status, daily.body["code"]) == (429, "global_daily_token")


@pytest.mark.timeout(120)
def test_active_system_prompt_reaches_the_llm(chat_server, user, llm, settings):
    settings.AI_ASSISTANT_NAME = "Helper"
    SystemPrompt.objects.create(
        name="p", custom_instructions="Speak as {assistant_name}; keep {unknown}.", is_active=True
    )
    post_stream(chat_server, user, input="hi")
    system = next(r for r in llm.app.requests if r.get("stream"))["messages"][0]["content"]
    assert "ADDITIONAL INSTRUCTIONS:\nSpeak as Helper; keep {unknown}." in system


@pytest.mark.timeout(120)
def test_setting_instructions_apply_when_no_prompt_is_active(chat_server, user, llm, settings):
    settings.AI_ASSISTANT_SYSTEM_PROMPT_CUSTOM_INSTRUCTIONS = "Mention {organization}."
    settings.AI_ASSISTANT_ORGANIZATION = "ACME"
    post_stream(chat_server, user, input="hi")
    system = next(r for r in llm.app.requests if r.get("stream"))["messages"][0]["content"]
    assert system.endswith("ADDITIONAL INSTRUCTIONS:\nMention ACME.")
