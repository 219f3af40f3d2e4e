"""Citations as plain text, the same for every adapter: a label naming the source, and short quotes.

`format_sources` is the numbered list under an answer in the terminal and in OpenAI-compatible replies:
`[1] Title — Section: “the first words of the snippet…”`. The chat UI labels its footnotes with
`citation_label` and quotes the whole snippet in their expandable body.
"""

from __future__ import annotations

from collections.abc import Sequence

from advisor.models import Citation

QUOTE_WORDS = 25
_SEPARATOR = " — "
_ELLIPSIS = "…"
_TRAILING = " \t,;:.–—-"  # punctuation that would dangle before an ellipsis


def citation_label(citation: Citation) -> str:
    """The source of a citation: its title (or document id), its section when that is not empty and differs
    from the title, and its page for paged documents, e.g. `A Career — Steps — p. 3`."""
    title = citation.title.strip() or citation.doc_id
    parts = [title]
    section = citation.section.strip()
    if section and section != title:
        parts.append(section)
    if citation.page is not None:
        parts.append(f"p. {citation.page}")
    return _SEPARATOR.join(parts)


def short_quote(snippet: str, max_words: int = QUOTE_WORDS) -> str:
    """`snippet` on one line, cut after `max_words` words with `…` (never inside a word)."""
    words = snippet.split()
    if len(words) <= max_words:
        return " ".join(words)
    return " ".join(words[:max_words]).rstrip(_TRAILING) + _ELLIPSIS


def format_source(citation: Citation, max_words: int = QUOTE_WORDS) -> str:
    """One line of a source list: `[n] label: “short quote”`."""
    return f"[{citation.n}] {citation_label(citation)}: “{short_quote(citation.snippet, max_words)}”"


def format_sources(citations: Sequence[Citation], max_words: int = QUOTE_WORDS) -> str:
    """`Sources:` and one numbered line per citation, in number order; an empty string when there are none."""
    if not citations:
        return ""
    lines = [format_source(c, max_words) for c in sorted(citations, key=lambda c: c.n)]
    return "\n".join(["Sources:", *lines])


def with_sources(text: str, citations: Sequence[Citation]) -> str:
    """An answer's text followed by a blank line and its sources (just the text when it cites nothing)."""
    sources = format_sources(citations)
    return f"{text}\n\n{sources}" if sources else text
