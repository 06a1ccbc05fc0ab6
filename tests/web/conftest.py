"""Browser fixtures: Debian's Chromium driven by Playwright, and the server as a subprocess.

Without Chromium (`CHROMIUM`, default /usr/bin/chromium) every browser test is skipped with
one reason line; CI installs it and sets FORBID_SKIPS=1, which turns any skip into a failure.

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

CHROMIUM = os.environ.get("CHROMIUM") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
NO_CHROMIUM = f"browser tests need Chromium at {CHROMIUM} (set CHROMIUM to its path)"
PASSWORD = "correct horse battery"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


def output_dir() -> Path:
    path = Path(os.environ.get("TEST_OUTPUT_DIR") or BASE_DIR / "test-output")
    path.mkdir(parents=True, exist_ok=True)
    return path


def screenshot(page: Page, name: str) -> Path:
    path = output_dir() / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 0
    return path


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Every "no Chromium" skip is reported at this file rather than at its test, so that
    pytest's summary folds them all into one line."""
    report = yield
    if report.skipped and isinstance(report.longrepr, tuple) and NO_CHROMIUM in report.longrepr[2]:
        report.longrepr = (__file__, None, report.longrepr[2])
    return report


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Module scope: set up before any function-scoped fixture, so no server is started.
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(NO_CHROMIUM)
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


@contextlib.contextmanager
def watched_page(browser: Browser, **options) -> Iterator[Page]:
    """A tab in a fresh context; uncaught script errors and CSP reports fail the test."""
    context = browser.new_context(**options)
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


@pytest.fixture
def page(browser) -> Iterator[Page]:
    """A desktop-sized tab (see watched_page)."""
    with watched_page(browser, **DESKTOP) as tab:
        yield tab


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
