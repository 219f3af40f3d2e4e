"""The advisor service: the one object the CLI, the API, the UI and the evals all call."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from advisor.answering.base import AnswerRequest, ComposedAnswer, make_answerer, stream_text
from advisor.answering.cache import AnswerCache
from advisor.answering.conversation import condense_question, is_follow_up, plain_question, without_connective
from advisor.answering.extractive import ExtractiveAnswerer
from advisor.answering.scope import ScopeGuard
from advisor.ingestion.pipeline import ingest
from advisor.models import Answer, Document, IngestReport, RefusalReason, RetrievedChunk, SourceInfo, Turn
from advisor.prompts import load_prompt
from advisor.retrieval.embeddings import SentenceTransformerEmbedder
from advisor.retrieval.hybrid import Retriever
from advisor.retrieval.store import ChunkStore
from advisor.settings import RetrieverName, Settings, get_settings

_REFUSAL_PROMPTS: dict[RefusalReason, str] = {
    "out_of_scope": "refusal_out_of_scope",
    "clinical": "refusal_clinical",
    "injection": "refusal_injection",
    "empty": "refusal_empty",
}

_WARM_UP_QUESTION = "Which skills does a medical director need?"


@dataclass
class StreamEvent:
    """A piece of a streamed answer: text deltas, then one final event carrying the whole `Answer`."""

    delta: str = ""
    answer: Answer | None = None


class Advisor:
    """Answers career questions with citations from the indexed documents.

    Parts are created on first use, so constructing an `Advisor` is cheap; `warm_up()` loads them eagerly.
    """

    def __init__(
        self, settings: Settings | None = None, embedder: SentenceTransformerEmbedder | None = None
    ) -> None:
        self.settings = settings or get_settings()
        self.embedder = embedder or SentenceTransformerEmbedder(
            self.settings.embedding_model,
            self.settings.embedding_backend,
            self.settings.embedding_batch_size,
            threads=self.settings.embedding_threads,
            query_threads=self.settings.query_embedding_threads,
            batch_precision=self.settings.query_batch_precision,
        )
        self._store: ChunkStore | None = None
        self._retriever: Retriever | None = None
        self._answerers: dict[str, object] = {}
        self._lock = threading.Lock()
        self.answers = AnswerCache(self.settings.answer_cache_size)
        self.guard = ScopeGuard(self.embedder, self.settings.relevance_threshold, self.settings.scope_margin)

    # ---- parts ---------------------------------------------------------------------------
    @property
    def store(self) -> ChunkStore:
        if self._store is None:
            with self._lock:
                if self._store is None:
                    self._store = ChunkStore(self.settings)
        return self._store

    @property
    def retriever(self) -> Retriever:
        if self._retriever is None:
            self._retriever = Retriever(self.settings, self.store, self.embedder)
        return self._retriever

    def answerer(self, name: str | None = None):  # -> Answerer
        name = name or self.settings.answerer
        if name not in self._answerers:
            self._answerers[name] = make_answerer(name, self.settings, self.embedder)
        return self._answerers[name]

    def warm_up(self) -> None:
        """Load the model, the store and BM25, and pre-embed the answer units of a small corpus."""
        self.embedder.load()
        self.retriever.refresh(force=True)
        configured = self.answerer()
        if hasattr(configured, "warm_up"):  # e.g. load a local GGUF model now rather than on first question
            configured.warm_up()
        answerer = self.answerer("extractive")
        texts = self.guard.exemplar_texts()  # embedded once, then read back at every start
        if self.retriever.chunk_count <= self.settings.pin_max_chunks:
            chunks = self.retriever.all_chunks()
            texts += [*self.retriever.heading_texts(chunks), *answerer.scored_texts(chunks)]
        self.embedder.warm_cache(texts, self.settings.data_dir / "warm_vectors.npz")
        self.guard.label_scores("warm up")
        plain_question("<p>warm up</p>")  # loads the HTML parser a marked-up question needs
        if self.retriever.chunk_count:  # one question through every step: first-call costs are paid now
            self.ask(_WARM_UP_QUESTION, answerer="extractive")

    @property
    def ready(self) -> bool:
        return self.embedder.loaded and self._retriever is not None and self._retriever.chunk_count > 0

    # ---- indexing ------------------------------------------------------------------------
    def ingest(
        self, paths: Iterable[Path | str] | None = None, prune: bool = False, progress: bool = False
    ) -> IngestReport:
        """Index the given files and folders (the configured corpus by default)."""
        report = ingest(
            [Path(p) for p in paths] if paths else [self.settings.corpus_dir],
            self.settings,
            self.store,
            self.embedder,
            prune=prune,
            progress=progress,
        )
        self.retriever.refresh(force=True)
        return report

    def sources(self) -> list[SourceInfo]:
        return self.store.list_sources()

    def document(self, doc_id: str) -> Document | None:
        return self.store.get_document(doc_id)

    # ---- answering -----------------------------------------------------------------------
    def ask(
        self,
        question: str,
        history: list[Turn] | None = None,
        retriever: RetrieverName | None = None,
        answerer: str | None = None,
    ) -> Answer:
        """Answer `question` in the light of `history` (earlier turns), with verbatim citations."""
        answer: Answer | None = None
        for event in self.ask_stream(question, history, retriever, answerer):
            answer = event.answer or answer
        assert answer is not None
        return answer

    def ask_stream(
        self,
        question: str,
        history: list[Turn] | None = None,
        retriever: RetrieverName | None = None,
        answerer: str | None = None,
    ) -> Iterator[StreamEvent]:
        """Like `ask`, yielding text deltas as they are written and then the complete `Answer`.

        Answers of a deterministic answerer (the extractive one) are cached per index version: the same
        question in the same conversation gets the same answer without being worked out again."""
        started = time.perf_counter()
        name = answerer or self.settings.answerer
        key = None
        if self.answers.size > 0 and getattr(self.answerer(name), "deterministic", False):
            mode = retriever or self.settings.retriever
            key = self.answers.key(question, history or [], mode, name, self.retriever.index_version)
            cached = self.answers.get(key)
            if cached is not None:
                yield from _replay(cached, question.strip(), started)
                return
        for event in self._answer_stream(question, history, retriever, answerer):
            if event.answer is not None and key is not None:
                self.answers.put(key, event.answer)
            yield event

    def _answer_stream(
        self,
        question: str,
        history: list[Turn] | None,
        retriever: RetrieverName | None,
        answerer: str | None,
    ) -> Iterator[StreamEvent]:
        started = time.perf_counter()
        history = history or []
        timings: dict[str, float] = {}
        asked = question.strip()
        question = plain_question(asked)
        follow_up = is_follow_up(question, history)
        name = answerer or self.settings.answerer
        standalone = question

        def finish(composed: ComposedAnswer, retrieved, reason: RefusalReason | None = None) -> Answer:
            timings["total"] = (time.perf_counter() - started) * 1000
            return Answer(
                question=asked,
                standalone_question=standalone,
                text=composed.text,
                citations=composed.citations,
                retrieved=retrieved,
                refused=reason is not None,
                refusal_reason=reason,
                answerer=name,
                timings_ms=timings,
                metadata=composed.metadata,
            )

        def refuse(reason: RefusalReason, retrieved=()) -> Iterator[StreamEvent]:
            composed = ComposedAnswer(text=self.refusal_text(reason), citations=[])
            yield StreamEvent(delta=composed.text)
            yield StreamEvent(answer=finish(composed, list(retrieved), reason))

        if not question:
            yield from refuse("empty")
            return
        # The guard embeds the question first: batch it with its focused form, which retrieval embeds next.
        self.embedder.embed_cached([question, self.retriever.focus(question)])
        intent = self.guard.check_intent(question)
        if intent.reason in ("clinical", "injection") or (intent.reason and not follow_up):
            yield from refuse(intent.reason)
            return
        if follow_up:  # only now, so a refused question never reaches an LLM condenser
            standalone = self._condense(question, history, name)
        t = time.perf_counter()
        hits = self.retriever.retrieve(standalone, mode=retriever)
        # A follow-up's own words find what it newly asks for ("and what does it pay?").
        # With the conversation's topic words: "what does the job pay?" asks about a medical director's job.
        extra: list = []
        if follow_up:
            topical = f"{without_connective(question)} {self.retriever.topic_words(standalone)}"
            extra = self.retriever.retrieve(topical, mode=retriever, k=2)
        retrieved = self.retriever.with_context(hits, extra)
        timings["retrieve"] = (time.perf_counter() - t) * 1000
        best = max((r.dense_score for r in retrieved if r.dense_score is not None), default=None)
        if best is None and retrieved:  # keyword-only retrieval: ask the dense side how close the corpus is
            best = max((s for _, s in self.retriever.dense(standalone, 1)), default=None)
        if not retrieved or not self.guard.is_covered(best):
            yield from refuse("out_of_scope", retrieved)
            return
        focus_source = question if follow_up else standalone
        subject_terms = self.retriever.specific_terms(focus_source)
        request = AnswerRequest(
            question=question,
            standalone_question=standalone,
            retrieved=retrieved,
            history=history,
            is_follow_up=follow_up,
            focused_question=self.retriever.focus(focus_source),
            subject_terms=subject_terms,
            conversation_terms=self.retriever.specific_terms(standalone) if follow_up else subject_terms,
            term_weights=self.retriever.term_weights(focus_source),
        )
        if self.settings.rerank_weight and (retriever or self.settings.retriever) == "hybrid":
            t = time.perf_counter()
            retrieved = request.retrieved = self._rerank(request, hits, extra)
            timings["rerank"] = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        chosen = self.answerer(name)
        composed: ComposedAnswer | None = None
        if hasattr(chosen, "stream"):
            for piece in chosen.stream(request):
                if isinstance(piece, ComposedAnswer):
                    composed = piece
                else:
                    yield StreamEvent(delta=piece)
        else:
            composed = chosen.compose(request)
            timings["compose"] = (time.perf_counter() - t) * 1000
            if composed.citations:
                for piece in stream_text(composed):
                    yield StreamEvent(delta=piece)
        timings.setdefault("compose", (time.perf_counter() - t) * 1000)
        if composed is None or not composed.citations:
            yield from refuse("out_of_scope", retrieved)
            return
        yield StreamEvent(answer=finish(composed, retrieved))

    def _rerank(self, request: AnswerRequest, hits: list[RetrievedChunk],
                extra: list[RetrievedChunk]) -> list[RetrievedChunk]:
        """The hit whose best sentence (scored against the question like an answer sentence) and fused score
        together are strongest leads; the others keep their retrieval order, which weighs whole chunks and
        so serves coverage better than one sentence each (max-passage reranking of the lead)."""
        extractive = self.answerer("extractive")
        assert isinstance(extractive, ExtractiveAnswerer)
        evidence = extractive.chunk_evidence(request)
        weight = self.settings.rerank_weight
        lead = max(hits, key=lambda h: h.score + weight * evidence.get(h.chunk.chunk_id, 0.0))
        if lead is hits[0]:
            return request.retrieved
        order = [lead, *(h for h in hits if h is not lead)]
        reranked = [h.model_copy(update={"rank": n}) for n, h in enumerate(order, start=1)]
        return self.retriever.with_context(reranked, extra)

    def _condense(self, question: str, history: list[Turn], answerer_name: str) -> str:
        """A standalone question: the answerer's condenser when it has one (an LLM), else the heuristic."""
        chosen = self.answerer(answerer_name)
        if hasattr(chosen, "condense"):
            try:
                condensed = chosen.condense(question, history)
                if condensed.strip():
                    return condensed.strip()
            except Exception:  # a failing LLM condenser must not fail the question  # noqa: BLE001
                pass
        return condense_question(question, history)

    def health(self) -> dict[str, object]:
        """Readiness of each part: index, model, and the configured answerer's dependencies."""
        state: dict[str, object] = {
            "model_loaded": self.embedder.loaded,
            "index_loaded": self._retriever is not None and self._retriever.chunk_count > 0,
        }
        chosen = self.answerer()
        if hasattr(chosen, "health"):
            state["answerer"] = chosen.health()
        return state

    def refusal_text(self, reason: RefusalReason) -> str:
        return load_prompt(_REFUSAL_PROMPTS[reason], self.settings.prompts_dir)


def _replay(answer: Answer, asked: str, started: float) -> Iterator[StreamEvent]:
    """A cached answer streamed like a new one, with this request's question as asked and its timing."""
    if answer.refused:
        yield StreamEvent(delta=answer.text)
    else:
        for piece in stream_text(ComposedAnswer(text=answer.text, citations=answer.citations)):
            yield StreamEvent(delta=piece)
    timings = {"total": (time.perf_counter() - started) * 1000}
    metadata = {**answer.metadata, "cached": True}
    yield StreamEvent(answer=answer.model_copy(update={"question": asked, "timings_ms": timings,
                                                       "metadata": metadata}))
