"""The LLM answerer: prompt | chat model over numbered context units, with citations enforced as it streams.

Streaming: the model's tokens go through `CitationEnforcer` before they are yielded, so every delta is
already final (markers renumbered, off-corpus links and the canary removed) and the deltas add up to the
answer's text. The one exception is a fallback decided at the end (the model cited nothing usable, or
failed after it had started): the final answer then says `metadata["stream_replaced"] = True`, and
clients must replace the streamed text with the final `Answer.text`.

Failures (server unreachable, no token within `llm_timeout`, answer past `llm_total_timeout`, empty or
broken output) follow `llm_fallback`: "extractive" answers with `ExtractiveAnswerer` and says so in
`metadata["fallback"]`; "error" raises `AnswererUnavailableError`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from advisor.answering import safety
from advisor.answering.base import (
    Answerer,
    AnswererUnavailableError,
    AnswerRequest,
    ComposedAnswer,
    stream_text,
)
from advisor.answering.citations import CitationEnforcer, NumberedContext
from advisor.answering.evidence import candidates_of
from advisor.answering.extractive import ExtractiveAnswerer
from advisor.answering.llm.deadline import DeadlineExceeded, iterate_with_deadline
from advisor.models import Turn

if TYPE_CHECKING:
    from langchain_core.language_models.chat_models import BaseChatModel
    from langchain_core.runnables import Runnable

    from advisor.answering.llm.prompting import Prompts
    from advisor.retrieval.embeddings import SentenceTransformerEmbedder
    from advisor.settings import Settings

log = logging.getLogger(__name__)


class LLMAnswerer(Answerer):
    """Answers with a chat model, citing the numbered retrieved units it was shown.

    `chat_model` / `condense_model` may be passed in (any LangChain chat model); by default they are built
    from settings for `provider` on first use.
    """

    def __init__(self, settings: Settings, embedder: SentenceTransformerEmbedder, provider: str,
                 chat_model: BaseChatModel | None = None,
                 condense_model: BaseChatModel | None = None) -> None:
        self.name = provider
        self.settings = settings
        self.provider = provider
        self.extractive = ExtractiveAnswerer(settings, embedder)
        self._chat_model = chat_model
        self._condense_model = condense_model or chat_model
        self._prompts: Prompts | None = None

    # ---- parts, built on first use ---------------------------------------------------------
    @property
    def prompts(self) -> Prompts:
        if self._prompts is None:
            from advisor.answering.llm.prompting import load_prompts

            self._prompts = load_prompts(self.settings)
        return self._prompts

    @property
    def chat_model(self) -> BaseChatModel:
        if self._chat_model is None:
            from advisor.answering.llm.chat_models import make_chat_model

            self._chat_model = make_chat_model(self.provider, self.settings)
        return self._chat_model

    @property
    def condense_model(self) -> BaseChatModel:
        if self._condense_model is None:
            from advisor.answering.llm.chat_models import make_chat_model

            self._condense_model = make_chat_model(self.provider, self.settings,
                                                   self.settings.llm_condense_max_tokens)
        return self._condense_model

    @property
    def model_name(self) -> str:
        if self.provider == "llamacpp" and self.settings.llm_model_path is not None:
            return self.settings.llm_model_path.name
        return self.settings.llm_model

    # ---- answering -------------------------------------------------------------------------
    def build_context(self, request: AnswerRequest) -> NumberedContext:
        return NumberedContext.build(request.retrieved, self.settings.llm_context_chars)

    def prompt_messages(self, request: AnswerRequest, context: NumberedContext) -> list[Any]:
        """The messages sent to the model for `request` (for benchmarks and debugging)."""
        from advisor.answering.llm.prompting import answer_inputs

        inputs = answer_inputs(request.standalone_question, context.render(), self.settings.llm_canary,
                               plan_note(request, context))
        return self.prompts.answer.invoke(inputs).to_messages()

    def compose(self, request: AnswerRequest) -> ComposedAnswer:
        composed: ComposedAnswer | None = None
        for piece in self.stream(request):
            if isinstance(piece, ComposedAnswer):
                composed = piece
        assert composed is not None
        return composed

    def stream(self, request: AnswerRequest) -> Iterator[str | ComposedAnswer]:
        """Enforced text deltas as the model writes, then the `ComposedAnswer`; raises
        AnswererUnavailableError only when `llm_fallback` is "error"."""
        from advisor.answering.llm.prompting import answer_inputs

        context = self.build_context(request)
        if not len(context):
            yield from self._fallback(request, "no_context", streamed=False)
            return
        enforcer = CitationEnforcer(context, canary=self.settings.llm_canary,
                                    support_threshold=self.settings.tuning.llm_support_threshold)
        streamed = False
        failure: str | None = None
        try:
            chain = self._answer_chain()
            inputs = answer_inputs(request.standalone_question, context.render(), self.settings.llm_canary,
                                   plan_note(request, context))
            for delta in self._tokens(chain, inputs, self.settings.llm_total_timeout):
                piece = enforcer.feed(delta)
                if piece:
                    streamed = True
                    yield piece
        except DeadlineExceeded as exc:
            failure = f"timeout: {exc}"
        except Exception as exc:  # noqa: BLE001  (any model or transport failure takes the fallback path)
            failure = _describe(exc)
        tail = enforcer.finish()
        if failure is None and not enforcer.raw_text.strip():
            failure = "empty_output: the model returned no text"
        if failure is not None:
            log.warning("LLM answer failed (%s, %s): %s", self.provider, self.model_name, failure)
            if self.settings.llm_fallback == "error":
                raise AnswererUnavailableError(f"the {self.provider} language model is unavailable "
                                               f"({failure.split(':')[0]})")
            if not enforcer.citations or not streamed:
                yield from self._fallback(request, failure, streamed)
                return
        if not enforcer.citations:
            yield from self._fallback(request, "no_valid_citations", streamed)
            return
        if self.settings.llm_canary and self.settings.llm_canary.lower() in enforcer.text.lower():
            yield from self._fallback(request, "canary_in_answer", streamed)  # defence in depth
            return
        if tail:
            yield tail
        metadata: dict[str, object] = {**self._about(), "stream_replaced": False,
                                       "citation_enforcement": enforcer.report.as_dict()}
        if failure is not None:  # cut short after a cited start: keep what was written
            metadata.update(truncated=True, reason=failure)
        yield ComposedAnswer(text=enforcer.text.strip(), citations=enforcer.citations, metadata=metadata)

    def condense(self, question: str, history: list[Turn]) -> str:
        """A standalone form of a follow-up, written by the model; "" when its output is unusable."""
        from advisor.answering.llm.prompting import clean_condensed, condense_inputs

        chain = self.prompts.condense | self.condense_model
        output = "".join(self._tokens(chain, condense_inputs(question, history), self.settings.llm_timeout))
        return clean_condensed(output, question, history, self.settings.llm_canary,
                               self.settings.max_message_chars)

    def health(self) -> dict[str, object]:
        """The model's state for /readyz: reachable or not, its name, and whether answers can be served."""
        from advisor.answering.llm.chat_models import probe

        state: dict[str, object] = {"provider": self.provider, "model": self.model_name}
        state.update(probe(self.provider, self.settings))
        state["fallback"] = self.settings.llm_fallback
        state["ready"] = bool(state["reachable"]) or self.settings.llm_fallback == "extractive"
        return state

    def warm_up(self) -> None:
        """Load an in-process model now rather than on the first question."""
        if self.provider == "llamacpp":
            self.chat_model.invoke("Hi", max_tokens=1)

    # ---- helpers ---------------------------------------------------------------------------
    def _answer_chain(self) -> Runnable:
        return self.prompts.answer | self.chat_model

    def _tokens(self, chain: Runnable, inputs: dict[str, str], total_timeout: float) -> Iterator[str]:
        for chunk in iterate_with_deadline(lambda: iter(chain.stream(inputs)), self.settings.llm_timeout,
                                           total_timeout):
            yield _text_of(chunk)

    def _fallback(self, request: AnswerRequest, reason: str,
                  streamed: bool) -> Iterator[str | ComposedAnswer]:
        composed = self.extractive.compose(request)
        # Extractive text quotes documents, and a document may carry planted links or images: the answer
        # text gets the same output rules as the model's (the citations still quote verbatim).
        allowed = safety.corpus_urls(r.chunk.text for r in request.retrieved)
        composed.text = safety.strip_unsafe_markup(composed.text, allowed, self.settings.llm_canary)
        composed.metadata.update(self._about(), fallback="extractive", reason=reason,
                                 stream_replaced=streamed)
        if not streamed and composed.citations:
            yield from stream_text(composed)
        yield composed

    def _about(self) -> dict[str, object]:
        return {"llm": {"provider": self.provider, "model": self.model_name}}


