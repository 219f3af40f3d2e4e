"""Deterministic per-question metrics: retrieval, key facts, citation validity and citation support.

Definitions (they are the documentation the report links to):
- Text is compared after `normalize_text`: curly quotes and apostrophes become straight ones, en/em dashes
  become '-', runs of whitespace one space.
- Retrieval is judged on `ranked_documents`: the distinct document ids of the retrieved chunks, in order of
  their best chunk. Hit@1: the first is an expected source. Recall@3: the share of expected sources among the
  first three. MRR: 1 / position of the first expected source (0 when none is retrieved).
- Evidence recall@5: the share of a question's evidence quotes found in a top-5 retrieved chunk (by chunk
  rank). A quote is found when a chunk of the same document covers at least half of the quote's characters
  (character spans in the cleaned document), or, when the quote cannot be located, when the chunk's text
  contains it.
- Key facts: a group is satisfied when any of its phrasings occurs in the answer, case-insensitively, with no
  letter or digit directly before or after it.
- Citation support (ALCE-style, word overlap instead of NLI): see `split_cited_sentences` and
  `citation_support`.
- Answer quality: `lead_fact` (the first sentence, as `first_sentence` finds it, holds a key-fact phrase),
  `filler_sentences` (the answer contains a sentence of the hand-made filler list, `evals/filler.jsonl`),
  `near_domain_right` (refused, or answered with coverage "partial"/"none"), `small_talk_right` (answered, not
  refused, as a greeting / thanks / capabilities reply with some text) and `citations_apply` (which answers
  make claims whose citations are checked).

The scoring normaliser (words, sentence ends, stop words) is independent of `advisor.text` on purpose: a
metric that shared the answerer's tokenizer would agree with the answerer's mistakes. Only the list bullet,
which is markup rather than scoring, is shared.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from advisor.text import BULLET

_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})
_SPACE = re.compile(r"\s+")
MARKER = re.compile(r"\[(\d+)\]")
_MARKER_GROUP = re.compile(r"(?:\s*\[\d+\])+")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"(]?[A-Z0-9$])")
_WORD = re.compile(r"[a-z0-9$]+(?:[.,'\-][a-z0-9]+)*")

SUPPORT_THRESHOLD = 0.6
EVIDENCE_OVERLAP = 0.5
SMALL_TALK_ACTS = frozenset({"greeting", "thanks", "capabilities"})
NOT_COVERED = frozenset({"partial", "none"})  # coverage values whose answer opens by saying so

# English function words plus question words; never "content". Kept here, not shared with the answerer,
# so that changing the system cannot silently change how it is scored.
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being below
    between both but by can could did do does doing down during each either else few for from further had has
    have having he her here hers him his how i if in into is it its itself just me more most my no nor not now
    of off on once only or other our ours out over own same she should so some such than that the their theirs
    them then there these they this those through to too under until up upon us very was we were what when
    where which while who whom whose why will with within would you your yours yourself etc e.g i.e may might
    must shall s t""".split()
)


def normalize_text(text: str) -> str:
    """Straight quotes, '-' for dashes, single spaces: the form in which texts are compared."""
    return _SPACE.sub(" ", text.translate(_QUOTES)).strip()


def ranked_documents(doc_ids: Iterable[str]) -> list[str]:
    """Distinct document ids in order of first appearance (the retrieved chunks are best first)."""
    return list(dict.fromkeys(doc_ids))


def hit_at_1(ranked_docs: Sequence[str], expected: Sequence[str]) -> float:
    return 1.0 if ranked_docs and ranked_docs[0] in expected else 0.0


def recall_at_k(ranked_docs: Sequence[str], expected: Sequence[str], k: int = 3) -> float:
    if not expected:
        return 0.0
    return len(set(ranked_docs[:k]) & set(expected)) / len(set(expected))


def reciprocal_rank(ranked_docs: Sequence[str], expected: Sequence[str]) -> float:
    for position, doc in enumerate(ranked_docs, start=1):
        if doc in expected:
            return 1.0 / position
    return 0.0


@dataclass(frozen=True)
class ChunkSpan:
    """Where a retrieved chunk lies in its cleaned document."""

    doc_id: str
    start: int
    end: int
    text: str


def evidence_found(quote: str, doc_id: str, doc_text: str | None, chunks: Sequence[ChunkSpan]) -> bool:
    """True when one of `chunks` covers at least half of `quote` in document `doc_id` (see module doc)."""
    begin = doc_text.find(quote) if doc_text else -1
    for chunk in chunks:
        if chunk.doc_id != doc_id:
            continue
        if begin >= 0:
            overlap = min(chunk.end, begin + len(quote)) - max(chunk.start, begin)
            if overlap >= EVIDENCE_OVERLAP * len(quote):
                return True
        elif normalize_text(quote).lower() in normalize_text(chunk.text).lower():
            return True
    return False


