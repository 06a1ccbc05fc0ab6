"""Hostile text from the API never becomes markup or a script link on the pages: the markdown
renderer's output in Chromium, an LLM answer on the chat page and a visitor's question in the
staff transcript."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.anonymous_chat.analyticskit import turn
from tests.web.conftest import sign_in, start_server
from tests.web.test_chat_page import send, wait_answered

pytestmark = [pytest.mark.timeout(240)]

# A leading C0 control character is dropped by the URL parser, not by String.trim().
CONTROL_PREFIXED = "[Open me](\x01javascript:window.__pwned=1)"

HOSTILE = [
    '<img src=x onerror="window.__pwned=1">',
    "<script>window.__pwned=1</script>",
    "[a](javascript:window.__pwned=1)",
    "[a](JaVaScRiPt:window.__pwned=1)",
    CONTROL_PREFIXED,
    "[a](\x1fjavascript:window.__pwned=1)",
    "[a](\x00javascript:window.__pwned=1)",
    "[a](data:text/html;base64,PHNjcmlwdD4=)",
    "[a](vbscript:msgbox)",
    '[a" onmouseover="window.__pwned=1](https://example.com/)',
    '[a](https://example.com/"onmouseover="window.__pwned=1)',
    "`<img src=x onerror=window.__pwned=1>`",
    "```html\n<img src=x onerror=window.__pwned=1>\n```",
    "**<b onclick=window.__pwned=1>x</b>** _<i>y</i>_",
    "# <svg onload=window.__pwned=1>\n> <iframe src=javascript:1>\n- <a href=javascript:1>z</a>",
]

ALLOWED_TAGS = {
    "P", "BR", "STRONG", "EM", "CODE", "A", "H3", "H4", "H5", "H6", "UL", "OL", "LI",
    "BLOCKQUOTE", "HR", "FIGURE", "FIGCAPTION", "PRE",
}  # fmt: skip

RENDER_JS = """async (cases) => {
  const { renderMarkdown } = await import("/static/web/markdown.js");
  return cases.map((text) => {
    const box = document.createElement("div");
    box.append(renderMarkdown(text));
    document.body.append(box);
    const nodes = [...box.querySelectorAll("*")];
    return {
      tags: [...new Set(nodes.map((node) => node.tagName))],
      handlers: nodes.flatMap((node) => node.getAttributeNames().filter((n) => n.startsWith("on"))),
      links: [...box.querySelectorAll("a")].map((a) => ({ protocol: a.protocol, rel: a.rel })),
      text: box.textContent,
    };
  });
}"""


def script_links(page: Page, scope: str) -> list[str]:
    return page.eval_on_selector_all(
        f"{scope} a", "links => links.map((a) => a.protocol).filter((p) => p !== 'https:')"
    )


def test_hostile_markdown_renders_no_markup_and_only_web_links(web_server, page):
    page.goto(f"{web_server}/public/")
    results = page.evaluate(RENDER_JS, HOSTILE)
    for text, result in zip(HOSTILE, results, strict=True):
        assert set(result["tags"]) <= ALLOWED_TAGS, (text, result)
        assert result["handlers"] == [], (text, result)
        for link in result["links"]:
            assert link == {"protocol": "https:", "rel": "noopener noreferrer"}, (text, result)
    assert results[0]["text"] == HOSTILE[0]  # raw HTML is shown as text
    assert results[4] == {"tags": ["P"], "handlers": [], "links": [], "text": "Open me"}
    assert page.evaluate("window.__pwned") is None


def test_web_and_relative_links_stay_links(web_server, page):
    page.goto(f"{web_server}/public/")
    cases = ["[w](https://example.com/a?b=1)", "[r](/marketplace-public-offering/x/)"]
    links = [r["links"] for r in page.evaluate(RENDER_JS, cases)]
    assert links == [
        [{"protocol": "https:", "rel": "noopener noreferrer"}],
        [{"protocol": "http:", "rel": "noopener noreferrer"}],  # the test server's own origin
    ]


def test_a_script_link_in_an_llm_answer_is_shown_as_text(web_server, page, alice, llm):
    llm.app.config.reply = f"Try this: {CONTROL_PREFIXED} or [docs](https://example.com/)."
    sign_in(page, web_server, "/", "alice")
    send(page, "Where are the docs?")
    wait_answered(page)
    answer = page.locator("#messages li.role-assistant:last-child")
    expect(answer.get_by_role("link", name="docs")).to_be_visible()
    expect(answer).to_contain_text("Open me")
    assert script_links(page, "#messages") == []


def test_a_visitors_script_link_is_shown_as_text_in_the_staff_transcript(
    transactional_db, llm, settings, page, staffer
):
    turn("visit-hostile-01", question=f"Hello {CONTROL_PREFIXED}", answer=CONTROL_PREFIXED)
    with start_server(settings) as base:
        sign_in(page, base, "/staff/", "staffer")
        page.locator("#conversations tbody tr").first.get_by_role("button").click()
        transcript = page.locator("#transcript")
        expect(transcript.locator("li.role-user")).to_contain_text("Hello Open me")
        expect(transcript.locator("li.role-assistant .body")).to_have_text("Open me")
        assert script_links(page, "#transcript") == []
