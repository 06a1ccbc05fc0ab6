"""Shared fixtures: users with tokens, API clients, and the PostgreSQL-only marker policy.

On PostgreSQL (CI) a skipped test fails the run: PostgreSQL-only tests skip on SQLite only.
"""

from __future__ import annotations

import os

import pytest
from django.core.cache import caches
from django.db import connection
from rest_framework.test import APIClient

from chat.devllm import DevLLMConfig
from tests.factories import UserFactory
from tests.upstream import run_devllm, serve_asgi, server_process


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    if on_postgres:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://...)")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get("FORBID_SKIPS") != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped:
        reporter.write_line(
            f"FORBID_SKIPS=1: {skipped} test(s) skipped; failing the run.", red=True
        )
        session.exitstatus = 1


@pytest.fixture(autouse=True)
def _no_failed_sign_ins(django_db_blocker):
    """Each test starts with no failed sign-in counted: the counts live in a cache table that
    no test transaction or flush clears, and a test that locks a client out (127.0.0.1, the
    address of every test client) would lock every later test out too."""
    with django_db_blocker.unblock():
        caches["axes"].clear()


@pytest.fixture(autouse=True)
def _llm_configured(settings):
    """Tests run with the chat feature on and an LLM configured unless they say otherwise."""
    settings.AI_ASSISTANT_ENABLED = True
    settings.AI_ASSISTANT_ENABLED_ROLES = "all"
    settings.AI_ASSISTANT_API_URL = "http://127.0.0.1:9/v1"
    settings.AI_ASSISTANT_API_TOKEN = "test-token"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.AI_ASSISTANT_SHUTDOWN_GRACE_SECONDS = 1.0
    # Caps are off unless a test switches one on (suites send many turns a minute).
    settings.AI_ASSISTANT_GLOBAL_REQUESTS_PER_MINUTE = 0
    settings.AI_ASSISTANT_ANONYMOUS_REQUESTS_PER_MINUTE = 0
    settings.AI_ASSISTANT_GLOBAL_DAILY_TOKEN_BUDGET = 0


@pytest.fixture(scope="session")
def devllm():
    """The development LLM served over real HTTP on a free loopback port for the session."""
    with run_devllm() as server:
        yield server


@pytest.fixture
def llm(devllm, settings):
    """The shared development LLM, reset to its defaults and configured as the upstream."""
    devllm.app.config = DevLLMConfig()
    devllm.app.requests.clear()
    settings.AI_ASSISTANT_API_URL = devllm.base_url
    settings.AI_ASSISTANT_MODEL = "dev-model"
    return devllm


@pytest.fixture
def chat_server(transactional_db, llm):
    """The project's ASGI app served by uvicorn on a loopback port (committed data only)."""
    from config.asgi import application

    with serve_asgi(application) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def second_server(chat_server, settings):
    """A second uvicorn process of the project sharing the database (and the settings)."""
    with server_process(settings) as base:
        yield base


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {user.api_key}")
    return client


@pytest.fixture
def user(db):
    return UserFactory(username="alice", first_name="Alice", last_name="Smith")


@pytest.fixture
def other_user(db):
    return UserFactory(username="bob", first_name="Bob", last_name="Jones")


@pytest.fixture
def staff(db):
    return UserFactory(username="staffer", is_staff=True)


@pytest.fixture
def support(db):
    return UserFactory(username="helper", is_support=True)


@pytest.fixture
def api(user):
    return client_for(user)


@pytest.fixture
def anon_api():
    return APIClient()
