"""manage.py createuser: staff for the dashboard, --superuser for the Django admin."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User

pytestmark = pytest.mark.django_db


def createuser(*args: str) -> list[str]:
    out = StringIO()
    call_command("createuser", *args, stdout=out)
    return out.getvalue().strip().splitlines()


def authenticates(key: str) -> bool:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/chat-sessions/current/").status_code == 200


def admin_client(username: str, password: str) -> Client:
    """Signed in through the admin's own login form (the password is checked there)."""
    client = Client()
    response = client.post("/admin/login/", {"username": username, "password": password})
    assert response.status_code == 302, response.content[:300]
    return client


def test_superuser_gets_every_admin_permission_and_a_token():
    lines = createuser("root", "--superuser", "--password", "pw-root-123")
    user = User.objects.get(username="root")
    assert (user.is_staff, user.is_superuser, user.is_support) == (True, True, False)
    assert lines[0] == "Created user root (staff, superuser)."
    assert authenticates(lines[-1])
    client = admin_client("root", "pw-root-123")
    response = client.get("/admin/accounts/user/")
    assert response.status_code == 200, response.content[:300]


def test_staff_is_not_a_superuser_and_sees_no_admin_model():
    lines = createuser("dash", "--staff", "--password", "pw-dash-123")
    user = User.objects.get(username="dash")
    assert (user.is_staff, user.is_superuser) == (True, False)
    assert lines[0] == "Created user dash (staff)."
    client = admin_client("dash", "pw-dash-123")
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/accounts/user/").status_code == 403


def test_rerunning_without_superuser_takes_it_away_and_both_tokens_work():
    first = createuser("ivy", "--superuser")
    second = createuser("ivy", "--staff")
    user = User.objects.get(username="ivy")
    assert (user.is_staff, user.is_superuser) == (True, False)
    assert second[0] == "Updated user ivy (staff)."
    assert authenticates(first[-1])
    assert authenticates(second[-1])


def test_a_plain_user_is_neither_staff_nor_superuser():
    assert createuser("joe")[0] == "Created user joe (user)."
    user = User.objects.get(username="joe")
    assert (user.is_staff, user.is_superuser) == (False, False)
