"""Token authentication, POST /api-auth/password/ and manage.py createuser."""

from __future__ import annotations

import datetime as dt
import importlib
from io import StringIO

import pytest
from django.apps import apps as django_apps
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from knox.crypto import hash_token
from rest_framework.test import APIClient

from accounts.models import ApiToken, User
from accounts.services import token_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def login(client, **body):
    return client.post("/api-auth/password/", body, format="json")


def test_password_login_returns_the_token_that_authenticates(anon_api):
    user = UserFactory(username="carol")
    user.set_password("s3cret-pass")
    user.save()
    response = login(anon_api, username="carol", password="s3cret-pass")
    assert response.status_code == 200, response.content
    token = response.json()["token"]
    stored = ApiToken.objects.get(user=user, name="Password login")
    assert stored.token_key == token[: len(stored.token_key)]
    assert stored.expiry is not None  # API_TOKEN_LOGIN_TTL_DAYS
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/chat-sessions/current/").status_code == 200


@pytest.mark.parametrize(
    "body",
    [{"username": "carol", "password": "wrong"}, {"username": "nobody", "password": "x"}],
)
def test_wrong_credentials_are_400_without_saying_which(anon_api, body):
    UserFactory(username="carol").set_password("right")
    response = login(anon_api, **body)
    assert response.status_code == 400
    assert response.json() == {"detail": "Invalid username or password."}


def test_missing_fields_are_400_naming_them(anon_api):
    response = login(anon_api)
    assert response.status_code == 400
    assert set(response.json()) == {"username", "password"}


def test_guessing_one_account_locks_it_even_from_many_clients(settings):
    settings.AI_ASSISTANT_TRUSTED_PROXIES = ["10.0.0.0/8"]
    user = UserFactory(username="gina")
    user.set_password("the-right-one")
    user.save()
    statuses = []
    for i in range(12):  # each guess from another address, through the trusted proxy
        client = APIClient(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
        statuses.append(login(client, username="gina", password=f"guess-{i}").status_code)
    assert statuses == [400] * 9 + [429] * 3  # the tenth failure locks
    late = login(APIClient(REMOTE_ADDR="198.51.100.7"), username="gina", password="the-right-one")
    assert late.status_code == 429, late.content  # locked: the right password too
    assert late.json()["code"] == "login_locked"
    assert int(late["Retry-After"]) == 15 * 60


def test_one_client_guessing_many_accounts_is_locked_and_a_forged_header_changes_nothing():
    statuses = []
    for i in range(12):  # a new X-Forwarded-For each time, from an untrusted peer
        client = APIClient(REMOTE_ADDR="192.0.2.9", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
        statuses.append(login(client, username=f"user-{i}", password="x").status_code)
    assert statuses == [400] * 9 + [429] * 3
    other = login(APIClient(REMOTE_ADDR="192.0.2.10"), username="user-99", password="x")
    assert other.status_code == 400  # another client is not locked


def test_a_success_before_the_limit_clears_the_failures():
    user = UserFactory(username="hal")
    user.set_password("hal-password")
    user.save()
    first, second = APIClient(REMOTE_ADDR="192.0.2.1"), APIClient(REMOTE_ADDR="192.0.2.2")
    for _ in range(8):
        assert login(first, username="hal", password="no").status_code == 400
    assert login(first, username="hal", password="hal-password").status_code == 200
    for _ in range(8):  # the account's count started again at the success
        assert login(second, username="hal", password="no").status_code == 400


def test_the_admin_login_is_limited_too(client):
    user = UserFactory(username="ivy", is_staff=True, is_superuser=True)
    user.set_password("ivy-password")
    user.save()
    for _ in range(10):
        client.post("/admin/login/", {"username": "ivy", "password": "wrong"})
    client.post("/admin/login/", {"username": "ivy", "password": "ivy-password"})
    assert "_auth_user_id" not in client.session  # locked out: no session
    assert client.get("/admin/").status_code == 302  # still sent to the login page


def test_session_auth_still_works_for_the_admin(client):
    user = UserFactory(username="dave")
    client.force_login(user)
    assert client.get("/api/chat-sessions/current/").status_code == 200


def test_unauthenticated_call_is_401_with_token_challenge(anon_api):
    response = anon_api.get("/api/chat-sessions/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_createuser_creates_a_user_and_prints_the_token_last():
    out = StringIO()
    call_command("createuser", "erin", "--support", "--password", "pw-erin-123", stdout=out)
    user = User.objects.get(username="erin")
    assert user.is_support
    assert not user.is_staff
    assert user.check_password("pw-erin-123")
    key = out.getvalue().strip().splitlines()[-1]
    assert authenticates(key)


def authenticates(key: str) -> bool:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/chat-sessions/current/").status_code == 200


def test_createuser_updates_an_existing_user_and_prints_a_new_token():
    first, second = StringIO(), StringIO()
    call_command("createuser", "frank", stdout=first)
    call_command("createuser", "frank", "--staff", stdout=second)
    user = User.objects.get(username="frank")
    assert user.is_staff
    assert User.objects.filter(username="frank").count() == 1
    keys = [first.getvalue().splitlines()[-1], second.getvalue().splitlines()[-1]]
    assert keys[0] != keys[1]
    assert all(authenticates(key) for key in keys)  # the earlier one stays valid
    assert not user.has_usable_password()


def test_tokens_are_stored_as_hashes_only():
    out = StringIO()
    call_command("createuser", "gus", stdout=out)
    key = out.getvalue().strip().splitlines()[-1]
    row = ApiToken.objects.values().get(user__username="gus")
    assert key not in str(row)  # a database dump holds no working credential
    assert row["digest"] == hash_token(key)
    assert key.startswith(row["token_key"])


def test_an_expired_or_deleted_token_no_longer_authenticates():
    user = UserFactory(username="hana")
    expiring = token_create(user=user, name="ci", ttl=dt.timedelta(seconds=-1))
    revoked = token_create(user=user, name="laptop")
    kept = token_create(user=user, name="phone")
    ApiToken.objects.filter(user=user, name="laptop").delete()
    assert not authenticates(expiring)
    assert not authenticates(revoked)
    assert authenticates(kept)


@pytest.mark.django_db(transaction=True)
def test_clear_text_tokens_of_earlier_versions_are_hashed_and_keep_working():
    user = UserFactory(username="ike")
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, user_id bigint, "
            "created timestamp with time zone)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token VALUES (%s, %s, %s)",
            ["0123456789abcdef0123456789abcdef01234567", user.pk, timezone.now()],
        )
    migration = importlib.import_module("accounts.migrations.0002_api_tokens")
    with connection.schema_editor() as editor:
        migration.hash_clear_text_tokens(django_apps, editor)
    assert "authtoken_token" not in connection.introspection.table_names()
    assert ApiToken.objects.get(user=user, name="Migrated token")
    assert authenticates("0123456789abcdef0123456789abcdef01234567")


@pytest.mark.parametrize(
    ("key", "active", "detail"),
    [("wrong", True, "Invalid token."), (None, False, "User inactive or deleted.")],
)
def test_a_bad_token_or_inactive_user_is_401_with_drfs_message(key, active, detail):
    user = UserFactory(username="erin", is_active=active)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key or user.api_key}")
    response = client.get("/api/chat-sessions/current/")
    assert response.status_code == 401
    assert response.json()["detail"] == detail
    assert response["WWW-Authenticate"] == "Token"
