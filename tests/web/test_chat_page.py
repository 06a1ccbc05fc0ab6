"""The signed-in chat page in Chromium: sign-in, streaming, stop, regenerate, edit, feedback,
threads, warnings and refusals, against the real server and the development LLM."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from chat.models import Message, Role, Thread
from tests.chat.helpers import add_turn, thread_for
from tests.web.conftest import screenshot, sign_in, start_server

pytestmark = [pytest.mark.timeout(240)]

ANSWER = "#messages li.role-assistant:last-child"
LAST_ANSWER_JS = "document.querySelector('#messages li.role-assistant:last-child')"


def send(page: Page, text: str) -> None:
    page.get_by_label("Message", exact=True).fill(text)
    page.get_by_label("Message", exact=True).press("Enter")


def wait_answered(page: Page) -> None:
    """The stream has ended and the conversation was re-read from the API."""
    page.wait_for_function(
        f"() => {{ const a = {LAST_ANSWER_JS}; return a && !a.hasAttribute('aria-busy')"
        " && a.dataset.uuid; }"
    )
    expect(page.get_by_role("button", name="Send")).to_be_enabled()


def answer_text(page: Page) -> str:
    return page.locator(f"{ANSWER} .body").inner_text()


def test_sign_in_send_and_watch_the_answer_arrive_in_pieces(web_server, page, alice, llm):
    words = [f"word{i}" for i in range(80)]
    llm.app.config.reply = " ".join(words)
    llm.app.config.token_interval = 0.05  # four seconds for the whole answer
    sign_in(page, web_server, "/", "alice")
    expect(page.locator("#whoami")).to_have_text("Signed in as Alice Smith")

    send(page, "Tell me a long story")
    # Two observations while the answer is still streaming, the second with more text.
    first = page.wait_for_function(
        f"() => {{ const a = {LAST_ANSWER_JS}; return a && a.getAttribute('aria-busy') === 'true'"
        " && a.textContent.includes('word') && a.querySelector('.body').textContent.length; }"
    ).json_value()
    page.wait_for_function(
        f"(n) => {{ const a = {LAST_ANSWER_JS}; return a.getAttribute('aria-busy') === 'true'"
        " && a.querySelector('.body').textContent.length > n; }",
        arg=first,
    )
    assert "word79" not in answer_text(page)
    wait_answered(page)

    assert answer_text(page) == " ".join(words)
    expect(page.locator("#messages li.role-user .body")).to_have_text("Tell me a long story")
    thread = Thread.objects.get(chat_session__user=alice)
    stored = Message.objects.get(thread=thread, role=Role.ASSISTANT)
    assert stored.text == " ".join(words)
    assert page.evaluate("location.hash") == f"#{thread.uuid}"
    expect(page.locator("#thread-list .thread-open")).to_have_count(1)
    screenshot(page, "chat")


def test_stop_keeps_the_partial_answer(web_server, page, alice, llm):
    llm.app.config.reply = " ".join(f"word{i}" for i in range(400))
    llm.app.config.token_interval = 0.05  # twenty seconds unless stopped
    sign_in(page, web_server, "/", "alice")
    send(page, "Go on for a while")
    page.wait_for_function(
        f"() => {{ const a = {LAST_ANSWER_JS}; return a && a.textContent.includes('word3'); }}"
    )
    page.get_by_role("button", name="Stop").click()
    wait_answered(page)

    expect(page.locator(f"{ANSWER} .finish-note")).to_have_text(
        "Stopped: the answer was cut short."
    )
    shown = answer_text(page)
    assert shown.startswith("word0 word1 word2")
    assert "word399" not in shown
    stored = Message.objects.get(role=Role.ASSISTANT, thread__chat_session__user=alice)
    assert stored.text.strip() == shown.strip()
    expect(page.get_by_role("button", name="Stop")).to_be_hidden()


def test_regenerate_replaces_the_last_answer(web_server, page, alice, llm):
    llm.app.config.reply = "First answer."
    sign_in(page, web_server, "/", "alice")
    send(page, "Which storage is there?")
    wait_answered(page)
    expect(page.locator(ANSWER)).to_contain_text("First answer.")
    first = Message.objects.get(role=Role.ASSISTANT)

    llm.app.config.reply = "Second answer."
    page.get_by_role("button", name="Regenerate answer").click()
    wait_answered(page)

    expect(page.locator("#messages li.role-assistant")).to_have_count(1)
    expect(page.locator(ANSWER)).to_contain_text("Second answer.")
    expect(page.locator("#messages")).not_to_contain_text("First answer.")
    second = Message.objects.get(role=Role.ASSISTANT, replaces=first)
    assert second.text == "Second answer."
    assert page.locator(ANSWER).get_attribute("data-uuid") == str(second.uuid)


def test_edit_the_last_message_resends_it(web_server, page, alice, llm):
    sign_in(page, web_server, "/", "alice")
    send(page, "Tell me about storage")
    wait_answered(page)
    original = Message.objects.get(role=Role.USER)

    page.get_by_role("button", name="Edit your last message").click()
    page.get_by_label("Edit your message").fill("Tell me about compute")
    page.get_by_role("button", name="Save and resend").click()
    wait_answered(page)

    expect(page.locator("#messages li.role-user")).to_have_count(1)
    expect(page.locator("#messages li.role-user .body")).to_have_text("Tell me about compute")
    expect(page.locator(ANSWER)).to_contain_text("You asked: Tell me about compute")
    edited = Message.objects.get(role=Role.USER, replaces=original)
    assert edited.text == "Tell me about compute"


def test_thumbs_down_with_a_category_is_stored(web_server, page, alice, llm):
    llm.app.config.reply = "Use the small flavour."
    sign_in(page, web_server, "/", "alice")
    send(page, "Which VM size?")
    wait_answered(page)

    answer = page.locator(ANSWER)
    answer.get_by_role("button", name="Not helpful").click()
    answer.get_by_label("What went wrong?").select_option("inaccurate")
    answer.get_by_label("Comment (optional)").fill("The sizes are wrong")
    answer.get_by_role("button", name="Send feedback").click()

    expect(answer.locator(".feedback-status")).to_contain_text("Rated not helpful: Inaccurate.")
    expect(answer.get_by_role("button", name="Not helpful")).to_have_attribute(
        "aria-pressed", "true"
    )
    stored = Message.objects.get(role=Role.ASSISTANT)
    assert (stored.feedback_score, stored.feedback_category, stored.feedback_comment) == (
        False,
        "inaccurate",
        "The sizes are wrong",
    )

    answer.get_by_role("button", name="Helpful", exact=True).click()
    expect(answer.locator(".feedback-status")).to_contain_text("Rated helpful.")
    stored.refresh_from_db()
    assert (stored.feedback_score, stored.feedback_category) == (True, None)


def test_markdown_code_and_mermaid_blocks_are_rendered(web_server, page, alice, llm):
    llm.app.config.reply = (
        "Some **bold** advice:\n\n```python\nprint('hello')\n```\n\n"
        "```mermaid\ngraph TD\n  A-->B\n```\n\n- one\n- two\n"
    )
    sign_in(page, web_server, "/", "alice")
    send(page, "Show me code")
    wait_answered(page)

    answer = page.locator(ANSWER)
    expect(answer.locator("strong")).to_have_text("bold")
    expect(answer.locator("figure[data-lang=python] figcaption")).to_have_text("python")
    expect(answer.locator("figure[data-lang=python] code")).to_have_text("print('hello')")
    expect(answer.locator("figure[data-lang=mermaid] code")).to_have_text("graph TD\n  A-->B")
    expect(answer.locator("ul li")).to_have_text(["one", "two"])


def test_personal_data_warning_is_shown_beside_the_question(web_server, page, alice, llm):
    sign_in(page, web_server, "/", "alice")
    send(page, "My IBAN is EE38 2200 2210 2014 5685, can you check it?")
    page.locator("#messages li.role-user .warning").wait_for()
    wait_answered(page)

    question = page.locator("#messages li.role-user")
    expect(question.locator(".warning")).to_contain_text("redacted")
    expect(question.locator(".body")).to_contain_text("[pii_iban_estonian_REDACTED]")
    expect(page.locator(f"{ANSWER} .warning")).to_have_count(0)


def test_threads_are_searched_and_archived(web_server, page, alice, llm):
    add_turn(thread_for(alice, name="Storage quotas"))
    gpu = thread_for(alice, name="GPU jobs")
    add_turn(gpu, question="How do I run a GPU job?", answer="Use the batch queue.")
    sign_in(page, web_server, "/", "alice")
    threads = page.locator("#thread-list .thread-name")
    expect(threads).to_have_text(["GPU jobs", "Storage quotas"], ignore_case=False)

    page.get_by_label("Search conversations").fill("GPU")
    expect(threads).to_have_text(["GPU jobs"])
    page.locator("#thread-list .thread-open").first.click()
    expect(page.locator("#messages li.role-assistant .body")).to_have_text("Use the batch queue.")

    page.get_by_role("button", name="Archive GPU jobs").click()
    expect(threads).to_have_count(0)
    expect(page.locator("#thread-empty")).to_have_text("No conversations match your search.")
    gpu.refresh_from_db()
    assert gpu.is_archived
    page.get_by_label("Search conversations").fill("")
    expect(threads).to_have_text(["Storage quotas"])
    expect(page.locator("#thread-list .thread-tag")).to_have_count(0)


def test_show_archived_adds_the_archived_threads_to_the_list(web_server, page, alice, llm):
    add_turn(thread_for(alice, name="Storage quotas"))
    add_turn(thread_for(alice, name="GPU jobs", is_archived=True))
    add_turn(thread_for(alice, name="Old billing question", is_archived=True))
    sign_in(page, web_server, "/", "alice")
    threads = page.locator("#thread-list .thread")
    expect(threads.locator(".thread-name")).to_have_text(["Storage quotas"])

    page.get_by_label("Show archived").check()
    expect(threads.locator(".thread-name")).to_have_text(
        ["Old billing question", "GPU jobs", "Storage quotas"]
    )
    archived = threads.filter(has=page.locator(".thread-tag"))
    expect(archived.locator(".thread-name")).to_have_text(["Old billing question", "GPU jobs"])
    expect(archived.locator(".thread-tag")).to_have_text(["Archived", "Archived"])
    expect(page.get_by_role("button", name="Archive Storage quotas")).to_be_visible()

    page.get_by_role("button", name="Unarchive GPU jobs").click()
    expect(archived.locator(".thread-name")).to_have_text(["Old billing question"])
    expect(threads).to_have_count(3)
    page.get_by_label("Show archived").uncheck()
    expect(threads.locator(".thread-name")).to_have_text(["GPU jobs", "Storage quotas"])
    assert not Thread.objects.get(name="GPU jobs").is_archived


@pytest.mark.parametrize(
    ("setting", "status", "wording"),
    [
        ("AI_ASSISTANT_TOKEN_LIMIT_DAILY", 409, "token"),
        ("AI_ASSISTANT_GLOBAL_DAILY_TOKEN_BUDGET", 429, "daily capacity"),
    ],
)
def test_refusals_say_when_to_try_again(
    transactional_db, llm, settings, page, alice, setting, status, wording
):
    setattr(settings, setting, 10)  # far below one turn's reservation
    with start_server(settings) as base:
        sign_in(page, base, "/", "alice")
        with page.expect_response("**/api/chat/stream/") as response:
            send(page, "Hello there")
        assert response.value.status == status
        notice = page.locator("#notice")
        expect(notice).to_be_visible()
        expect(notice).to_contain_text(wording)
        expect(notice).to_contain_text("You can try again in")
        expect(notice).to_contain_text(" UTC)")
        expect(page.locator("#messages li")).to_have_count(0)
        expect(page.get_by_label("Message", exact=True)).to_have_value("Hello there")
        screenshot(page, f"chat-refused-{status}")
    assert not Message.objects.exists()


def test_a_reload_mid_answer_re_attaches_and_shows_the_whole_answer_once(
    web_server, page, alice, llm
):
    words = [f"word{i}" for i in range(120)]
    llm.app.config.reply = " ".join(words)
    llm.app.config.token_interval = 0.05  # six seconds for the whole answer
    sign_in(page, web_server, "/", "alice")
    send(page, "Tell me a long story")
    page.wait_for_function(
        f"() => {{ const a = {LAST_ANSWER_JS}; return a && a.textContent.includes('word5'); }}"
    )
    page.reload()
    # Re-attached: the answer goes on arriving in the reloaded page, from its first word.
    page.wait_for_function(
        f"() => {{ const a = {LAST_ANSWER_JS}; return a && a.getAttribute('aria-busy') === 'true'"
        " && a.textContent.includes('word0'); }"
    )
    assert "word119" not in answer_text(page)
    wait_answered(page)
    assert answer_text(page) == " ".join(words)
    expect(page.locator("#messages li.role-assistant")).to_have_count(1)
    expect(page.locator("#messages li.role-user .body")).to_have_text("Tell me a long story")


def test_export_downloads_the_conversation_as_markdown(web_server, page, alice, llm):
    llm.app.config.reply = "Forty-two."
    sign_in(page, web_server, "/", "alice")
    send(page, "What is the answer?")
    wait_answered(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Export (Markdown)").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert "## You" in text
    assert "What is the answer?" in text
    assert "Forty-two." in text
    assert download.value.suggested_filename.endswith(".md")