def evidence_recall(evidence: Sequence[tuple[str, str]], doc_texts: dict[str, str],
                    chunks: Sequence[ChunkSpan], k: int = 5) -> float | None:
    """Share of (doc, quote) evidence items found in the first k chunks; None when there is no evidence."""
    if not evidence:
        return None
    top = list(chunks[:k])
    return sum(evidence_found(q, d, doc_texts.get(d), top) for d, q in evidence) / len(evidence)


def phrase_in(phrase: str, text: str) -> bool:
    """Case-insensitive occurrence of `phrase` in `text` on word boundaries, after normalisation."""
    needle = re.escape(normalize_text(phrase).lower())
    return re.search(rf"(?<![a-z0-9]){needle}(?![a-z0-9])", normalize_text(text).lower()) is not None


def key_facts_satisfied(groups: Sequence[Sequence[str]], answer: str) -> list[bool]:
    """For each key-fact group, whether any of its alternative phrasings appears in the answer."""
    return [any(phrase_in(p, answer) for p in group) for group in groups]


def strip_markup(answer: str) -> str:
    """The answer's prose: citation markers and list bullets removed, whitespace normalised."""
    lines = [BULLET.sub("", line) for line in answer.splitlines()]
    return normalize_text(MARKER.sub(" ", " ".join(lines)))


def answer_words(answer: str) -> int:
    """Length in words of the answer's prose (markers and bullets not counted)."""
    return len(strip_markup(answer).split())


def answer_sentences(answer: str) -> list[str]:
    """The answer's prose sentences in order: each line is a paragraph (list bullets stripped, `[n]`
    markers removed), split where `split_cited_sentences` splits (end punctuation, whitespace, then a
    capital, digit, '$' or quote)."""
    sentences: list[str] = []
    for line in answer.translate(_QUOTES).splitlines():
        prose = _SPACE.sub(" ", MARKER.sub(" ", BULLET.sub("", line))).strip()
        sentences += [piece.strip() for piece in _SENTENCE_END.split(prose) if piece.strip()]
    return sentences


def first_sentence(answer: str) -> str:
    """The answer's first prose sentence ("" for an empty answer)."""
    sentences = answer_sentences(answer)
    return sentences[0] if sentences else ""


def lead_fact(groups: Sequence[Sequence[str]], answer: str) -> bool:
    """True when the answer's first sentence holds a phrasing of any key-fact group: it leads with the
    answer."""
    first = first_sentence(answer)
    return bool(first) and any(phrase_in(p, first) for group in groups for p in group)


def filler_sentences(answer: str, filler: Iterable[str]) -> list[str]:
    """The sentences of `filler` (whole, verbatim sentences of the corpus) that occur in the answer's prose,
    compared after normalisation and case-insensitively; in the order of `filler`."""
    prose = strip_markup(answer).lower()
    return [f for f in filler if normalize_text(f).lower() in prose]


def near_domain_right(refused: bool, coverage: str | None) -> bool:
    """A near-domain question (career, but the articles do not answer it) is handled right when it is refused,
    or answered with coverage "partial" or "none": such an answer opens by saying the articles do not cover
    (all of) it. A missing coverage (older rows) counts as not said."""
    return bool(refused) or coverage in NOT_COVERED


def small_talk_right(refused: bool, act: str | None, answer: str) -> bool:
    """Small talk is handled right when it is answered, not refused, as small talk (act greeting, thanks or
    capabilities) with a non-empty reply. A missing act (older rows) counts as not recognised."""
    return not refused and act in SMALL_TALK_ACTS and bool(answer.strip())


def citations_apply(refused: bool, act: str | None, coverage: str | None, has_citations: bool) -> bool:
    """Whether an answer's citations are scored (validity and support): every answer that states something
    from the articles. Refusals, small-talk replies and a "none"-coverage answer without citations (it only
    says the articles do not cover the question) make no such claim."""
    if refused or act in SMALL_TALK_ACTS:
        return False
    return not (coverage == "none" and not has_citations)


@dataclass(frozen=True)
class CitedSentence:
    text: str
    markers: tuple[int, ...]


