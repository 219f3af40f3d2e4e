"""The advisor service: the one object the CLI, the API, the UI and the evals all call."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from advisor.answer_stream import AnswerStream, StreamEvent
from advisor.answering.base import Answerer, AnswerRequest, ComposedAnswer, stream_text
from advisor.answering.cache import AnswerCache
from advisor.answering.conversation import condense_question, is_follow_up, plain_question, without_connective
from advisor.answering.dialogue import SmallTalk, small_talk, without_pleasantries
from advisor.answering.evidence import SentenceScorer, candidates_of, roles_of, scored_texts
from advisor.answering.planning import READINESS_QUERY, AnswerPlan, asks_readiness, plan_answer
from advisor.answering.question import acronyms_in, analyse, is_acronym, normalise
from advisor.answering.registry import make_answerer
from advisor.answering.scope import ScopeGuard
from advisor.answering.situation import Situation, situation_of
from advisor.ingestion.pipeline import ingest
from advisor.ingestion.roles import UnitRole
from advisor.models import (
    Answer,
    Coverage,
    DialogueAct,
    Document,
    IngestReport,
    RefusalReason,
    RetrievedChunk,
    SourceInfo,
    Turn,
)
from advisor.prompts import load_prompt
from advisor.readiness import Profile, ReadinessReport, Rubric
from advisor.retrieval.base import Retriever
from advisor.retrieval.embeddings import SentenceTransformerEmbedder
from advisor.retrieval.index import SearchIndex
from advisor.retrieval.registry import make_retriever
from advisor.retrieval.store import ChunkStore
from advisor.retrieval.vector_cache import warm_vectors_path
from advisor.settings import RetrieverName, Settings, get_settings

_REFUSAL_PROMPTS: dict[RefusalReason, str] = {
    "out_of_scope": "refusal_out_of_scope",
    "clinical": "refusal_clinical",
    "injection": "refusal_injection",
    "empty": "refusal_empty",
    "no_index": "no_index",
}
_REFUSAL_ACTS: dict[RefusalReason, DialogueAct] = {
    "out_of_scope": "career", "clinical": "clinical", "injection": "injection", "empty": "empty",
    "no_index": "no_index",
}

_WARM_UP_QUESTION = "Which skills does a medical director need?"


@dataclass
class _Question:
    """A question on its way through the answer path."""

    asked: str  # as the user wrote it
    text: str  # without markup
    follow_up: bool
    answerer: str
    retriever: RetrieverName
    standalone: str = ""  # a follow-up made standalone with the conversation
    search: str = ""  # the standalone question with acronyms the documents never use spelled out
    situation: Situation = field(default_factory=Situation)  # what the asker said about themselves
    started: float = field(default_factory=time.perf_counter)
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class _Retrieval:
    hits: list[RetrievedChunk]  # what the standalone question found
    extra: list[RetrievedChunk]  # what a follow-up's own words found
    retrieved: list[RetrievedChunk]  # both, with the chunks that continue the best hits


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
        tuning = self.settings.tuning
        self._store: ChunkStore | None = None
        self._index: SearchIndex | None = None
        self._retrievers: dict[str, Retriever] = {}
        self._answerers: dict[str, Answerer] = {}
        self._lock = threading.RLock()  # the index, built under it, opens the store under it
        self.answers = AnswerCache(self.settings.answer_cache_size)
        self.guard = ScopeGuard(self.embedder, tuning.relevance_threshold, tuning.scope_margin)
        self.scorer = SentenceScorer(tuning, self.embedder)

    # ---- parts ---------------------------------------------------------------------------
    @property
    def store(self) -> ChunkStore:
        if self._store is None:
            with self._lock:
                if self._store is None:
                    self._store = ChunkStore(self.settings)
        return self._store

    @property
    def index(self) -> SearchIndex:
        if self._index is None:
            with self._lock:
                if self._index is None:
                    self._index = SearchIndex(self.settings, self.store, self.embedder)
        return self._index

    def retriever(self, name: str | None = None) -> Retriever:
        """The retriever registered under `name` (default: settings); raises UnknownRetrieverError."""
        name = name or self.settings.retriever
        if name not in self._retrievers:
            self._retrievers[name] = make_retriever(name, self.index)
        return self._retrievers[name]

    def answerer(self, name: str | None = None) -> Answerer:
        """The answerer registered under `name` (default: settings); raises UnknownAnswererError."""
        name = name or self.settings.answerer
        if name not in self._answerers:
            self._answerers[name] = make_answerer(name, self.settings, self.embedder)
        return self._answerers[name]

    def warm_up(self) -> None:
        """Load the model, the store and BM25, and pre-embed the answer units of a small corpus."""
        self.embedder.load()
        self.index.refresh(force=True)
        self.answerer().warm_up()  # e.g. load a local GGUF model now rather than on the first question
        # saved by the ingest (or by an earlier start), so read back, not embedded
        self.embedder.warm_cache(self._warm_texts(), warm_vectors_path(self.settings.data_dir))
        self.guard.label_scores("warm up")
        plain_question("<p>warm up</p>")  # loads the HTML parser a marked-up question needs
        if self.index.chunk_count:  # one question through every step: first-call costs are paid now
            self.ask(_WARM_UP_QUESTION, answerer="extractive")

    def _warm_texts(self) -> list[str]:
        """What warm-up pins: the scope exemplars and, unless the corpus is large, every heading and answer
        unit."""
        texts = self.guard.exemplar_texts()
        if not self.index.is_large:
            chunks = self.index.all_chunks()
            texts += [*self.index.heading_texts(chunks), *scored_texts(chunks)]
        return texts

    @property
    def ready(self) -> bool:
        return self.embedder.loaded and self._index is not None and self._index.chunk_count > 0

    def health(self) -> dict[str, object]:
        """Readiness of each part: index, model, and the configured answerer's dependencies."""
        state: dict[str, object] = {
            "model_loaded": self.embedder.loaded,
            "index_loaded": self._index is not None and self._index.chunk_count > 0,
        }
        answerer = self.answerer().health()
        if answerer is not None:
            state["answerer"] = answerer
        return state

    # ---- indexing ------------------------------------------------------------------------
    def ingest(
        self, paths: Iterable[Path | str] | None = None, prune: bool = False, progress: bool = False,
        follow_symlinks: bool = False,
    ) -> IngestReport:
        """Index the given files and folders (the configured corpus by default); links leading out of a
        folder are skipped unless `follow_symlinks`."""
        report = ingest(
            [Path(p) for p in paths] if paths else [self.settings.corpus_dir],
            self.settings,
            self.store,
            self.embedder,
            prune=prune,
            progress=progress,
            follow_symlinks=follow_symlinks,
        )
        self.index.refresh(force=True)
        # what warm-up reads, embedded now for the new chunks so that no start has to
        self.embedder.save_vectors(self._warm_texts(), warm_vectors_path(self.settings.data_dir), progress)
        return report

    def sources(self) -> list[SourceInfo]:
        return self.store.list_sources()

    def document(self, doc_id: str) -> Document | None:
        return self.store.get_document(doc_id)

    def retrieve(self, query: str, mode: str | None = None, k: int | None = None) -> list[RetrievedChunk]:
        """The best k chunks for `query` by the named retriever (default: settings), best first."""
        return self.retriever(mode).retrieve(query, k)

    # ---- answering -----------------------------------------------------------------------
    def ask(self, question: str, history: list[Turn] | None = None, retriever: RetrieverName | None = None,
            answerer: str | None = None) -> Answer:
        """Answer `question` in the light of `history` (earlier turns), with verbatim citations."""
        return AnswerStream(self.ask_stream(question, history, retriever, answerer)).finish()

    def ask_stream(self, question: str, history: list[Turn] | None = None,
                   retriever: RetrieverName | None = None,
                   answerer: str | None = None) -> Iterator[StreamEvent]:
        """Like `ask`, yielding text deltas as they are written and then the complete `Answer`.

        Answers of a deterministic answerer (the extractive one) are cached per index version: the same
        question in the same conversation gets the same answer without being worked out again."""
        started = time.perf_counter()
        name = answerer or self.settings.answerer
        mode = retriever or self.settings.retriever
        key = None
        if self.answers.size > 0 and self.answerer(name).deterministic:
            key = self.answers.key(question, history or [], mode, name, self.index.index_version)
            cached = self.answers.get(key)
            if cached is not None:
                yield from _replay(cached, question.strip(), started)
                return
        for event in self._answer_stream(question, history or [], mode, name):
            if event.answer is not None and key is not None:
                self.answers.put(key, event.answer)
            yield event

    def _answer_stream(self, asked: str, history: list[Turn], mode: RetrieverName,
                       name: str) -> Iterator[StreamEvent]:
        """The answer path: small talk gets a friendly reply; a question is checked, made standalone,
        retrieved for, checked for coverage, reranked, planned and composed."""
        text = plain_question(asked.strip())
        chat = small_talk(normalise(text)) if text else None
        if chat is not None:
            yield from self._small_talk(asked.strip(), chat)
            return
        text = normalise(without_pleasantries(text))
        q = _Question(asked.strip(), text, is_follow_up(text, history), name, mode, standalone=text)
        q.search = self._spelled_out(text)
        q.situation = situation_of([*(t.content for t in history if t.role == "user"), text])
        refusal = self._refusal_before_retrieval(q)
        if refusal is not None:
            yield from self._refuse(q, refusal, act="off_topic" if refusal == "out_of_scope" else None)
            return
        if q.follow_up:  # only now, so a refused question never reaches an LLM condenser
            q.standalone = normalise(self._condense(q.text, history, name))
            q.search = self._spelled_out(q.standalone)
        found = self._retrieve(q)
        best = self._best_similarity(q, found.retrieved)
        close = self.guard.is_covered(best) or self._defines_a_known_term(q)
        if not found.retrieved or not close:
            yield from self._refuse(q, "out_of_scope", found.retrieved)
            return
        request = self._request(q, found.retrieved, history)
        if self.settings.tuning.rerank_weight and mode == "hybrid":
            t = time.perf_counter()
            request.retrieved = self._rerank(request, found)
            q.timings["rerank"] = (time.perf_counter() - t) * 1000
        request.plan = self._plan(request)
        yield from self._compose(q, request)

    def _small_talk(self, asked: str, kind: SmallTalk) -> Iterator[StreamEvent]:
        text = load_prompt(f"small_talk_{kind}", self.settings.prompts_dir)
        yield StreamEvent(delta=text)
        q = _Question(asked, asked, False, "extractive", self.settings.retriever, standalone=asked)
        yield StreamEvent(answer=self._finish(q, ComposedAnswer(text=text, citations=[]), [], act=kind))

    def _refusal_before_retrieval(self, q: _Question) -> RefusalReason | None:
        """Empty questions, clinical ones, attempts on the rules, and new questions that are off topic."""
        if not q.text:
            return "empty"
        if self.index.chunk_count == 0:  # nothing ingested: say so, not "the articles don't cover this"
            return "no_index"
        # The guard embeds the question first: batch it with its focused form, which retrieval embeds next.
        self.embedder.embed_cached([q.text, self.index.terms.focus(q.text)])
        intent = self.guard.check_intent(q.text)
        if intent.reason is None or intent.reason == "clinical" or self._defines_a_known_term(q):
            return intent.reason if intent.reason == "clinical" else None
        if intent.reason == "out_of_scope" and self._asks_about_known_terms(q):
            return None
        if intent.reason == "injection" or not q.follow_up:
            return intent.reason
        return None

    def _asks_about_known_terms(self, q: _Question) -> bool:
        """Whether every specific term of what is asked is one the documents use, and there are at least two
        ("does my state license need to be unrestricted?"): the question is about their subject, whatever
        the nearest refusal exemplar says."""
        terms = self.index.terms
        clause = analyse(q.text).clause or q.text
        specific = terms.specific_terms(clause)
        return len(specific) >= 2 and all(terms.mentions(t) for t in specific) \
            and not terms.unknown_words(clause)

    def _defines_a_known_term(self, q: _Question) -> bool:
        """Whether the question asks what a term the documents use means ("what is HIPAA?"): the guard must
        not refuse a question whose focus the articles mention."""
        analysis = analyse(q.text)
        if analysis.type != "definition":
            return False
        terms = self.index.terms
        return terms.mentions(analysis.focus) or any(
            terms.mentions(long) for _, long in acronyms_in(analysis.focus))

    def _retrieve(self, q: _Question) -> _Retrieval:
        t = time.perf_counter()
        hits = self.retrieve(q.search or q.standalone, q.retriever)
        # A follow-up's own words find what it newly asks for ("and what does it pay?"), with the
        # conversation's topic words: "what does the job pay?" asks about a medical director's job.
        extra: list[RetrievedChunk] = []
        if q.follow_up:
            topical = f"{without_connective(q.text)} {self.index.terms.topic_words(q.standalone)}"
            extra = self.retrieve(topical, q.retriever, k=2)
        if q.situation.known and asks_readiness(q.text):  # find the requirement to set beside the situation
            extra += [h for h in self.retrieve(READINESS_QUERY, q.retriever, k=2)
                      if h.chunk.chunk_id not in {e.chunk.chunk_id for e in extra}]
        retrieved = self.index.with_context(hits, extra)
        q.timings["retrieve"] = (time.perf_counter() - t) * 1000
        return _Retrieval(hits, extra, retrieved)

    def _spelled_out(self, text: str) -> str:
        """`text` with what its acronyms stand for added where the documents never use the acronym ("what is
        CMS?" finds "Centers for Medicare & Medicaid Services")."""
        terms = self.index.terms
        added = [long for short, long in acronyms_in(text)
                 if not terms.mentions(short) and terms.mentions(long)]
        return f"{text} ({'; '.join(added)})" if added else text

    def _best_similarity(self, q: _Question, retrieved: list[RetrievedChunk]) -> float | None:
        best = max((r.dense_score for r in retrieved if r.dense_score is not None), default=None)
        if best is None and retrieved:  # keyword-only retrieval: ask the dense side how close the corpus is
            best = max((s for _, s in self.index.dense(q.standalone, 1)), default=None)
        return best

    def _request(self, q: _Question, retrieved: list[RetrievedChunk], history: list[Turn]) -> AnswerRequest:
        terms = self.index.terms
        focus_source = q.text if q.follow_up else q.standalone
        subject_terms = terms.specific_terms(focus_source)
        situation = q.situation
        return AnswerRequest(
            question=q.text,
            standalone_question=q.standalone,
            retrieved=retrieved,
            history=history,
            is_follow_up=q.follow_up,
            focused_question=terms.focus(focus_source),
            subject_terms=subject_terms,
            conversation_terms=terms.specific_terms(q.standalone) if q.follow_up else subject_terms,
            term_weights=terms.term_weights(focus_source),
            analysis=(analysis := analyse(q.text, has_situation=situation.known)),
            situation=situation,
            unknown_words=tuple(w for w in terms.unknown_words(analysis.clause) if not is_acronym(w)),
        )

    def _plan(self, request: AnswerRequest) -> AnswerPlan:
        """What leads the answer and what the articles cover, for whichever answerer composes it."""
        assert request.analysis is not None
        candidates = candidates_of(request)
        if not candidates:
            return AnswerPlan(request.analysis, coverage="none")
        scores, _ = self.scorer.scores(candidates, request)
        return plan_answer(request, candidates, scores, request.analysis, request.situation,
                           self.settings.tuning)

    def _rerank(self, request: AnswerRequest, found: _Retrieval) -> list[RetrievedChunk]:
        """The hit whose best sentence (scored against the question like an answer sentence) and fused score
        together are strongest leads; the others keep their retrieval order, which weighs whole chunks and
        so serves coverage better than one sentence each (max-passage reranking of the lead)."""
        evidence = self.scorer.chunk_evidence(request)
        weight = self.settings.tuning.rerank_weight
        hits = found.hits
        lead = max(hits, key=lambda h: h.score + weight * evidence.get(h.chunk.chunk_id, 0.0))
        if lead is hits[0]:
            return request.retrieved
        order = [lead, *(h for h in hits if h is not lead)]
        reranked = [h.model_copy(update={"rank": n}) for n, h in enumerate(order, start=1)]
        return self.index.with_context(reranked, found.extra)

    def _compose(self, q: _Question, request: AnswerRequest) -> Iterator[StreamEvent]:
        t = time.perf_counter()
        composed: ComposedAnswer | None = None
        for piece in self.answerer(q.answerer).stream(request):
            if isinstance(piece, ComposedAnswer):
                composed = piece
            else:
                yield StreamEvent(delta=piece)
        q.timings["compose"] = (time.perf_counter() - t) * 1000
        if composed is None or not composed.citations:
            yield from self._refuse(q, "out_of_scope", request.retrieved)
            return
        coverage = request.plan.coverage if request.plan else "full"
        yield StreamEvent(answer=self._finish(q, composed, request.retrieved, coverage=coverage))

    def _refuse(self, q: _Question, reason: RefusalReason, retrieved: list[RetrievedChunk] | None = None,
                act: DialogueAct | None = None) -> Iterator[StreamEvent]:
        composed = ComposedAnswer(text=self.refusal_text(reason), citations=[])
        yield StreamEvent(delta=composed.text)
        coverage: Coverage | None = "none" if reason == "out_of_scope" else None
        yield StreamEvent(answer=self._finish(q, composed, retrieved or [], reason, coverage,
                                              act or _REFUSAL_ACTS[reason]))

    def _finish(self, q: _Question, composed: ComposedAnswer, retrieved: list[RetrievedChunk],
                reason: RefusalReason | None = None, coverage: Coverage | None = None,
                act: DialogueAct = "career") -> Answer:
        q.timings["total"] = (time.perf_counter() - q.started) * 1000
        return Answer(question=q.asked, standalone_question=q.standalone, text=composed.text,
                      citations=composed.citations, retrieved=retrieved, refused=reason is not None,
                      refusal_reason=reason, coverage=coverage, act=act, answerer=q.answerer,
                      timings_ms=q.timings, metadata=composed.metadata)

    def _condense(self, question: str, history: list[Turn], answerer_name: str) -> str:
        """A standalone question: the answerer's condenser when it has one (an LLM), else the heuristic."""
        try:
            condensed = self.answerer(answerer_name).condense(question, history).strip()
        except Exception:  # a failing LLM condenser must not fail the question  # noqa: BLE001
            condensed = ""
        return condensed or condense_question(question, history)

    def refusal_text(self, reason: RefusalReason) -> str:
        return load_prompt(_REFUSAL_PROMPTS[reason], self.settings.prompts_dir)

    def flagged_sentences(self, doc_id: str) -> list[UnitRole]:
        """The document's sentences no answerer uses (role `instruction`, decided at ingest), in order, for
        its owner to review; a sentence's text is `document(doc_id).text[r.start:r.end]`. Empty if unknown."""
        chunks = [c for c in self.index.all_chunks() if c.doc_id == doc_id]
        found = {r.start: r for c in chunks for r in roles_of(c).values() if r.role == "instruction"}
        return [found[start] for start in sorted(found)]

    # ---- "My path" -------------------------------------------------------------------------
    def readiness(self, profile: Profile, rubric: Rubric | None = None) -> ReadinessReport:
        """The profile measured against the articles' requirements (`rubric`, default: the shipped one): each
        one's status with its cited sentence, the top gaps and a cited 30/60/90-day plan."""
        from advisor.readiness.report import build_report

        return build_report(self, profile, rubric)


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
