"""The Gradio chat UI in a real Chromium: cited answers, escaping, feedback, phone layout, Sources tab."""

from __future__ import annotations

import time
from typing import Any

from playwright.sync_api import expect

from advisor.conversations import ConversationRecord, FeedbackRecord
from advisor.web.chat_ui import EXAMPLE_QUESTIONS, UI_OWNER
from tests.web.conftest import PHONE, Served, screenshot

XSS = 'What skills help? <img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'


def ask(page: Any, question: str) -> Any:
    """Type `question`, send it, and return the locator of the answer once its citations are shown."""
    before = page.locator('#chat [data-testid="bot"]').count()
    page.locator("#question textarea").fill(question)
    page.locator("#send").click()
    answer = page.locator('#chat [data-testid="bot"]').nth(before)
    expect(answer.locator("details.citation").first).to_be_attached(timeout=60_000)
    return answer


def open_chat(open_page: Any, url: str, viewport: dict[str, int] | None = None) -> tuple[Any, Any]:
    page, watch = open_page(url + "/", viewport)
    expect(page.locator("#chat")).to_be_visible(timeout=30_000)
    return page, watch


def poll(fetch: Any, timeout: float = 20.0) -> Any:
    """`fetch()` once it returns something truthy (the UI stores in the background of a click)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = fetch()
        if found:
            return found
        time.sleep(0.2)
    return fetch()


def ui_conversations(served: Served) -> list[ConversationRecord]:
    return served.store.list_conversations(UI_OWNER)


def test_a_question_gets_a_cited_answer_whose_footnote_expands_to_the_snippet(
        open_page: Any, web_server: Served) -> None:
    page, watch = open_chat(open_page, web_server.url)
    answer = ask(page, "How do I become a medical director?")
    expect(answer.locator("sup.cite-ref").first).to_have_text("[1]")
    footnote = answer.locator("details.citation").first
    snippet = footnote.locator("blockquote.cite-snippet")
    expect(snippet).to_be_hidden()
    footnote.locator("summary").click()
    expect(snippet).to_be_visible()
    assert len(snippet.inner_text().strip()) > 20
    assert footnote.locator("summary").inner_text().startswith("[1]")
    screenshot(page, "chat-ui-answer")
    watch.assert_clean()


def test_example_question_starts_a_stored_conversation_and_feedback_is_stored(
        open_page: Any, web_server: Served) -> None:
    page, watch = open_chat(open_page, web_server.url)
    known = {c.id for c in ui_conversations(web_server)}
    page.get_by_text(EXAMPLE_QUESTIONS[0]).click()
    answer = page.locator('#chat [data-testid="bot"]').first
    expect(answer.locator("details.citation").first).to_be_attached(timeout=60_000)
    new = poll(lambda: [c for c in ui_conversations(web_server) if c.id not in known])
    assert len(new) == 1
    conversation = new[0]
    stored = web_server.store.list_messages(conversation.id)
    assert [m.role for m in stored] == ["user", "assistant"] and stored[0].content == EXAMPLE_QUESTIONS[0]
    assert stored[1].citations

    page.get_by_role("button", name="Dislike").last.click()
    feedback: list[FeedbackRecord] = poll(lambda: web_server.store.list_feedback(conversation.id))
    assert [(f.message_id, f.rating) for f in feedback] == [(stored[1].id, "down")]
    watch.assert_clean()


def test_new_conversation_clears_the_chat_and_starts_a_new_stored_one(open_page: Any,
                                                                      web_server: Served) -> None:
    page, watch = open_chat(open_page, web_server.url)
    ask(page, "What does a medical director do?")
    first = poll(lambda: ui_conversations(web_server))[0].id
    page.locator("#new-conversation").click()
    expect(page.locator('#chat [data-testid="bot"]')).to_have_count(0)
    ask(page, "Where do medical directors work?")
    latest = poll(lambda: [c for c in ui_conversations(web_server) if c.id != first
                           and c.title == "Where do medical directors work?"])
    assert len(web_server.store.list_messages(latest[0].id)) == 2
    assert len(web_server.store.list_messages(first)) == 2  # the old one did not grow
    watch.assert_clean()


def test_markup_in_a_question_is_shown_as_text_and_never_runs(open_page: Any, web_server: Served) -> None:
    page, watch = open_chat(open_page, web_server.url)
    page.locator("#question textarea").fill(XSS)
    page.locator("#send").click()
    question = page.locator('#chat [data-testid="user"]').first
    expect(question).to_contain_text('<img src=x onerror="window.__xss=1">')
    expect(question).to_contain_text("<script>window.__xss=2</script>")
    answer = page.locator('#chat [data-testid="bot"]').first
    expect(answer).to_be_visible()
    expect(answer.locator(".writing-cue")).to_have_count(0, timeout=60_000)  # the answer is complete
    assert question.locator("img, script").count() == 0
    assert page.evaluate("() => window.__xss") is None
    watch.assert_clean()


def box_of(locator: Any) -> dict[str, float]:
    box = locator.bounding_box()
    assert box is not None, locator
    return box


def overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    """Whether two bounding boxes share any area."""
    return (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
            and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])


# Where the latest question and its answer sit in the conversation's scrolling area (the role=log element).
IN_VIEW = """() => {
    const log = document.querySelector('#chat [role="log"]').getBoundingClientRect();
    const questions = document.querySelectorAll('#chat [data-testid="user"]');
    const answers = document.querySelectorAll('#chat [data-testid="bot"]');
    const question = questions[questions.length - 1].getBoundingClientRect();
    const answer = answers[answers.length - 1];
    const first = answer.querySelector("p").getBoundingClientRect();
    return {question_shown: question.top >= log.top - 1 && question.bottom <= log.bottom + 1,
            first_line_shown: first.top >= log.top - 1 && first.top + 20 <= log.bottom,
            answer_taller_than_view: answer.getBoundingClientRect().height > log.height};
}"""


def test_phone_width_layout_fits_and_still_answers(open_page: Any, web_server: Served) -> None:
    page, watch = open_chat(open_page, web_server.url, PHONE)
    # The title and introduction leave the screen to the chat, and the question box shows its whole hint.
    intro = box_of(page.locator("#intro"))
    assert intro["y"] + intro["height"] <= 0.15 * PHONE["height"], intro
    hint = page.locator("#question textarea").evaluate(
        "e => ({placeholder: e.placeholder, scroll: e.scrollHeight, client: e.clientHeight})")
    assert hint["placeholder"] and hint["scroll"] <= hint["client"] + 1, hint
    send = box_of(page.locator("#send"))
    assert send["y"] + send["height"] <= PHONE["height"]  # the whole chat fits without scrolling the page
    answer = ask(page, "Which skills and qualifications help?")
    answer.locator("details.citation summary").first.click()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    for selector in ("#question textarea", "#send", "#chat"):
        box = box_of(page.locator(selector))
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    screenshot(page, "chat-ui-phone")
    watch.assert_clean()


def test_a_new_answer_starts_in_view_on_a_phone(open_page: Any, web_server: Served) -> None:
    """The chat does not jump to the end of a long answer: the question and the answer's start stay shown."""
    page, watch = open_chat(open_page, web_server.url, PHONE)
    for question in ("How do I become a medical director?", "Which skills and qualifications help?"):
        ask(page, question)
        page.wait_for_timeout(500)  # the answer's footnotes are the last change; let the page settle
        shown = page.evaluate(IN_VIEW)
        assert shown == {"question_shown": True, "first_line_shown": True, "answer_taller_than_view": True}
    watch.assert_clean()


