"""Browser fixtures: Debian's Chromium driven by Playwright, and the server as a subprocess.

Playwright's sync API keeps an asyncio loop running in the test thread, which Django reads as
"async context" and then refuses ORM calls; while a browser is open the tests allow them
(DJANGO_ALLOW_ASYNC_UNSAFE), but never in the server process, which keeps Django's guard.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from playwright.sync_api import Browser, Page, sync_playwright

from config.settings import BASE_DIR
from tests.factories import UserFactory
from tests.upstream import server_process

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct horse battery"


def output_dir() -> Path:
    path = Path(os.environ.get("TEST_OUTPUT_DIR") or BASE_DIR / "test-output")
    path.mkdir(parents=True, exist_ok=True)
    return path


def screenshot(page: Page, name: str) -> Path:
    path = output_dir() / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 0
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    saved = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    args = [*CHROMIUM_ARGS, *(["--no-sandbox"] if os.geteuid() == 0 else [])]
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, args=args, headless=True
            )
            yield chromium
            chromium.close()
    finally:
        if saved is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved


@pytest.fixture
def page(browser) -> Iterator[Page]:
    """A fresh browser context per test; uncaught script errors and CSP reports fail the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    tab.on(
        "console",
        lambda message: (
            problems.append(f"console: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    yield tab
    context.close()
    assert problems == []


@contextlib.contextmanager
def start_server(settings) -> Iterator[str]:
    """The project under uvicorn in its own process, on the test database and settings."""
    settings.AI_ASSISTANT_ENABLED_ROLES = "anonymous"  # the public widget needs it
    with server_process(settings, DJANGO_ALLOW_ASYNC_UNSAFE="") as base:
        yield base


@pytest.fixture
def web_server(transactional_db, llm, settings) -> Iterator[str]:
    with start_server(settings) as base:
        yield base


def with_password(user, password: str = PASSWORD):
    """A password the server process can check (the tests' own hasher is MD5, for speed)."""
    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(password, hasher.salt())
    user.save(update_fields=["password"])
    return user


@pytest.fixture
def alice(transactional_db):
    return with_password(UserFactory(username="alice", first_name="Alice", last_name="Smith"))


@pytest.fixture
def staffer(transactional_db):
    return with_password(UserFactory(username="staffer", is_staff=True))


def sign_in(page: Page, base: str, path: str, username: str, password: str = PASSWORD) -> None:
    page.goto(base + path)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.locator("#whoami").wait_for(state="visible")
