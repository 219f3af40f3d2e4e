"""The embeddable widget in a real Chromium, embedded by the demo portal page both ways (inline frame and
floating button): open on loopback with no keys, and with an API key traded for widget tokens elsewhere.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
from playwright.sync_api import expect

from advisor.api.security import ANONYMOUS, WidgetTokenSigner, key_fingerprint
from tests.web.conftest import API_KEY, PHONE, WIDGET_SECRET, PortalSetup, Served, screenshot
from tests.web.test_chat_ui import XSS, poll


def ask_in_frame(frame: Any, question: str) -> Any:
    """Ask in the widget inside `frame`; returns the answer's locator once its citations are shown."""
    before = frame.locator(".msg.assistant").count()
    frame.locator("#question").fill(question)
    frame.locator("#send").click()
    answer = frame.locator(".msg.assistant").nth(before)
    expect(answer.locator("details.citation").first).to_be_attached(timeout=60_000)
    return answer


def check_citation_expands(answer: Any) -> None:
    footnote = answer.locator("details.citation").first
    snippet = footnote.locator("blockquote.snippet")
    expect(snippet).to_be_hidden()
    answer.locator("button.cite-ref").first.click()  # the [1] marker in the text opens footnote 1
    expect(snippet).to_be_visible()
    assert len(snippet.inner_text().strip()) > 20
    footnote.locator("summary").click()
    expect(snippet).to_be_hidden()
    footnote.locator("summary").click()
    expect(snippet).to_be_visible()


def open_floating_widget(page: Any) -> Any:
    button = page.locator(".advisor-widget-button")
    expect(button).to_be_visible(timeout=15_000)
    button.click()
    expect(page.locator(".advisor-widget-panel")).to_be_visible()
    frame = page.frame_locator(".advisor-widget-frame")
    expect(frame.locator("#question")).to_be_visible(timeout=15_000)
    return frame


def test_inline_frame_on_the_demo_page_answers_with_expandable_citations(
        open_page: Any, web_server: Served) -> None:
    page, watch = open_page(f"{web_server.url}/demo")
    frame = page.frame_locator("#advisor-frame")
    answer = ask_in_frame(frame, "How do I become a medical director?")
    check_citation_expands(answer)
    screenshot(page, "widget-demo-iframe")
    watch.assert_clean()


def test_floating_button_opens_the_chat_and_feedback_is_stored(open_page: Any, web_server: Served) -> None:
    page, watch = open_page(f"{web_server.url}/demo")
    frame = open_floating_widget(page)
    answer = ask_in_frame(frame, "What does a medical director do?")
    check_citation_expands(answer)
    answer.get_by_role("button", name="Helpful", exact=True).click()
    stored = poll(lambda: [f for c in web_server.store.list_conversations(ANONYMOUS)
                           for f in web_server.store.list_feedback(c.id) if f.rating == "up"])
    assert len(stored) == 1
    messages = web_server.store.list_messages(stored[0].conversation_id)
    assert messages[-1].id == stored[0].message_id and messages[-1].citations
    screenshot(page, "widget-demo-floating", full_page=False)
    watch.assert_clean()


def test_markup_in_a_widget_question_is_shown_as_text_and_never_runs(open_page: Any,
                                                                     web_server: Served) -> None:
    page, watch = open_page(f"{web_server.url}/embed")
    page.locator("#question").fill(XSS)
    page.locator("#send").click()
    expect(page.locator(".msg.user")).to_have_text(XSS)
    expect(page.locator(".msg.assistant")).not_to_have_class("msg assistant pending", timeout=60_000)
    assert page.locator(".msg img, .msg script").count() == 0
    assert page.evaluate("() => window.__xss") is None
    watch.assert_clean()


def test_widget_reads_well_at_phone_width(open_page: Any, web_server: Served) -> None:
    page, watch = open_page(f"{web_server.url}/demo", PHONE)
    frame = open_floating_widget(page)
    ask_in_frame(frame, "Which skills and qualifications help?")
    panel = page.locator(".advisor-widget-panel").bounding_box()
    assert panel is not None and panel["x"] >= 0 and panel["x"] + panel["width"] <= PHONE["width"]
    screenshot(page, "widget-phone", full_page=False)
    watch.assert_clean()


def test_portal_with_api_key_embeds_both_ways_with_widget_tokens(open_page: Any,
                                                                 keyed_setup: PortalSetup) -> None:
    page, watch = open_page(keyed_setup.portal_url)
    inline = page.frame_locator("#advisor-frame")
    ask_in_frame(inline, "How do I become a medical director?")
    embed_frame = next(f for f in page.frames if f.url.startswith(f"{keyed_setup.advisor.url}/embed"))
    assert "token" not in embed_frame.url  # the page drops the token from its address once read
    floating = open_floating_widget(page)
    ask_in_frame(floating, "Where do medical directors work?")
    watch.assert_clean()


