"""Token authentication, POST /api-auth/password/ and manage.py createuser."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User
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
    assert token == Token.objects.get(user=user).key
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


def test_password_login_is_throttled(anon_api):
    statuses = [login(anon_api, username="x", password="y").status_code for _ in range(12)]
    assert statuses[:10] == [400] * 10
    assert statuses[10:] == [429, 429]


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
    assert out.getvalue().strip().splitlines()[-1] == Token.objects.get(user=user).key


def test_createuser_updates_an_existing_user_and_keeps_the_token():
    first, second = StringIO(), StringIO()
    call_command("createuser", "frank", stdout=first)
    call_command("createuser", "frank", "--staff", stdout=second)
    user = User.objects.get(username="frank")
    assert user.is_staff
    assert User.objects.filter(username="frank").count() == 1
    assert first.getvalue().splitlines()[-1] == second.getvalue().splitlines()[-1]
    assert not user.has_usable_password()


@pytest.mark.parametrize(
    ("key", "active", "detail"),
    [("wrong", True, "Invalid token."), (None, False, "User inactive or deleted.")],
)
def test_a_bad_token_or_inactive_user_is_401_with_drfs_message(key, active, detail):
    user = UserFactory(username="erin", is_active=active)
    token = Token.objects.get(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key or token.key}")
    response = client.get("/api/chat-sessions/current/")
    assert response.status_code == 401
    assert response.json()["detail"] == detail
    assert response["WWW-Authenticate"] == "Token"
