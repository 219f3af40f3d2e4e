"""The evaluation question set: one JSON object per line, validated against the corpus it is written from.

Every problem is reported as `QuestionSetError` naming the file and line, so a bad edit is easy to fix.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast, get_args

Category = Literal["factual", "multi_hop", "follow_up", "out_of_scope", "adversarial", "near_domain",
                   "small_talk"]
CATEGORIES: tuple[str, ...] = get_args(Category)
# Judged by how they are handled, not by facts: a near-domain question (career, but not in the articles) is
# right when refused or answered as partly / not covered; small talk is right when answered kindly. Neither
# has expected sources, key facts or evidence, and neither "should be refused".
UNSCORED_FACT_CATEGORIES: frozenset[str] = frozenset({"near_domain", "small_talk"})
DEFAULT_QUESTIONS = Path("evals/questions.jsonl")  # the shipped set, relative to the working directory
REQUIRED_FIELDS = frozenset({"id", "category", "turns", "expected_sources", "key_facts", "should_refuse"})
OPTIONAL_FIELDS = frozenset({"evidence"})


class QuestionSetError(ValueError):
    """The question file is malformed; the message names the line and the problem."""


@dataclass(frozen=True)
class Evidence:
    """A verbatim quote from a document that holds (part of) the answer."""

    doc: str
    quote: str


@dataclass(frozen=True)
class EvalQuestion:
    """One scored question; earlier `turns` are the conversation, the last one is the question scored."""

    id: str
    category: Category
    turns: tuple[str, ...]
    expected_sources: tuple[str, ...]
    key_facts: tuple[tuple[str, ...], ...]
    should_refuse: bool
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)
    line: int = 0

    @property
    def question(self) -> str:
        """The turn that is scored."""
        return self.turns[-1]

    @property
    def history_turns(self) -> tuple[str, ...]:
        return self.turns[:-1]

    @property
    def answerable(self) -> bool:
        """A career question the articles answer: scored on retrieval, key facts and false refusals."""
        return not self.should_refuse and self.category not in UNSCORED_FACT_CATEGORIES


def load_corpus_texts(corpus_dir: Path) -> dict[str, tuple[str, str]]:
    """(raw text, cleaned text) by document id for every supported file in `corpus_dir`.

    Raises QuestionSetError when the folder is missing or a file cannot be read.
    """
    from advisor.ingestion.loaders import DocumentError, iter_source_files, load_document

    if not corpus_dir.is_dir():
        raise QuestionSetError(f"corpus folder {corpus_dir} does not exist")
    texts: dict[str, tuple[str, str]] = {}
    for path in iter_source_files([corpus_dir]):
        try:
            cleaned = load_document(path, max_bytes=50_000_000).text
        except DocumentError as exc:
            raise QuestionSetError(f"corpus file {path.name}: {exc}") from exc
        raw = "" if path.suffix.lower() == ".pdf" else path.read_text(encoding="utf-8", errors="replace")
        texts[path.stem] = (raw, cleaned)
    return texts


def load_questions(path: Path | None = None, corpus_dir: Path | None = None) -> list[EvalQuestion]:
    """Read and validate a question file (`evals/questions.jsonl` of the working directory by default) against
    the corpus folder (the configured `corpus_dir` by default).

    Checks: valid JSON per line, exactly the known fields, valid category, unique ids, non-empty string turns,
    known document ids, well-formed key-fact groups, should_refuse consistent with expected_sources and
    key_facts (near_domain and small_talk rows: should_refuse false and no sources, facts or evidence), and
    every evidence quote verbatim both in the raw file and in the cleaned document (so
    boilerplate that cleaning drops can never serve as evidence). Raises QuestionSetError naming the line.
    """
    if corpus_dir is None:
        from advisor.settings import get_settings

        corpus_dir = get_settings().corpus_dir
    path = path or DEFAULT_QUESTIONS
    if not path.is_file():
        hint = (" (the shipped set is read from the working directory: run from the project folder or pass "
                "another file)") if path == DEFAULT_QUESTIONS else ""
        raise QuestionSetError(f"question file {path.resolve()} does not exist{hint}")
    corpus = load_corpus_texts(corpus_dir)
    questions: list[EvalQuestion] = []
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        question = parse_question(line, number, corpus, path.name)
        if question.id in seen:
            raise QuestionSetError(f"{path.name}:{number}: duplicate id {question.id!r}")
        seen.add(question.id)
        questions.append(question)
    if not questions:
        raise QuestionSetError(f"{path.name}: no questions")
    return questions


def parse_question(line: str, number: int, corpus: dict[str, tuple[str, str]],
                   name: str = "questions") -> EvalQuestion:
    """One validated question from one line of JSON. Raises QuestionSetError."""
    where = f"{name}:{number}"

    def fail(message: str) -> QuestionSetError:
        return QuestionSetError(f"{where}: {message}")

    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise fail(f"not valid JSON ({exc.msg})") from exc
    if not isinstance(row, dict):
        raise fail("each line must be a JSON object")
    missing = sorted(REQUIRED_FIELDS - row.keys())
    unknown = sorted(row.keys() - REQUIRED_FIELDS - OPTIONAL_FIELDS)
    if missing or unknown:
        parts = ([f"missing field(s) {', '.join(missing)}"] if missing else []) + (
            [f"unknown field(s) {', '.join(unknown)}"] if unknown else [])
        raise fail("; ".join(parts))
    qid = row["id"]
    if not isinstance(qid, str) or not qid.strip():
        raise fail("'id' must be a non-empty string")
    where = f"{name}:{number} ({qid})"
    if row["category"] not in CATEGORIES:
        raise fail(f"unknown category {row['category']!r}; use one of {', '.join(CATEGORIES)}")
    turns = row["turns"]
    if not isinstance(turns, list) or not turns or not all(isinstance(t, str) and t.strip() for t in turns):
        raise fail("'turns' must be a non-empty list of non-empty strings")
    sources = _string_list(row["expected_sources"], "expected_sources", fail)
    for doc in sources:
        if doc not in corpus:
            raise fail(f"unknown document id {doc!r} in expected_sources; known: {', '.join(sorted(corpus))}")
    if not isinstance(row["should_refuse"], bool):
        raise fail("'should_refuse' must be true or false")
    facts = _key_facts(row["key_facts"], fail)
    evidence = _evidence(row.get("evidence", []), corpus, fail)
    if row["category"] in UNSCORED_FACT_CATEGORIES:
        if row["should_refuse"]:
            raise fail(f"a {row['category']} question has should_refuse false (it is judged by how it is "
                       "handled)")
        if sources or facts or evidence:
            raise fail(f"a {row['category']} question has empty expected_sources, key_facts and evidence")
    elif row["should_refuse"]:
        if sources or facts or evidence:
            raise fail("a question that should be refused has empty expected_sources, key_facts and evidence")
    else:
        if not sources:
            raise fail("an answerable question (should_refuse false) needs expected_sources")
        if not facts:
            raise fail("an answerable question (should_refuse false) needs key_facts")
        stray = sorted({e.doc for e in evidence} - set(sources))
        if stray:
            raise fail(f"evidence from {', '.join(stray)}, which is not in expected_sources")
    return EvalQuestion(id=qid, category=cast(Category, row["category"]), turns=tuple(turns),
                        expected_sources=tuple(sources), key_facts=facts, should_refuse=row["should_refuse"],
                        evidence=evidence, line=number)


def _string_list(value: Any, name: str, fail: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise fail(f"'{name}' must be a list of non-empty strings")
    if len(set(value)) != len(value):
        raise fail(f"'{name}' lists the same entry twice")
    return value


def _key_facts(value: Any, fail: Any) -> tuple[tuple[str, ...], ...]:
    if not isinstance(value, list):
        raise fail("'key_facts' must be a list of groups (lists of alternative phrasings)")
    groups: list[tuple[str, ...]] = []
    for i, group in enumerate(value, start=1):
        if not isinstance(group, list) or not group:
            raise fail(f"key_facts group {i} must be a non-empty list of alternative phrasings")
        if not all(isinstance(p, str) and p.strip() for p in group):
            raise fail(f"key_facts group {i} holds an empty or non-string phrasing")
        groups.append(tuple(p.strip() for p in group))
    return tuple(groups)


def _evidence(value: Any, corpus: dict[str, tuple[str, str]], fail: Any) -> tuple[Evidence, ...]:
    if not isinstance(value, list):
        raise fail("'evidence' must be a list of {\"doc\": id, \"quote\": text} objects")
    items: list[Evidence] = []
    for i, item in enumerate(value, start=1):
        if not isinstance(item, dict) or set(item) != {"doc", "quote"}:
            raise fail(f"evidence {i} must be an object with exactly 'doc' and 'quote'")
        doc, quote = item["doc"], item["quote"]
        if not isinstance(doc, str) or doc not in corpus:
            raise fail(f"evidence {i}: unknown document id {doc!r}")
        if not isinstance(quote, str) or not quote.strip():
            raise fail(f"evidence {i}: 'quote' must be non-empty text")
        raw, cleaned = corpus[doc]
        if raw and quote not in raw:
            raise fail(f"evidence {i}: quote is not verbatim in {doc}: {quote[:60]!r}")
        if quote not in cleaned:
            raise fail(f"evidence {i}: quote is not in the cleaned text of {doc} (boilerplate, or split "
                       f"across lines?): {quote[:60]!r}")
        items.append(Evidence(doc=doc, quote=quote))
    return tuple(items)
