"""Health, public configuration (no secrets), the OpenAPI schema and offline docs."""

from __future__ import annotations

import json

import pytest
from django.conf import settings as django_settings

from config.settings import ENV_SETTINGS

pytestmark = pytest.mark.django_db


def test_health_reports_the_database(anon_api):
    response = anon_api.get("/api/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_configuration_is_public_and_exposes_the_three_assistant_keys(anon_api, settings):
    settings.AI_ASSISTANT_NAME = "Helper"
    response = anon_api.get("/api/configuration/")
    assert response.status_code == 200
    assert response.json() == {
        "WALDUR_CORE": {
            "AI_ASSISTANT_ENABLED": True,
            "AI_ASSISTANT_ENABLED_ROLES": "all",
            "AI_ASSISTANT_NAME": "Helper",
        }
    }


def test_configuration_never_contains_a_secret_name_or_value(anon_api, settings):
    settings.AI_ASSISTANT_API_URL = "http://llm.internal:9999/v1"
    settings.AI_ASSISTANT_API_TOKEN = "sk-very-secret-token"
    settings.SECRET_KEY = "django-secret-key-value-123456"
    payload = anon_api.get("/api/configuration/").content.decode()
    secrets = [s for s in ENV_SETTINGS.values() if s.secret]
    assert secrets, "settings mark their secrets"
    for setting in secrets:
        assert setting.name not in payload
        value = getattr(django_settings, setting.name, "")
        if isinstance(value, str) and value:
            assert value not in payload
    for word in ("API_URL", "API_TOKEN", "SALT", "SECRET"):
        assert word not in payload


def test_schema_is_openapi_3_and_lists_the_chat_paths(anon_api):
    response = anon_api.get("/api/schema/?format=json")
    assert response.status_code == 200, response.content[:300]
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    for path in (
        "/api/chat-sessions/current/",
        "/api/chat-threads/{uuid}/archive/",
        "/api/chat-messages/{uuid}/feedback/",
        "/api-auth/password/",
    ):
        assert path in schema["paths"]


def test_schema_documents_list_headers_errors_and_enums(anon_api):
    schema = json.loads(anon_api.get("/api/schema/?format=json").content)
    threads = schema["paths"]["/api/chat-threads/"]["get"]
    ok = threads["responses"]["200"]
    assert {"X-Result-Count", "Link"} <= set(ok["headers"])
    assert {"400", "401", "403", "409", "424"} <= set(threads["responses"])
    archive = schema["paths"]["/api/chat-threads/{uuid}/archive/"]["post"]["responses"]
    assert "204" in archive
    assert "404" in archive
    components = schema["components"]["schemas"]
    assert components["InjectionSeverityEnum"]["enum"] == [
        "none",
        "low",
        "medium",
        "high",
        "critical",
    ]
    thread = components["ThreadSession"] if "ThreadSession" in components else components["Thread"]
    assert thread["properties"]["input_tokens"]["nullable"] is True
    staff = components["MessageStaff"]["properties"]
    assert staff["injection_categories"]["type"] == "array"
    o = next(p for p in threads["parameters"] if p["name"] == "o")
    assert "-total_tokens" in o["schema"]["items"]["enum"]


def test_docs_page_and_its_assets_are_served_locally(anon_api, client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "swagger-ui" in html
    # Every script and stylesheet is ours (the page also carries a random CSRF token, which
    # may spell anything, so look at the addresses rather than at the whole text).
    addresses = [
        part.split('"')[0] for marker in ('src="', 'href="') for part in html.split(marker)[1:]
    ]
    assert addresses
    assert all(a.startswith("/") and not a.startswith("//") for a in addresses), addresses
    asset = next(
        part.split('"')[0]
        for part in html.split('src="')[1:]
        if "swagger-ui-bundle" in part.split('"')[0]
    )
    assert asset.startswith("/static/")
    served = client.get(asset)
    assert served.status_code == 200
    assert b"".join(served.streaming_content if served.streaming else [served.content])[:100]
