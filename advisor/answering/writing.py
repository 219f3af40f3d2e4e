"""Chosen units into an answer: reading order, one verbatim citation per run of adjacent units, list items
as bullets, and the answer text stripped of markup a quoted document may carry."""

from __future__ import annotations

from advisor.answering.base import ComposedAnswer
from advisor.answering.evidence import Candidate
from advisor.answering.safety import corpus_urls, strip_unsafe_markup
from advisor.models import Citation


def write_answer(chosen: list[Candidate], leading: list[Candidate] | None = None,
                 preface: str = "") -> ComposedAnswer:
    """The `leading` units first, in the order given (the lead, what continues it, the other side of a
    comparison); then documents in order of their best unit, units in document order. A `preface` (what the
    articles do not cover, or the asker's situation beside the lead) opens the answer; when it does not end
    with a colon it cites the lead."""
    if not chosen:
        return ComposedAnswer(text="", citations=[])
    leading = leading or []
    runs = _runs([*leading, *_reading_order([c for c in chosen if c not in leading])])
    citations: list[Citation] = []
    paragraphs: list[str] = []
    current_doc = None
    for n, run in enumerate(runs, start=1):
        citation = _citation(n, run)
        citations.append(citation)
        sentence = f"{' '.join(citation.snippet.split())} [{n}]"
        if run[0].unit.is_list_item:
            paragraphs.append(f"- {sentence}")
        elif paragraphs and current_doc == citation.doc_id and not paragraphs[-1].startswith("- "):
            paragraphs[-1] += f" {sentence}"
        else:
            paragraphs.append(sentence)
        current_doc = citation.doc_id
    if preface:
        paragraphs.insert(0, preface if preface.rstrip().endswith(":") else f"{preface.rstrip('. ')} [1].")
    text = "\n\n".join(_join_bullets(paragraphs))
    # Quoted documents may carry images, HTML or tracking links (an injected document, say): the answer text
    # keeps only links that appear in the cited text without query strings; snippets stay verbatim.
    text = strip_unsafe_markup(text, corpus_urls(c.chunk.text for c in chosen))
    return ComposedAnswer(text=text, citations=citations)


def follows_directly(first: Candidate, second: Candidate) -> bool:
    """Whether `second` is the very next sentence of the same paragraph as `first`."""
    if first.chunk.chunk_id != second.chunk.chunk_id or first.unit.is_list_item or second.unit.is_list_item:
        return False
    gap = first.chunk.text[first.unit.end - first.chunk.start : second.unit.start - first.chunk.start]
    return gap.strip() == "" and "\n\n" not in gap


def _reading_order(chosen: list[Candidate]) -> list[Candidate]:
    doc_order: dict[str, float] = {}
    for c in sorted(chosen, key=lambda c: -c.score):
        doc_order.setdefault(c.chunk.doc_id, len(doc_order))
    return sorted(chosen, key=lambda c: (doc_order[c.chunk.doc_id], c.unit.start))


def _runs(ordered: list[Candidate]) -> list[list[Candidate]]:
    """Adjacent sentences of one chunk (nothing but white space between them) form one run: one citation."""
    runs: list[list[Candidate]] = []
    for c in ordered:
        last = runs[-1][-1] if runs else None
        if (
            last is not None
            and last.chunk.chunk_id == c.chunk.chunk_id
            and not c.unit.is_list_item
            and not last.unit.is_list_item
            and c.unit.start >= last.unit.end
            and c.chunk.text[last.unit.end - c.chunk.start : c.unit.start - c.chunk.start].strip() == ""
        ):
            runs[-1].append(c)
        else:
            runs.append([c])
    return runs


def _citation(n: int, run: list[Candidate]) -> Citation:
    chunk = run[0].chunk
    start, end = run[0].unit.start, run[-1].unit.end
    return Citation(n=n, doc_id=chunk.doc_id, title=chunk.title, section=chunk.section,
                    snippet=chunk.text[start - chunk.start : end - chunk.start], start=start, end=end,
                    chunk_id=chunk.chunk_id, page=chunk.page)


def _join_bullets(paragraphs: list[str]) -> list[str]:
    """Consecutive bullet lines form one list block."""
    blocks: list[str] = []
    for p in paragraphs:
        if p.startswith("- ") and blocks and blocks[-1].startswith("- "):
            blocks[-1] += f"\n{p}"
        else:
            blocks.append(p)
    return blocks
