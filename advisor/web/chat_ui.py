"""The Gradio chat UI: streamed answers, expandable citations, example questions, feedback, a Sources tab.

`make_chat_ui` builds the Blocks; the handlers are small functions over `ChatSession` so they can be tested
without a browser. Every message is shown as HTML produced by `advisor.web.rendering` (markdown is off), so
user, answerer and document text is always escaped. Exchanges and ratings are stored through the
`ConversationService` the API uses, so feedback lands in one place; a failing store is logged and never
breaks a chat.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import gradio as gr

from advisor.answering.base import AnswererUnavailableError
from advisor.conversations import ConversationService, MessageTooLongError
from advisor.models import Answer, Turn
from advisor.service import Advisor
from advisor.settings import Settings
from advisor.web.my_path import add_my_path_tab
from advisor.web.rendering import (
    render_answer,
    render_failure,
    render_pending,
    render_plain,
    render_question,
    render_sources,
)

log = logging.getLogger(__name__)

# The owner of conversations started in the chat UI (API owners are "anonymous" or "key:<fingerprint>").
UI_OWNER = "web-ui"

EXAMPLE_QUESTIONS = [
    "What does a medical director do?",
    "How do I become a medical director?",
    "Which skills and qualifications help?",
    "Where do medical directors work?",
]
ERROR_TEXT = "Sorry, something went wrong while answering. Please try again in a moment."
TITLE = "Medical Director Career Advisor"
INTRO = (
    "Ask about becoming a medical director. Answers quote career articles (the **Sources** tab); "
    "click a number to read the passage."
)


@dataclass
class ChatSession:
    """One browser tab's conversation: the turns the advisor sees and the stored id of each shown message."""

    conversation_id: str | None = None
    turns: list[Turn] = field(default_factory=list)
    message_ids: list[str | None] = field(default_factory=list)


Messages = list[dict[str, Any]]


class ChatHandlers:
    """The UI's event handlers: chats go through `conversations`, the Sources tab reads `advisor`."""

    def __init__(self, advisor: Advisor, conversations: ConversationService) -> None:
        self.advisor = advisor
        self.conversations = conversations

    def ask(self, question: str, messages: Messages | None, session: ChatSession | None
            ) -> Iterator[tuple[Messages, ChatSession, str]]:
        """Stream an answer to `question`: yields (chat messages, session, textbox value) as text arrives."""
        session = session or ChatSession()
        messages = list(messages or [])
        question = (question or "").strip()
        if not question:
            yield messages, session, ""
            return
        try:
            stream = self.conversations.ask_stream(question, list(session.turns))
        except MessageTooLongError as exc:
            gr.Warning(f"Please keep questions under {exc.limit} characters.")
            yield messages, session, question
            return
        messages.append({"role": "user", "content": render_question(question)})
        messages.append({"role": "assistant", "content": render_pending()})
        yield messages, session, ""
        answer: Answer | None = None
        text, failure = "", ERROR_TEXT
        try:
            for delta in stream:
                text += delta
                messages[-1] = {"role": "assistant", "content": render_pending(text)}
                yield messages, session, ""
            answer = stream.answer
        except AnswererUnavailableError as exc:  # its message is written for users: say what is wrong
            log.warning("the answerer is unavailable in the chat UI: %s", exc)
            failure = str(exc)
        except Exception:  # the UI must stay usable whatever the answerer does
            log.exception("answering failed in the chat UI")
        if answer is None:
            messages[-1] = {"role": "assistant", "content": render_failure(failure)}
            session.message_ids.extend([None, None])
            yield messages, session, ""
            return
        messages[-1] = {"role": "assistant", "content": render_answer(answer.text, answer.citations)}
        session.turns += [Turn(role="user", content=question), Turn(role="assistant", content=answer.text)]
        session.message_ids.extend(self._record(session, question, answer))
        yield messages, session, ""

    def _record(self, session: ChatSession, question: str, answer: Answer) -> list[str | None]:
        """Store the exchange (the session's conversation starts with its first one); returns the ids of the
        question and the answer, or None for both when the store failed."""
        try:
            exchange = self.conversations.record(UI_OWNER, session.conversation_id, question, answer)
        except Exception:  # losing a log line must not cost the user the answer
            log.exception("could not store a chat UI exchange")
            return [None, None]
        session.conversation_id = exchange.conversation_id
        return [exchange.question.id, exchange.reply.id]

    def ask_example(self, selected: gr.SelectData, messages: Messages | None, session: ChatSession | None
                    ) -> Iterator[tuple[Messages, ChatSession, str]]:
        """Ask the example question the user clicked."""
        value = selected.value if isinstance(selected.value, dict) else {}
        yield from self.ask(str(value.get("text", "")), messages, session)

    def feedback(self, liked: gr.LikeData, session: ChatSession | None) -> None:
        """Store a thumbs up/down on a stored answer."""
        index = liked.index if isinstance(liked.index, int) else liked.index[0]
        if session is None or not 0 <= index < len(session.message_ids):
            return
        message_id = session.message_ids[index]
        if message_id is None or session.conversation_id is None or not isinstance(liked.liked, bool):
            return
        try:
            self.conversations.feedback(session.conversation_id, message_id, "up" if liked.liked else "down",
                                        UI_OWNER)
        except Exception:  # a lost rating must not break the chat
            log.exception("could not store chat UI feedback")
            return
        gr.Info("Thanks for the feedback.")

    def new_conversation(self) -> tuple[Messages, ChatSession, str]:
        return [], ChatSession(), ""

    def sources_html(self) -> str:
        try:
            return render_sources(self.advisor.sources())
        except Exception:  # an unreadable index should not break the page
            log.exception("listing sources failed")
            return render_plain("The list of sources is not available right now.")