def split_cited_sentences(answer: str) -> list[CitedSentence]:
    """Sentences of an answer with the citation numbers that cover them.

    Each line is a paragraph (list bullets stripped). A group of markers such as "[1]" or "[1] [2]" covers
    every sentence between it and the previous marker group of the same paragraph, since answers cite a run
    of quoted sentences once, at its end. Text after a paragraph's last marker group is uncited. Sentences end
    at '.', '!' or '?' (optionally followed by a closing quote or bracket) followed by whitespace and an
    upper-case letter, digit, '$' or an opening quote.
    """
    sentences: list[CitedSentence] = []
    for line in answer.translate(_QUOTES).splitlines():
        line = BULLET.sub("", line).strip()
        position = 0
        for group in list(_MARKER_GROUP.finditer(line)) + [None]:
            end = group.start() if group else len(line)
            markers = tuple(int(n) for n in MARKER.findall(group.group(0))) if group else ()
            segment = line[position:end].strip()
            position = group.end() if group else len(line)
            for piece in _SENTENCE_END.split(segment):
                if piece.strip():
                    sentences.append(CitedSentence(_SPACE.sub(" ", piece.strip()), markers))
    return sentences


def _tokens(text: str) -> list[str]:
    return [w.rstrip(".,") for w in _WORD.findall(normalize_text(text).lower())]


def content_words(text: str) -> set[str]:
    """Lower-cased words with at least two characters that are neither stopwords nor numbers."""
    return {w for w in _tokens(text) if len(w) > 1 and w not in STOPWORDS and not any(c.isdigit() for c in w)}


def numbers(text: str) -> set[str]:
    """Tokens holding a digit, with '$' and thousands separators dropped ("$200,000" -> "200000")."""
    return {w.replace("$", "").replace(",", "") for w in _tokens(text) if any(c.isdigit() for c in w)}


def sentence_supported(sentence: str, cited_text: str) -> bool:
    """True when `cited_text` holds >= 60% of the sentence's content words and every one of its numbers."""
    words, digits = content_words(sentence), numbers(sentence)
    cited_words, cited_numbers = set(_tokens(cited_text)), numbers(cited_text)
    cited_words |= {w.replace("$", "") for w in cited_words}
    share = len(words & cited_words) / len(words) if words else 1.0
    return share >= SUPPORT_THRESHOLD and digits <= cited_numbers


def citation_support(answer: str, snippets: dict[int, str],
                     coverage_note: bool = False) -> tuple[float, list[str]]:
    """Share of the answer's sentences supported by the snippets they cite, and the unsupported sentences.

    A sentence with no marker, or whose markers name no citation in `snippets`, is unsupported. Sentences
    with neither content words nor numbers ("Yes.") are not counted. With `coverage_note` (an answer of
    coverage "partial" or "none") the answer opens with a note that the articles do not cover (all of) the
    question, which is no claim from them: its first sentence and the uncited sentences right after it
    ("The closest points they make:") are not counted. An answer with no countable sentence scores 0.0.
    """
    counted = 0
    unsupported: list[str] = []
    in_note = coverage_note
    for index, sentence in enumerate(split_cited_sentences(answer)):
        in_note = in_note and (index == 0 or not sentence.markers)
        if in_note:
            continue
        if not content_words(sentence.text) and not numbers(sentence.text):
            continue
        counted += 1
        cited = " ".join(snippets[n] for n in sentence.markers if n in snippets)
        if not cited or not sentence_supported(sentence.text, cited):
            unsupported.append(sentence.text)
    if counted == 0:
        return 0.0, unsupported
    return (counted - len(unsupported)) / counted, unsupported


@dataclass(frozen=True)
class CitationCheck:
    """One citation as the validity check sees it."""

    n: int
    doc_id: str
    chunk_id: str
    snippet: str


def citation_problems(answer: str, citations: Sequence[CitationCheck], doc_texts: dict[str, str | None],
                      raw_texts: dict[str, str | None], retrieved_chunk_ids: set[str]) -> list[str]:
    """Why the answer's citations are not valid; [] when they are.

    Valid means: there is at least one citation; every snippet is non-empty and verbatim in the cleaned text
    of its document (and, whitespace-normalised, in the raw source file when that file is readable); every
    cited chunk is among the retrieved chunks; every [n] marker in the text names an existing citation.
    """
    if not citations:
        return ["answer has no citations"]
    problems: list[str] = []
    for c in citations:
        text = doc_texts.get(c.doc_id)
        if not c.snippet.strip():
            problems.append(f"[{c.n}] empty snippet")
        elif text is None:
            problems.append(f"[{c.n}] unknown document {c.doc_id}")
        elif c.snippet not in text:
            problems.append(f"[{c.n}] snippet not verbatim in {c.doc_id}")
        raw = raw_texts.get(c.doc_id)
        if raw and c.snippet.strip() and normalize_text(c.snippet) not in normalize_text(raw):
            problems.append(f"[{c.n}] snippet not in the source file of {c.doc_id}")
        if c.chunk_id not in retrieved_chunk_ids:
            problems.append(f"[{c.n}] cited chunk {c.chunk_id} was not retrieved")
    known = {c.n for c in citations}
    for n in sorted({int(m) for m in MARKER.findall(answer)} - known):
        problems.append(f"marker [{n}] names no citation")
    return problems