def test_gradio_controls_never_cover_the_conversation_even_after_resizing(open_page: Any,
                                                                          web_server: Served) -> None:
    page, watch = open_chat(open_page, web_server.url)
    ask(page, "How do I become a medical director?")
    page.set_viewport_size(PHONE)
    log = page.locator('#chat [role="log"]')
    log.evaluate("e => { e.scrollTop = 0; }")  # away from the end: Gradio shows its "scroll down" arrow
    arrow = page.get_by_role("button", name="Scroll down")
    expect(arrow).to_be_visible()
    clear = page.get_by_role("button", name="Clear")
    expect(clear).to_be_visible()
    messages = box_of(log)
    assert not overlap(box_of(arrow), messages) and not overlap(box_of(clear), messages)
    for copy in page.get_by_role("button", name="Copy message").all():
        if copy.is_visible():
            assert not overlap(box_of(copy), box_of(clear))
    arrow.click()  # still works: to the end of the conversation
    expect(arrow).to_be_hidden()
    watch.assert_clean()


def test_a_citation_marker_in_the_text_opens_its_source(open_page: Any, web_server: Served) -> None:
    page, watch = open_chat(open_page, web_server.url)
    answer = ask(page, "How do I become a medical director?")
    footnotes = answer.locator("details.citation")
    expect(footnotes.nth(1).locator("blockquote.cite-snippet")).to_be_hidden()
    answer.locator("sup.cite-ref", has_text="[2]").first.click()
    expect(footnotes.nth(1).locator("blockquote.cite-snippet")).to_be_visible()
    expect(footnotes.nth(1)).to_have_attribute("open", "")
    expect(footnotes.nth(0)).not_to_have_attribute("open", "")  # only the one asked for
    marker = answer.locator("sup.cite-ref", has_text="[1]").first
    marker.focus()  # and from the keyboard
    page.keyboard.press("Enter")
    expect(footnotes.nth(0).locator("blockquote.cite-snippet")).to_be_visible()
    watch.assert_clean()


def test_an_answer_being_written_shows_a_moving_cue_and_no_feedback_until_done(
        open_page: Any, slow_web_server: Served) -> None:
    page, watch = open_chat(open_page, slow_web_server.url)
    page.locator("#question textarea").fill("How do I become a medical director?")
    page.locator("#send").click()
    cue = page.locator("#chat .writing-cue")
    expect(cue).to_be_visible()
    expect(cue).to_contain_text("Writing the answer")
    assert cue.locator(".dot").first.evaluate("e => e.getAnimations().length") > 0
    feedback = page.get_by_role("button", name="Like", exact=True)
    assert feedback.count() == 0 or not feedback.first.is_visible()
    assert cue.is_visible()  # the feedback was looked for while the answer was still being written
    screenshot(page, "chat-ui-writing", full_page=False)
    answer = page.locator('#chat [data-testid="bot"]').first
    expect(answer.locator("details.citation").first).to_be_attached(timeout=60_000)
    expect(cue).to_have_count(0)
    expect(feedback).to_be_visible()
    watch.assert_clean()


def test_sources_tab_lists_the_indexed_documents(open_page: Any, web_server: Served, advisor: Any) -> None:
    page, watch = open_chat(open_page, web_server.url)
    page.get_by_role("tab", name="Sources").click()
    items = page.locator("#sources li.source")
    expect(items).to_have_count(len(advisor.sources()))
    expect(page.locator("#sources")).to_contain_text(advisor.sources()[0].title)
    watch.assert_clean()