def make_chat_ui(advisor: Advisor, settings: Settings, conversations: ConversationService) -> gr.Blocks:
    """The chat UI as Gradio Blocks, ready for `gr.mount_gradio_app`."""
    handlers = ChatHandlers(advisor, conversations)
    with gr.Blocks(title=TITLE, analytics_enabled=False) as blocks:
        session = gr.State(ChatSession())
        gr.Markdown(f"## {TITLE}\n{INTRO}", elem_id="intro")
        with gr.Tabs():
            with gr.Tab("Ask", id="ask"):
                # autoscroll off: static/chat.js brings each new question to the top of the chat instead,
                # so the question and the start of its answer stay in view however long the answer is.
                chatbot = gr.Chatbot(
                    elem_id="chat", label="Conversation", show_label=False, height="62vh", min_height=320,
                    autoscroll=False,
                    render_markdown=False, sanitize_html=True, allow_tags=False, latex_delimiters=[],
                    feedback_options=("Like", "Dislike"), buttons=["copy"], layout="bubble",
                    examples=[{"text": q} for q in EXAMPLE_QUESTIONS],
                    placeholder="Ask a question below, or pick one of these to start.",
                )
                with gr.Row(elem_id="ask-row", equal_height=True):
                    question = gr.Textbox(
                        elem_id="question", show_label=False, scale=5, lines=1, max_lines=4,
                        max_length=settings.max_message_chars, autofocus=True,
                        placeholder="Ask a career question",  # short: a phone shows it on one line
                    )
                    send = gr.Button("Ask", variant="primary", scale=1, min_width=72, elem_id="send")
                new = gr.Button("New conversation", size="sm", elem_id="new-conversation")
            add_my_path_tab(advisor, blocks)
            with gr.Tab("Sources", id="sources"):
                # Markdown, not gr.HTML: gr.HTML runs templates through `new Function`; the CSP forbids it.
                sources = gr.Markdown(elem_id="sources", latex_delimiters=[], sanitize_html=True)
        outputs = [chatbot, session, question]
        ask_options: dict[str, Any] = {"api_visibility": "private", "show_progress": "hidden"}
        question.submit(handlers.ask, [question, chatbot, session], outputs, **ask_options)
        send.click(handlers.ask, [question, chatbot, session], outputs, **ask_options)
        chatbot.example_select(handlers.ask_example, [chatbot, session], outputs, **ask_options)
        chatbot.like(handlers.feedback, [session], None, api_visibility="private")
        new.click(handlers.new_conversation, None, outputs, api_visibility="private")
        chatbot.clear(handlers.new_conversation, None, outputs, api_visibility="private")
        blocks.load(handlers.sources_html, None, sources, api_visibility="private")
    return blocks