def plan_note(request: AnswerRequest, context: NumberedContext) -> str:
    """The answer plan in words for the model: which passage leads, or what the passages do not cover, so the
    generative and the extractive answers agree on what is covered."""
    plan = request.plan
    if plan is None:
        return ""
    if plan.coverage == "partial":
        return (f"The passages do not cover {plan.uncovered}. Say so plainly in your first sentence, then "
                "give the closest points they make, labelled as related, with citations.")
    if plan.lead is None:
        return ""
    candidates = candidates_of(request)
    if plan.lead >= len(candidates):
        return ""
    lead = candidates[plan.lead]
    number = context.number_of(lead.chunk.chunk_id, lead.unit.start)
    note = f"Passage [{number}] answers the question most directly: start with it." if number else ""
    if plan.situation_note:
        note += f" Relate it to the asker: {plan.situation_note}."
    return note.strip()


def _text_of(chunk: object) -> str:
    """The text of a streamed message chunk (content may be a string or a list of content blocks)."""
    content = getattr(chunk, "content", chunk)
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(b if isinstance(b, str) else str(b.get("text", "")) for b in content
                       if isinstance(b, str | dict))
    return ""


def _describe(exc: Exception) -> str:
    """A short, path-free reason for logs and metadata."""
    name = type(exc).__name__
    if "No generation chunks" in str(exc):  # LangChain's word for a stream that ended with nothing
        return "empty_output: the model returned no text"
    if "Connection" in name or "Connect" in name:
        return f"unreachable: {name}"
    if "Timeout" in name:
        return f"timeout: {name}"
    return f"error: {name}"