def test_widget_says_whether_its_token_is_missing_invalid_expired_or_for_another_site(
        open_page: Any, keyed_setup: PortalSetup) -> None:
    advisor_url = keyed_setup.advisor.url
    owner = key_fingerprint(API_KEY)
    expired, _ = WidgetTokenSigner(WIDGET_SECRET.encode(), 120).issue(owner, advisor_url,
                                                                     now=time.time() - 3600)
    elsewhere = httpx.post(f"{advisor_url}/v1/widget-tokens", json={"origin": keyed_setup.portal_url},
                           headers={"Authorization": f"Bearer {API_KEY}"}).json()["token"]
    cases = [
        ("", "has no access token"),
        ("wt_not-a-valid-token", "access token is not valid"),
        (expired, "session has expired"),
        (elsewhere, "issued for another website"),
    ]
    for token, message in cases:
        page, watch = open_page(f"{advisor_url}/embed" + (f"#token={token}" if token else ""))
        page.locator("#question").fill("What does a medical director do?")
        page.locator("#send").click()
        refused = page.locator(".msg.assistant.error")
        expect(refused).to_contain_text(message, timeout=30_000)
        expect(refused.locator(".feedback")).to_have_count(0)  # nothing to rate
        watch.assert_clean()


def test_widget_keeps_the_new_answer_in_view_and_shows_it_being_written(open_page: Any,
                                                                      slow_web_server: Served) -> None:
    page, watch = open_page(f"{slow_web_server.url}/embed", {"width": 390, "height": 600})
    for question in ("How do I become a medical director?", "Which skills and qualifications help?"):
        page.locator("#question").fill(question)
        page.locator("#send").click()
        answer = page.locator(".msg.assistant").last
        cue = answer.locator(".writing-cue")
        expect(cue).to_be_visible()
        expect(cue).to_contain_text("Writing the answer")
        assert cue.locator(".dot").first.evaluate("e => e.getAnimations().length") > 0
        assert answer.locator(".feedback").count() == 0 and cue.is_visible()  # no rating while writing
        expect(answer.locator("details.citation").first).to_be_attached(timeout=60_000)
        expect(cue).to_have_count(0)
        expect(answer.locator(".feedback")).to_be_visible()
        page.wait_for_timeout(300)
        shown = page.evaluate("""() => {
            const log = document.getElementById("log").getBoundingClientRect();
            const questions = document.querySelectorAll(".msg.user");
            const question = questions[questions.length - 1].getBoundingClientRect();
            const answers = document.querySelectorAll(".msg.assistant");
            const answer = answers[answers.length - 1].getBoundingClientRect();
            return {question_shown: question.top >= log.top - 1 && question.bottom <= log.bottom + 1,
                    first_line_shown: answer.top >= log.top - 1 && answer.top + 30 <= log.bottom,
                    answer_taller_than_view: answer.height > log.height};
        }""")
        assert shown == {"question_shown": True, "first_line_shown": True, "answer_taller_than_view": True}
    screenshot(page, "widget-answer-in-view", full_page=False)
    watch.assert_clean()


def test_expired_token_is_renewed_through_the_parent_page(open_page: Any, keyed_setup: PortalSetup) -> None:
    """A rejected token makes the chat ask its parent for a fresh one (postMessage) and retry once."""
    page, watch = open_page(keyed_setup.portal_url)
    fresh = httpx.post(f"{keyed_setup.portal_url}/advisor-token").json()["token"]
    advisor_url = keyed_setup.advisor.url
    # Stand in for widget.js: a frame with a bad token, and a parent that answers token requests.
    page.evaluate("""([advisorUrl, token]) => {
        const frame = document.createElement("iframe");
        frame.id = "renewing-frame";
        frame.style.height = "500px";
        frame.src = advisorUrl + "/embed#token=wt_not-a-valid-token";
        window.__tokenRequests = 0;
        window.addEventListener("message", (event) => {
            if (event.source !== frame.contentWindow || event.data?.type !== "advisor:token-request") return;
            window.__tokenRequests += 1;
            frame.contentWindow.postMessage({type: "advisor:token", token}, advisorUrl);
        });
        document.body.prepend(frame);
    }""", [advisor_url, fresh])
    answer = ask_in_frame(page.frame_locator("#renewing-frame"), "What does a medical director do?")
    expect(answer).not_to_have_class("msg assistant error")
    assert page.evaluate("() => window.__tokenRequests") == 1
    watch.assert_clean()
