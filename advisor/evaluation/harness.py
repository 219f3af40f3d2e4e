"""Runs evaluation questions through `Advisor.ask` and scores each answer (one JSON-ready row per question).

Multi-turn questions replay their earlier turns through `Advisor.ask` first and pass the user/assistant turns
as history, exactly as a chat client would; only the last turn is timed and scored.

Which metrics a row gets: retrieval, key facts, `lead_fact` and false refusals for answerable questions
(`EvalQuestion.answerable`); refusal accuracy for should-refuse ones; `near_domain_right` / `small_talk_right`
for those categories; citation validity and support for answers that state something from the articles
(`metrics.citations_apply`); `filler` and answer length for every answer that is not a refusal.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor.evaluation import metrics as m
from advisor.evaluation.filler import DEFAULT_FILLER, load_filler
from advisor.evaluation.questions import EvalQuestion
from advisor.evaluation.summary import summarize
from advisor.models import Answer, Turn

if TYPE_CHECKING:
    from advisor.service import Advisor


@dataclass
class EvalRun:
    """One configuration's results: the per-question rows and their summary."""

    name: str
    config: dict[str, Any]
    rows: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"summary": self.summary, "questions": self.rows}


class DocumentTexts:
    """Cleaned document texts (from the advisor's store) and raw source files, read once per document."""

    def __init__(self, advisor: Advisor) -> None:
        self.advisor = advisor
        self.cleaned: dict[str, str | None] = {}
        self.raw: dict[str, str | None] = {}

    def load(self, doc_ids: Sequence[str]) -> None:
        for doc_id in doc_ids:
            if doc_id in self.cleaned:
                continue
            document = self.advisor.document(doc_id)
            self.cleaned[doc_id] = document.text if document else None
            self.raw[doc_id] = _read_raw(document.source_path) if document else None


def _read_raw(source_path: str) -> str | None:
    path = Path(source_path) if source_path else None
    if path is None or not path.is_file() or path.suffix.lower() == ".pdf":
        return None
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def ask_question(advisor: Advisor, question: EvalQuestion, retriever: str | None = None,
                 answerer: str | None = None) -> tuple[Answer | None, float, str | None]:
    """Replay the earlier turns, then ask the scored one: (answer or None on error, latency in ms, error)."""
    history: list[Turn] = []
    try:
        for turn in question.history_turns:
            earlier = advisor.ask(turn, history=list(history), retriever=retriever, answerer=answerer)  # type: ignore[arg-type]
            history += [Turn(role="user", content=turn), Turn(role="assistant", content=earlier.text)]
        started = time.perf_counter()
        answer = advisor.ask(question.question, history=list(history), retriever=retriever,  # type: ignore[arg-type]
                             answerer=answerer)
        return answer, (time.perf_counter() - started) * 1000, None
    except Exception as exc:  # a failing question is scored as a failure, the run goes on  # noqa: BLE001
        return None, 0.0, f"{type(exc).__name__}: {exc}"


