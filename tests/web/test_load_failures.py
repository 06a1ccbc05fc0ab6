"""A failed read after a click is said on the page, never left as an uncaught rejection (the
`page` fixture fails a test on any uncaught script error)."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect

from tests.anonymous_chat.analyticskit import turn
from tests.chat.helpers import add_turn, thread_for
from tests.web.conftest import sign_in, start_server

pytestmark = [pytest.mark.timeout(240)]


def fail_reads(page: Page, pattern: str) -> None:
    body = json.dumps({"detail": "The database is unavailable."})
    page.route(
        pattern,
        lambda route: route.fulfill(status=503, content_type="application/json", body=body),
    )


def test_a_thread_that_cannot_be_read_says_why(web_server, page, alice, llm):
    add_turn(thread_for(alice, name="Storage quotas"))
    sign_in(page, web_server, "/", "alice")
    expect(page.locator("#thread-list .thread-name")).to_have_text(["Storage quotas"])
    fail_reads(page, "**/api/chat-messages/?*")
    page.locator("#thread-list .thread-open").first.click()
    expect(page.locator("#notice")).to_have_text("The database is unavailable.")
    expect(page.locator("#conversation-title")).to_have_text("Storage quotas")
    expect(page.locator("#messages li")).to_have_count(0)


def test_a_transcript_that_cannot_be_read_says_why(transactional_db, llm, settings, page, staffer):
    turn("visit-one-0001", question="Do you have GPUs?")
    with start_server(settings) as base:
        sign_in(page, base, "/staff/", "staffer")
        rows = page.locator("#conversations tbody tr")
        expect(rows).to_have_count(1)
        fail_reads(page, "**/by-session/**")
        rows.first.get_by_role("button").click()
        expect(page.locator("#refused")).to_have_text("The database is unavailable.")
        expect(page.locator("#transcript")).to_be_hidden()
