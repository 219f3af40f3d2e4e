"""Text units shared by ingestion, retrieval, answering and the adapters: one of each.

- sentences and list items with exact character spans (`split_sentences`, `split_units`, `answer_units`);
- words (`words`, `content_words`) and the number-aware lexer of quantity questions (`figure_tokens`);
- search terms: lower-cased, stemmed, stop words removed (`tokenize`, `tokens_of`, `stem`), the same for
  chunks and questions;
- the bullet of a list item (`BULLET`) and the stop words (`STOPWORDS`).

The evaluation's scoring keeps its own normaliser (`advisor/evaluation/metrics.py`) on purpose: a metric that
shared the answerer's tokenizer would agree with the answerer's mistakes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

BULLET = re.compile(r"^\s*(?:[-*+•▪◦·]|\d+[.)])\s+")
ABBREVIATIONS = frozenset(
    "dr mr mrs ms vs st jr sr e.g i.e etc inc no u.s m.d d.o ph.d approx dept fig".split()
)
# A sentence ends at . ! or ? (plus closing quotes/brackets) followed by space and an upper-case start.
_BOUNDARY = re.compile(r"[.!?][\"”’)\]]*\s+(?=[\"“(\[]?[A-Z0-9])")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-]*")
_LETTER_WORD = re.compile(r"[A-Za-z][A-Za-z’'-]*")
_FIGURE_TOKEN = re.compile(r"\$?\d[\d,.]*%?|[a-z][a-z']*")

MIN_UNIT_WORDS = 6
"""Sentences shorter than this are no answer on their own (headings, fragments); list items always are."""


@dataclass(frozen=True)
class TextUnit:
    """A sentence or a whole list item: `text == source[start:end]`."""

    text: str
    start: int
    end: int
    is_list_item: bool = False


def is_list_item(block: str) -> bool:
    return bool(BULLET.match(block))


def ends_with_abbreviation(text: str) -> bool:
    """Whether `text` ends with an abbreviation ("Dr.", "e.g.") or an initial: its period ends no sentence."""
    last = text.rstrip('.!?"”’)]*_ ').rsplit(None, 1)
    word = last[-1].lower() if last else ""
    return word in ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def split_sentences(text: str, offset: int = 0) -> list[TextUnit]:
    """Split a paragraph into sentences, keeping exact spans (relative to `offset`)."""
    units: list[TextUnit] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        candidate = text[start : match.start() + 1]
        if ends_with_abbreviation(candidate):
            continue
        end = match.end()
        piece = text[start:end].rstrip()
        if piece:
            units.append(TextUnit(piece, offset + start, offset + start + len(piece)))
        start = end
    tail = text[start:].rstrip()
    if tail:
        units.append(TextUnit(tail, offset + start, offset + start + len(tail)))
    return units


def split_units(text: str, offset: int = 0) -> list[TextUnit]:
    """Units of a chunk's text: each list item whole (without its bullet), each paragraph by sentence."""
    units: list[TextUnit] = []
    position = 0
    for block in text.split("\n\n"):
        block_start = text.index(block, position)
        position = block_start + len(block)
        stripped = block.strip()
        if not stripped:
            continue
        lead = len(block) - len(block.lstrip())
        bullet = BULLET.match(stripped)
        if bullet:
            body = stripped[bullet.end() :]
            start = offset + block_start + lead + bullet.end()
            units.append(TextUnit(body, start, start + len(body), is_list_item=True))
        else:
            units.extend(split_sentences(stripped, offset + block_start + lead))
    return units


@lru_cache(maxsize=16_384)
def answer_units(text: str, offset: int = 0) -> tuple[TextUnit, ...]:
    """Units that can stand in an answer: whole list items and full sentences (no questions, no intros).

    Remembered per chunk text: every question reads its retrieved chunks' units again."""
    return tuple(
        u
        for u in split_units(text, offset)
        if (u.is_list_item or len(u.text.split()) >= MIN_UNIT_WORDS)
        and not u.text.rstrip().endswith(("?", ":"))
    )


def unit_in_context(unit_text: str, section: str, title: str) -> str:
    """A unit as it is embedded and scored: under its section heading, which often names what it is about."""
    return f"{section}: {unit_text}" if section and section != title else unit_text


def words(text: str, letters_only: bool = False) -> list[str]:
    """The words of `text` as written; with `letters_only`, words start with a letter and hold no digits."""
    return (_LETTER_WORD if letters_only else _WORD).findall(text)


def content_words(text: str, stopwords: frozenset[str] | None = None) -> list[str]:
    """Lower-cased words of `text` that carry meaning (not stop words)."""
    stop = STOPWORDS if stopwords is None else stopwords
    return [w for w in (m.lower().strip("'’-") for m in _WORD.findall(text)) if w and w not in stop]


def figure_tokens(text: str) -> list[str]:
    """Lower-cased words and figures ("$250,000", "5", "20%") of `text`, hyphens read as spaces ("5-10")."""
    return _FIGURE_TOKEN.findall(text.lower().replace("-", " "))


def storable_text(value: str) -> str:
    """`value`, if it can be encoded (UTF-8) and stored; raises ValueError (a 422) for a lone surrogate,
    which JSON's `\\ud800` escapes can carry and no tokenizer or database accepts, or for a NUL character."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode (it holds a lone surrogate)") from None
    if "\x00" in value:
        raise ValueError("text must not hold NUL characters")
    return value


# ---- search terms ----------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


def stem(word: str) -> str:
    return str(_stemmer().stemWord(word.lower()))


@lru_cache(maxsize=1)
def _search_stopwords() -> list[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return sorted(set(STOPWORDS_EN) | STOPWORDS)


def tokenize(texts: list[str]) -> list[list[str]]:
    """Lower-cased, stemmed tokens without stop words or question filler: the same for chunks and queries."""
    import bm25s

    return bm25s.tokenize(  # type: ignore[no-any-return]
        texts, stopwords=_search_stopwords(), stemmer=_stemmer(), return_ids=False, show_progress=False
    )


@lru_cache(maxsize=65_536)
def tokens_of(text: str) -> tuple[str, ...]:
    """`tokenize` of one short text, remembered: questions and answer sentences recur."""
    return tuple(tokenize([text])[0])


STOPWORDS = frozenset(
    """a an the and or but if then so of to in on at by for with from as is are was were be been being it
    its this that these those there their they them he she his her you your yours we our us i me my mine
    do does did doing have has had having can could should would may might must will shall not no nor
    than too very just also about into over under again further once here when where why how what which
    who whom whose all any both each few more most other some such only own same up down out off s t
    don't can't won't isn't aren't i'm i've what's let's let tell explain describe please give list show
    much many one ones help helps become becoming get getting need want make good best way ways
    important really someone kind type types thing things know like i'd i'll you're""".split()
)