def score_question(question: EvalQuestion, answer: Answer | None, latency_ms: float, error: str | None,
                   texts: DocumentTexts, filler: Sequence[str] | None = None) -> dict[str, Any]:
    """The JSON row of one question: what was asked and answered, and every metric that applies to it.

    `filler` is the list of filler sentences (`evals/filler.jsonl`); None leaves the filler metric unset.
    """
    retrieved = sorted(answer.retrieved, key=lambda r: r.rank) if answer else []
    citations = answer.citations if answer else []
    text = answer.text if answer else ""
    refused = bool(answer and answer.refused)
    coverage = getattr(answer, "coverage", None) if answer else None
    act = getattr(answer, "act", None) if answer else None
    doc_ids = [r.chunk.doc_id for r in retrieved]
    texts.load([*question.expected_sources, *(c.doc_id for c in citations), *doc_ids])
    ranked = m.ranked_documents(doc_ids)
    row: dict[str, Any] = {
        "id": question.id, "category": question.category, "turns": list(question.turns),
        "should_refuse": question.should_refuse, "expected_sources": list(question.expected_sources),
        "answer": text, "refused": refused, "refusal_reason": answer.refusal_reason if answer else None,
        "coverage": coverage, "act": act,
        "standalone_question": answer.standalone_question if answer else None,
        "citations": [{"n": c.n, "doc_id": c.doc_id, "chunk_id": c.chunk_id, "snippet": c.snippet,
                       "start": c.start, "end": c.end, "title": c.title, "section": c.section}
                      for c in citations],
        "retrieved": doc_ids, "retrieved_chunks": [r.chunk.chunk_id for r in retrieved],
        "latency_ms": round(latency_ms, 1), "error": error,
    }
    scores: dict[str, Any] = dict.fromkeys(
        ["hit_at_1", "recall_at_3", "mrr", "evidence_recall_at_5", "key_fact_coverage", "all_facts",
         "lead_fact", "citation_valid", "citation_support", "refused_correctly", "false_refusal", "filler",
         "near_domain_right", "small_talk_right", "answer_words"])
    if question.should_refuse:
        scores["refused_correctly"] = refused
    elif question.category == "near_domain":
        scores["near_domain_right"] = m.near_domain_right(refused, coverage)
    elif question.category == "small_talk":
        scores["small_talk_right"] = m.small_talk_right(refused, act, text)
    else:
        expected = question.expected_sources
        spans = [m.ChunkSpan(r.chunk.doc_id, r.chunk.start, r.chunk.end, r.chunk.text) for r in retrieved]
        cleaned = {k: v for k, v in texts.cleaned.items() if v is not None}
        groups = question.key_facts
        satisfied = [False] * len(groups) if refused else m.key_facts_satisfied(groups, text)
        evidence = [(e.doc, e.quote) for e in question.evidence]
        scores.update(
            hit_at_1=m.hit_at_1(ranked, expected), recall_at_3=m.recall_at_k(ranked, expected, 3),
            mrr=m.reciprocal_rank(ranked, expected),
            evidence_recall_at_5=m.evidence_recall(evidence, cleaned, spans),
            key_fact_coverage=sum(satisfied) / len(satisfied), all_facts=all(satisfied),
            lead_fact=not refused and m.lead_fact(groups, text), false_refusal=refused,
        )
        row["missing_facts"] = [list(g) for g, ok in zip(groups, satisfied, strict=True) if not ok]
        row["key_facts_found"] = [sum(satisfied), len(satisfied)]
    if not refused:
        if m.citations_apply(refused, act, coverage, bool(citations)):
            checks = [m.CitationCheck(c.n, c.doc_id, c.chunk_id, c.snippet) for c in citations]
            problems = m.citation_problems(text, checks, texts.cleaned, texts.raw,
                                           set(row["retrieved_chunks"]))
            support, unsupported = m.citation_support(text, {c.n: c.snippet for c in citations},
                                                      coverage_note=coverage in m.NOT_COVERED)
            scores.update(citation_valid=not problems, citation_support=round(support, 4))
            row["citation_problems"] = problems
            row["unsupported_sentences"] = unsupported
        if filler is not None:
            found = m.filler_sentences(text, filler)
            scores["filler"] = bool(found)
            row["filler_sentences"] = found
        scores["answer_words"] = m.answer_words(text)
    row["first_sentence"] = m.first_sentence(text)
    row.update(scores)
    return row


def default_filler(advisor: Advisor) -> list[str] | None:
    """The filler sentences of `evals/filler.jsonl` (working directory) for the documents of the advisor's
    corpus folder; None when the file is not there. A malformed list raises FillerListError."""
    if not DEFAULT_FILLER.is_file():
        return None
    return [f.text for f in load_filler(DEFAULT_FILLER, advisor.settings.corpus_dir, skip_unknown_docs=True)]


def run_eval(advisor: Advisor, questions: Sequence[EvalQuestion], retriever: str | None = None,
             answerer: str | None = None, name: str | None = None,
             progress: Callable[[int, int, str], None] | None = None, question_set: str | None = None,
             filler: Sequence[str] | None = None) -> EvalRun:
    """Ask every question with the given retriever/answerer (settings when None) and summarise the scores.

    `question_set` names the set ("shipped", "users", ...) whose floors apply (`floors.floors_for`);
    `filler` defaults to `default_filler(advisor)`.
    """
    config = {"retriever": retriever or advisor.settings.retriever,
              "answerer": answerer or advisor.settings.answerer, "questions": len(questions),
              "question_set": question_set}
    run = EvalRun(name=name or str(config["retriever"]), config=config)
    texts = DocumentTexts(advisor)
    if filler is None:
        filler = default_filler(advisor)
    if questions:  # untimed: lets lazy parts (models, caches, the baseline index) load before timing starts
        ask_question(advisor, questions[0], retriever, answerer)
        advisor.answers.clear()  # every timed question is worked out, none replayed from the cache
    for i, question in enumerate(questions, start=1):
        answer, latency, error = ask_question(advisor, question, retriever, answerer)
        run.rows.append(score_question(question, answer, latency, error, texts, filler))
        if progress:
            progress(i, len(questions), question.id)
    run.summary = summarize(run.rows, config)
    return run
