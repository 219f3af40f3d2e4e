"""Citations for generative answers: numbered context units in, verbatim `Citation`s out.

The model sees the retrieved chunks split into numbered sentences and list items (`NumberedContext`), so
a marker [n] names an exact span of a document. `CitationEnforcer` reads the model's text as it streams
and writes the answer the user sees: valid markers renumbered 1..k in order of first appearance,
markers outside the context dropped, uncited sentences cited for the unit that shares most of their
words (or reported as unsupported), and the markup `safety` forbids stripped. Because it works on the
stream, what it emits is final: the enforced answer is exactly the concatenation of its pieces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import regex

from advisor.answering import safety
from advisor.answering.evidence import UNQUOTABLE, roles_of
from advisor.models import Chunk, Citation, RetrievedChunk
from advisor.text import TextUnit, content_words, ends_with_abbreviation, split_units, tokenize

_TERMINAL = re.compile(r"[.!?][\"”’)\]*_]*$")
_MIN_SUBSTANTIVE_WORDS = 4
_WORDS = re.compile(r"\s+|\S+")
_MARKER_NUMBER = re.compile(r"\d{1,3}")
_UNFINISHED = re.compile(r"!\[[^\]]*(?:\]\([^)]*)?$|<[a-zA-Z/][^>]*$")
_REMOVED_COUNTERS = {"image": "images_stripped", "html": "html_stripped", "canary": "canary_redacted"}


@dataclass(frozen=True)
class ContextUnit:
    """One numbered sentence or list item of a retrieved chunk, as offered to the model."""

    number: int
    chunk: Chunk
    unit: TextUnit


class NumberedContext:
    """The retrieved chunks as numbered units, best chunk first, within a character budget."""

    def __init__(self, units: list[ContextUnit]) -> None:
        self.units = units
        self._tokens: list[set[str]] | None = None
        self._urls: set[str] | None = None

    @classmethod
    def build(cls, retrieved: list[RetrievedChunk], max_chars: int) -> NumberedContext:
        """The units of the retrieved chunks, best chunk first; filler and planted instructions (sentence
        roles decided at ingest) are never shown to the model, so it can neither quote nor obey them."""
        units: list[ContextUnit] = []
        seen: set[tuple[str, int, int]] = set()
        used = 0
        for item in sorted(retrieved, key=lambda r: r.rank):
            roles = roles_of(item.chunk)
            for unit in split_units(item.chunk.text, item.chunk.start):
                key = (item.chunk.doc_id, unit.start, unit.end)
                role = roles.get(unit.start)
                if key in seen or not unit.text.strip() or (role is not None and role.role in UNQUOTABLE):
                    continue
                if units and used + len(unit.text) > max_chars:
                    return cls(units)
                seen.add(key)
                used += len(unit.text)
                units.append(ContextUnit(len(units) + 1, item.chunk, unit))
        return cls(units)

    def __len__(self) -> int:
        return len(self.units)

    def number_of(self, chunk_id: str, start: int) -> int | None:
        """The number of the context unit of chunk `chunk_id` starting at `start`, if it is in the context."""
        found = (u.number for u in self.units if u.chunk.chunk_id == chunk_id and u.unit.start == start)
        return next(found, None)

    def get(self, number: int) -> ContextUnit | None:
        return self.units[number - 1] if 1 <= number <= len(self.units) else None

    def render(self) -> str:
        """Passages for the prompt: one <passage> per chunk, one numbered line per unit."""
        blocks: list[str] = []
        current: str | None = None
        for item in self.units:
            if item.chunk.chunk_id != current:
                if current is not None:
                    blocks.append("</passage>")
                source = " — ".join(p for p in (item.chunk.title, item.chunk.section) if p)
                source = safety.neutralize_for_prompt(source).replace('"', "'")
                blocks.append(f'<passage source="{source}">')
                current = item.chunk.chunk_id
            blocks.append(f"[{item.number}] {safety.neutralize_for_prompt(item.unit.text)}")
        if current is not None:
            blocks.append("</passage>")
        return "\n".join(blocks)

    @property
    def allowed_urls(self) -> set[str]:
        if self._urls is None:
            self._urls = safety.corpus_urls(u.chunk.text for u in self.units)
        return self._urls

    def best_support(self, sentence: str, threshold: float) -> ContextUnit | None:
        """The unit holding the largest share (at least `threshold`) of the sentence's stemmed words."""
        if self._tokens is None:  # computed on first need, after the model has started answering
            self._tokens = [set(t) for t in tokenize([u.unit.text for u in self.units])]
        words = set(tokenize([sentence])[0])
        if not words:
            return None
        best, best_share = None, 0.0
        for item, tokens in zip(self.units, self._tokens, strict=True):
            share = len(words & tokens) / len(words)
            if share > best_share:
                best, best_share = item, share
        return best if best_share >= threshold else None


