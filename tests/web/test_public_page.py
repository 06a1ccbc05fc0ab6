"""The public widget in Chromium: anonymous chat with a stable session id, feedback, tracked
clicks on offering links, and embedding in another site's iframe."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from anonymous_chat.models import (
    AnonymousChatClick,
    AnonymousChatFeedback,
    AnonymousChatInteraction,
)
from chat.devllm import REPLIES
from tests.upstream import wait_for
from tests.web.conftest import screenshot

pytestmark = [pytest.mark.timeout(240)]

ANSWER = "#messages li.role-assistant:last-child"


def ask(page: Page, text: str) -> None:
    page.get_by_label("Your question").fill(text)
    page.get_by_label("Your question").press("Enter")
    page.wait_for_function(
        "() => { const a = document.querySelector('#messages li.role-assistant:last-child');"
        " return a && !a.hasAttribute('aria-busy'); }"
    )


def test_visitor_chats_rates_and_clicks_an_offering(web_server, page, llm):
    llm.app.config.reply = REPLIES["links"]
    page.goto(f"{web_server}/public/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask Waldur Assistant")
    session_id = page.evaluate("localStorage.getItem('chat.public.session')")
    assert session_id
    assert 8 <= len(session_id) <= 64

    ask(page, "Which virtual machines can I get?")
    answer = page.locator(ANSWER)
    expect(answer.get_by_role("link", name="Cloud VMs")).to_be_visible()
    interaction = AnonymousChatInteraction.objects.get()
    assert interaction.session_id == session_id
    assert interaction.user_input == "Which virtual machines can I get?"

    answer.get_by_role("button", name="Not helpful").click()
    answer.get_by_label("What went wrong?").select_option("incomplete")
    answer.get_by_label("Comment (optional)").fill("No prices")
    answer.get_by_role("button", name="Send feedback").click()
    expect(answer.locator(".feedback-status")).to_have_text("Thank you for your feedback.")
    feedback = AnonymousChatFeedback.objects.get(interaction=interaction)
    assert (feedback.score, feedback.category, feedback.comment) == (-1, "incomplete", "No prices")

    with page.context.expect_page() as opened:
        answer.get_by_role("link", name="Cloud VMs").click()
    assert "/marketplace-public-offering/5b3f0c2e-8d7a-4c1e-9f5a-2d6b8e4a1c3f/" in opened.value.url
    click = wait_for(lambda: AnonymousChatClick.objects.filter(interaction=interaction).first())
    assert str(click.offering_uuid) == "5b3f0c2e-8d7a-4c1e-9f5a-2d6b8e4a1c3f"
    screenshot(page, "public")


def test_session_id_survives_a_reload_and_thumbs_up_is_stored(web_server, page, llm):
    llm.app.config.reply = "We offer virtual machines."
    page.goto(f"{web_server}/public/")
    ask(page, "What do you offer?")
    first = page.evaluate("localStorage.getItem('chat.public.session')")

    page.reload()
    ask(page, "And storage?")
    assert page.evaluate("localStorage.getItem('chat.public.session')") == first
    sessions = set(AnonymousChatInteraction.objects.values_list("session_id", flat=True))
    assert sessions == {first}

    page.locator(ANSWER).get_by_role("button", name="Helpful", exact=True).click()
    expect(page.locator(f"{ANSWER} .feedback-status")).to_have_text("Thank you for your feedback.")
    latest = AnonymousChatInteraction.objects.get(user_input="And storage?")
    assert AnonymousChatFeedback.objects.get(interaction=latest).score == 1

    page.get_by_role("button", name="New conversation").click()
    assert page.evaluate("localStorage.getItem('chat.public.session')") != first
    expect(page.locator("#messages li")).to_have_count(0)


def test_widget_can_be_embedded_in_another_site(web_server, page, llm):
    # An about:blank page is another origin: the frame only loads if nothing forbids framing.
    page.set_content(f'<iframe title="Chat" src="{web_server}/public/" width="600" height="500">')
    frame = page.frame_locator("iframe[title=Chat]")
    expect(frame.get_by_role("heading", level=1)).to_have_text("Ask Waldur Assistant")
    expect(frame.get_by_label("Your question")).to_be_editable()
    # Storage may be denied to a framed page on another site; the widget still works.
    frame.get_by_label("Your question").fill("Hello from the frame")
    frame.get_by_label("Your question").press("Enter")
    expect(frame.locator("#messages li.role-assistant .body")).to_contain_text(
        "You asked: Hello from the frame"
    )
    assert AnonymousChatInteraction.objects.get().user_input == "Hello from the frame"


def test_a_reloaded_widget_shows_the_session_and_re_attaches_to_the_answer(web_server, page, llm):
    page.goto(f"{web_server}/public/")
    ask(page, "What is a VM?")
    words = [f"word{i}" for i in range(120)]
    llm.app.config.reply = " ".join(words)
    llm.app.config.token_interval = 0.05  # six seconds for the whole answer
    page.get_by_label("Your question").fill("Tell me more")
    page.get_by_label("Your question").press("Enter")
    page.wait_for_function(
        "() => { const a = document.querySelector('#messages li.role-assistant:last-child');"
        " return a && a.textContent.includes('word5'); }"
    )
    page.reload()
    questions = page.locator("#messages li.role-user .body")
    expect(questions).to_have_text(["What is a VM?", "Tell me more"])
    expect(page.locator("#messages li.role-assistant").first.locator(".body")).to_contain_text(
        "You asked: What is a VM?"
    )
    page.wait_for_function(
        "() => { const a = document.querySelector('#messages li.role-assistant:last-child');"
        " return a && !a.hasAttribute('aria-busy') && a.querySelector('.feedback'); }"
    )
    expect(page.locator(ANSWER).locator(".body")).to_have_text(" ".join(words))
    expect(page.locator("#messages li.role-assistant")).to_have_count(2)
    # The re-attached answer can be rated like any other.
    page.locator(ANSWER).get_by_role("button", name="Helpful", exact=True).click()
    expect(page.locator(ANSWER).locator(".feedback-status")).to_have_text(
        "Thank you for your feedback."
    )
    latest = AnonymousChatInteraction.objects.order_by("-created").first()
    assert AnonymousChatFeedback.objects.get(interaction=latest).score == 1
