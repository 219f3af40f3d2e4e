"""Answers and questions as safe HTML for the chat UI: all text is escaped, citations become footnotes.

The chat UI shows messages as HTML (markdown rendering is off), so this module is the one place where text
from users, documents and answerers is turned into markup. Nothing here trusts its input.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

from advisor.formatting import citation_label
from advisor.models import Citation, SourceInfo

_MARKER = re.compile(r"\[(\d{1,3})\]")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in _PARAGRAPH_BREAK.split(text) if p.strip()]


def render_question(text: str) -> str:
    """A user's message: escaped, newlines kept, no wrapping markup (screen readers read it as is)."""
    return escape(text.strip()).replace("\n", "<br>")


def render_plain(text: str) -> str:
    """`text` escaped, as paragraphs, with single newlines kept as line breaks."""
    return "".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>" for p in _paragraphs(text)) or "<p></p>"


def render_pending(text: str = "") -> str:
    """An answer still being written: the text so far, then a "Writing the answer" cue. The page hides the
    answer's feedback buttons while it carries the `answer-pending` class (static/chat.css)."""
    so_far = render_plain(text) if text.strip() else ""
    return (f'<div class="answer-pending">{so_far}'
            '<p class="writing-cue" role="status">Writing the answer<span class="dots" aria-hidden="true">'
            '<span class="dot">.</span><span class="dot">.</span><span class="dot">.</span></span></p></div>')


def render_failure(text: str) -> str:
    """A message saying an answer could not be given: escaped, with no feedback buttons (nothing to rate)."""
    return f'<div class="answer-failed">{render_plain(text)}</div>'


def _mark_citations(escaped: str, known: set[int]) -> str:
    """Set the `[n]` markers of cited numbers as superscripts (the input is already escaped)."""

    def mark(match: re.Match[str]) -> str:
        n = int(match.group(1))
        if n not in known:
            return match.group(0)
        # A button for the page's script (static/chat.js): a click or Enter opens footnote n. (Gradio's
        # sanitizer keeps role, tabindex and title; it drops data-* and aria-label.)
        return f'<sup class="cite-ref" role="button" tabindex="0" title="Show source {n}">[{n}]</sup>'

    return _MARKER.sub(mark, escaped)


def render_citation(citation: Citation) -> str:
    """One footnote: a <details> whose summary names the source (`advisor.formatting.citation_label`, as in
    every adapter) and whose body quotes the whole snippet."""
    return (
        f'<details class="citation" data-cite="{citation.n}">'
        f'<summary><span class="cite-n">[{citation.n}]</span> {escape(citation_label(citation))}</summary>'
        f'<blockquote class="cite-snippet">{escape(citation.snippet)}</blockquote>'
        "</details>"
    )


def render_answer(text: str, citations: Sequence[Citation] = ()) -> str:
    """An answer as HTML: escaped paragraphs with linked `[n]` markers, then one expandable footnote each."""
    known = {c.n for c in citations}
    body = "".join(
        f"<p>{_mark_citations(escape(p), known).replace(chr(10), '<br>')}</p>" for p in _paragraphs(text)
    )
    if not citations:
        return body or "<p></p>"
    notes = "".join(render_citation(c) for c in sorted(citations, key=lambda c: c.n))
    return f'{body}<div class="citations"><p class="cite-head">Sources</p>{notes}</div>'


def render_sources(sources: Sequence[SourceInfo]) -> str:
    """The Sources tab: a list of the indexed documents with their site and chunk counts."""
    if not sources:
        return '<p class="sources-empty">No documents are indexed yet. Run <code>advisor ingest</code>.</p>'
    items = []
    for source in sorted(sources, key=lambda s: s.title.lower()):
        site = f' <span class="source-site">({escape(source.site)})</span>' if source.site else ""
        items.append(
            f'<li class="source"><span class="source-title">{escape(source.title)}</span>{site}'
            f' <span class="source-chunks">{source.chunk_count} passages</span></li>'
        )
    return f'<p>{len(sources)} documents back the answers:</p><ul class="sources">{"".join(items)}</ul>'