@dataclass
class EnforcementReport:
    """What the enforcer changed; goes into the answer's metadata."""

    dropped_markers: list[int] = field(default_factory=list)
    renumbered: bool = False
    attached: int = 0
    unsupported_sentences: list[str] = field(default_factory=list)
    links_stripped: int = 0
    images_stripped: int = 0
    html_stripped: int = 0
    urls_stripped: int = 0
    canary_redacted: int = 0

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


class CitationEnforcer:
    """Turns a model's streamed text into the enforced answer, piece by piece.

    `feed(delta)` returns the text that is now final (possibly ""), `finish()` the rest. Text that might
    still become a marker, a link, a URL or the canary is held back until it is decided.
    """

    def __init__(self, context: NumberedContext, *, canary: str = "", support_threshold: float = 0.5) -> None:
        self.context = context
        self.support_threshold = support_threshold
        self.citations: list[Citation] = []
        self.report = EnforcementReport()
        self.raw_text = ""
        self._pattern = safety.output_constructs(canary)
        self._starts = set(safety.CONSTRUCT_STARTS + (canary[:1].lower() + canary[:1].upper()))
        self._numbers: dict[tuple[str, int, int], int] = {}
        self._pending = ""
        self._out: list[str] = []
        self._held_ws = ""
        self._sentence = ""
        self._sentence_numbers: set[int] = set()
        self._last_was_marker = False

    @property
    def text(self) -> str:
        return "".join(self._out)

    def feed(self, delta: str) -> str:
        self.raw_text += delta
        self._pending += delta
        start = len(self._out)
        self._drain(final=False)
        return "".join(self._out[start:])

    def finish(self) -> str:
        start = len(self._out)
        # A construct the model never finished ("![chart](http" at the end) is not text to show: an image
        # or a tag cut short is still markup, so it is removed rather than written out as plain text.
        unfinished = _UNFINISHED.search(self._pending)
        if unfinished is not None:
            self._pending = self._pending[: unfinished.start()]
            self.report.images_stripped += unfinished.group(0).startswith("!")
            self.report.html_stripped += unfinished.group(0).startswith("<")
        self._drain(final=True)
        self._close_sentence()
        self._held_ws = ""
        return "".join(self._out[start:])

    # ---- scanning ------------------------------------------------------------------------
    def _drain(self, final: bool) -> None:
        while self._pending:
            m = self._pattern.search(self._pending)
            limit = m.start() if m else len(self._pending)
            hold = None if final else self._undecided_from(limit)
            if hold is None and m is not None and m.lastgroup == "url" and m.end() == len(self._pending) \
                    and not final:
                hold = m.start()  # a URL at the end may still grow
            if hold is not None:
                self._plain(self._pending[:hold])
                self._pending = self._pending[hold:]
                return
            if m is None:
                self._plain(self._pending)
                self._pending = ""
                return
            self._plain(self._pending[: m.start()])
            self._pending = self._construct(m) + self._pending[m.end() :]

    def _undecided_from(self, limit: int) -> int | None:
        """Where a construct that the text received so far cannot yet decide begins, if one does."""
        for i, char in enumerate(self._pending[:limit]):
            if char in self._starts:
                partial = self._pattern.match(self._pending, i, partial=True)
                if partial is not None and partial.partial:
                    return i
        return None

    def _construct(self, m: regex.Match[str]) -> str:
        """Handle one complete construct; returns text to scan again (e.g. the text of a stripped link)."""
        kind = m.lastgroup
        if kind == "marker":
            self._marker(m.group("marker_body"))
        elif kind == "link":
            if safety.is_allowed_url(m.group("link_url"), self.context.allowed_urls):
                self._word(m.group(0))
            else:
                self.report.links_stripped += 1
                return m.group("link_text")
        elif kind == "url":
            url, trailing = safety.split_url(m.group(0))
            if safety.is_allowed_url(url, self.context.allowed_urls):
                self._word(url)
            else:
                self.report.urls_stripped += 1
                self._held_ws += " "
            return trailing
        else:  # image, html, canary: removed; a space keeps the text around them from joining up
            counter = _REMOVED_COUNTERS[kind or "html"]
            setattr(self.report, counter, getattr(self.report, counter) + 1)
            self._held_ws += " "
        return ""

    def _plain(self, text: str) -> None:
        for piece in _WORDS.findall(text):
            if piece.isspace():
                self._held_ws += piece
            else:
                self._word(piece)

    # ---- writing -------------------------------------------------------------------------
    def _emit(self, text: str) -> None:
        if text:
            self._out.append(text)

    def _flush_ws(self, before: str) -> None:
        """Write the whitespace held before `before`, normalised; a new line or sentence closes the last."""
        ws, self._held_ws = self._held_ws, ""
        if not ws or not self._out:
            return
        if "\n" in ws or self._ends_sentence():
            self._close_sentence()
        if "\n" in ws:
            indent = "" if self._last_was_marker else ws[ws.rfind("\n") + 1 :].replace("\t", "    ")
            self._emit("\n" * min(ws.count("\n"), 2) + indent)
            self._sentence += " "
        elif before[:1] not in ",.;:!?)":
            self._emit(" ")
            self._sentence += " "

    def _word(self, word: str) -> None:
        self._flush_ws(word)
        self._emit(word)
        self._sentence += word
        self._last_was_marker = False

    def _ends_sentence(self) -> bool:
        text = self._sentence.rstrip()
        return bool(_TERMINAL.search(text)) and not ends_with_abbreviation(text)

    def _marker(self, body: str) -> None:
        numbers = _parse_marker(body)
        valid = [n for n in numbers if self.context.get(n) is not None]
        self.report.dropped_markers += [n for n in numbers if n not in valid]
        new = [n for n in self._cite(valid) if n not in self._sentence_numbers]
        if not new:
            self._held_ws += " "
            return
        if "\n" in self._held_ws:  # a marker on its own line belongs to the sentence before it
            keep = self._held_ws
            self._held_ws = ""
            self._emit_marker(new)
            self._held_ws = keep
        else:
            self._held_ws = ""
            self._emit_marker(new)

    def _emit_marker(self, numbers: list[int]) -> None:
        lead = "" if self._last_was_marker or not self._out else " "
        self._emit(lead + "".join(f"[{n}]" for n in numbers))
        self._sentence_numbers.update(numbers)
        self._last_was_marker = True

    def _cite(self, numbers: list[int]) -> list[int]:
        """The answer's citation numbers for context units `numbers`, creating citations on first use."""
        cited: list[int] = []
        for number in numbers:
            item = self.context.get(number)
            assert item is not None
            key = (item.chunk.doc_id, item.unit.start, item.unit.end)
            if key not in self._numbers:
                n = len(self.citations) + 1
                self._numbers[key] = n
                self.citations.append(_citation(n, item))
            if self._numbers[key] != number:
                self.report.renumbered = True
            if self._numbers[key] not in cited:
                cited.append(self._numbers[key])
        return cited

    def _close_sentence(self) -> None:
        """End the current sentence; if it states something but cites nothing, support it or report it."""
        sentence = " ".join(self._sentence.split())
        substantive = len(content_words(sentence)) >= _MIN_SUBSTANTIVE_WORDS
        if sentence and substantive and not self._sentence_numbers:
            support = self.context.best_support(sentence, self.support_threshold)
            if support is not None:
                self.report.attached += 1
                self._emit_marker(self._cite([support.number]))
            else:
                self.report.unsupported_sentences.append(sentence[:300])
        self._sentence = ""
        self._sentence_numbers = set()


def _parse_marker(body: str) -> list[int]:
    """Numbers in a marker body: "1", "1, 2", "1-3" (short ranges expanded), "Passage 4"."""
    numbers: list[int] = []
    for part in re.split(r"\s*(?:,|;|\band\b)\s*", body):
        found = [int(x) for x in _MARKER_NUMBER.findall(part)]
        if len(found) == 2 and re.search(r"[-–]", part) and 0 <= found[1] - found[0] <= 10:
            found = list(range(found[0], found[1] + 1))
        numbers += [n for n in found if n not in numbers]
    return numbers


def _citation(n: int, item: ContextUnit) -> Citation:
    chunk, unit = item.chunk, item.unit
    snippet = chunk.text[unit.start - chunk.start : unit.end - chunk.start]
    return Citation(n=n, doc_id=chunk.doc_id, title=chunk.title, section=chunk.section, snippet=snippet,
                    start=unit.start, end=unit.end, chunk_id=chunk.chunk_id, page=chunk.page)
