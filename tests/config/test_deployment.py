"""Production settings: refused on insecure secrets, clean under `check --deploy`, read from a
.env file, and private API answers kept out of caches."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest

from config.settings import BASE_DIR
from tests.conftest import client_for

STRONG = secrets.token_urlsafe(50)
PRODUCTION = {
    "SECRET_KEY": STRONG,
    "DEBUG": "false",
    "DATABASE_URL": "sqlite:///deploy-check.sqlite3",
    "ALLOWED_HOSTS": "chat.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://chat.example.org",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
    "SESSION_COOKIE_SECURE": "true",
    "CSRF_COOKIE_SECURE": "true",
    "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO",
}


def run(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION and k != "ENV_FILE"}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env={**clean, **env},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_check_deploy_reports_nothing_with_production_settings():
    done = run(
        "import sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
        DJANGO_SETTINGS_MODULE="config.settings",
        **PRODUCTION,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": "dev-insecure-change-me"}, "SECRET_KEY"),
        ({"SECRET_KEY": "short-but-random-7f3a"}, "SECRET_KEY"),
        ({"SECRET_KEY": "a" * 60}, "SECRET_KEY"),
        ({"ANONYMOUS_CHAT_USER_SLUG_SALT": "salt"}, "ANONYMOUS_CHAT_USER_SLUG_SALT"),
        (
            {"ANONYMOUS_CHAT_FEEDBACK_TOKEN_SECRET": "x" * 40},
            "ANONYMOUS_CHAT_FEEDBACK_TOKEN_SECRET",
        ),
    ],
)
def test_settings_refuse_an_insecure_secret_with_debug_off(changes, named):
    done = run("import config.settings", **{**PRODUCTION, **changes})
    assert done.returncode != 0
    assert "Refusing to start" in done.stderr
    assert named in done.stderr.split("Refusing to start")[1].split(":")[0]


def test_settings_load_with_strong_secrets_or_with_debug_on():
    assert run("import config.settings", **PRODUCTION).returncode == 0
    debug = {**PRODUCTION, "SECRET_KEY": "", "DEBUG": "true"}
    assert run("import config.settings", **debug).returncode == 0


def test_a_dotenv_file_is_read_and_the_environment_wins(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(f"AI_ASSISTANT_NAME=From the file\nSECRET_KEY={STRONG}\nLOG_LEVEL=ERROR\n")
    code = "from config import settings as s; print(s.AI_ASSISTANT_NAME, s.LOG_LEVEL)"
    done = run(code, ENV_FILE=str(env_file), LOG_LEVEL="WARNING", DEBUG="false")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "From the file WARNING"


@pytest.mark.django_db
def test_api_answers_are_kept_out_of_shared_and_browser_caches(user):
    private = client_for(user).get("/api/chat-sessions/current/")
    assert "no-store" in private["Cache-Control"]
    assert "private" in private["Cache-Control"]
    public = client_for().get("/api/configuration/")
    assert "no-store" in public["Cache-Control"]  # under /api/: never cached either


def test_the_api_docs_allow_nothing_outside_the_server(client):
    page = client.get("/api/docs/")
    policy = page["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self';" in policy  # no inline script: the start-up script is a file
    assert b"<script>" not in page.content
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
