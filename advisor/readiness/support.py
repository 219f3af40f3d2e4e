"""The sentences that support the rubric, found in the index: one per requirement and per plan step.

Each rubric entry's `query` is retrieved like a question; among the answer units of the retrieved chunks
(filler and planted instructions are never candidates) the ones holding a term of every `support` list are
scored as the answerer scores answer sentences, and the best is cited verbatim. An entry with no such unit
is unsupported: the report leaves it out, so a portal whose documents differ gets a report that follows them.

Queries do not depend on the profile, so the sentences are found once per index version and rubric and
reused by every report (`SupportIndex`).
"""

from __future__ import annotations

import re
import threading
import weakref
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from advisor.answering.base import AnswerRequest
from advisor.answering.evidence import UNQUOTABLE, candidates_of, roles_of
from advisor.answering.question import analyse
from advisor.readiness.rubric import Rubric
from advisor.text import TextUnit, split_units

if TYPE_CHECKING:
    from advisor.models import Chunk
    from advisor.service import Advisor

RETRIEVE_K = 8
"""Chunks read per query: a few more than an answer reads, since the supporting unit must name its terms."""


@dataclass(frozen=True)
class Support:
    """The sentence (or list item) that supports one rubric entry: a verbatim span of its document."""

    unit: TextUnit
    chunk: Chunk


@dataclass
class RubricSupport:
    """What the index supports of one rubric: entry id → its sentence (requirements and steps apart)."""

    index_version: str
    requirements: dict[str, Support] = field(default_factory=dict)
    steps: dict[str, Support] = field(default_factory=dict)
    unsupported_requirements: list[str] = field(default_factory=list)
    unsupported_steps: list[str] = field(default_factory=list)


@lru_cache(maxsize=512)
def _term_pattern(term: str) -> re.Pattern[str]:
    """A term as a whole word: an all-capitals term (an acronym: MD, DO, CV) matches only in capitals, any
    other in any case; a trailing `*` matches any ending ("regulat*": regulation, regulatory)."""
    prefix = term.endswith("*")
    body = re.escape(term.rstrip("*"))
    ending = r"\w*" if prefix else r"(?!\w)"
    flags = 0 if term.rstrip("*").isupper() else re.I
    return re.compile(rf"(?<!\w){body}{ending}", flags)


def supports(text: str, groups: list[list[str]]) -> bool:
    """Whether `text` holds a term of every group."""
    return all(any(_term_pattern(t).search(text) for t in group) for group in groups)


def find_support(advisor: Advisor, query: str, groups: list[list[str]]) -> Support | None:
    """The unit that best answers `query` among the retrieved ones holding a term of every group (with the
    sentence before it when it points back at it); None when no unit qualifies."""
    retrieved = advisor.retrieve(query, k=RETRIEVE_K)
    if not retrieved:
        return None
    terms = advisor.index.terms
    specific = terms.specific_terms(query)
    request = AnswerRequest(question=query, standalone_question=query, retrieved=retrieved,
                            focused_question=terms.focus(query), subject_terms=specific,
                            conversation_terms=specific, term_weights=terms.term_weights(query),
                            analysis=analyse(query))
    candidates = candidates_of(request)
    if not candidates:
        return None
    scores, _ = advisor.scorer.scores(candidates, request)
    eligible = sorted((i for i, c in enumerate(candidates) if supports(c.unit.text, groups)),
                      key=lambda i: -float(scores[i]))
    for i in eligible:
        candidate = candidates[i]
        if not candidate.dangling:
            return Support(candidate.unit, candidate.chunk)
        # A sentence that opens by pointing back ("They must also...") is quoted with the one before it.
        joined = with_antecedent(candidate.unit, candidate.chunk)
        if joined is not None:
            return Support(joined, candidate.chunk)
    return None


def with_antecedent(unit: TextUnit, chunk: Chunk) -> TextUnit | None:
    """The unit together with the sentence before it in the same paragraph of the chunk (one verbatim span),
    or None when it opens its paragraph or chunk, or the sentence before may not be quoted."""
    units = split_units(chunk.text, chunk.start)
    position = next((n for n, u in enumerate(units) if u.start == unit.start), 0)
    if position == 0 or unit.is_list_item:
        return None
    before = units[position - 1]
    between = chunk.text[before.end - chunk.start:unit.start - chunk.start]
    role = roles_of(chunk).get(before.start)
    if before.is_list_item or "\n" in between or (role is not None and role.role in UNQUOTABLE):
        return None
    return TextUnit(chunk.text[before.start - chunk.start:unit.end - chunk.start], before.start, unit.end)


def resolve(advisor: Advisor, rubric: Rubric) -> RubricSupport:
    """Find the supporting sentence of every requirement and step of `rubric` in the advisor's index."""
    found = RubricSupport(advisor.index.index_version)
    for requirement in rubric.requirements:
        support = find_support(advisor, requirement.query, requirement.support)
        if support is None:
            found.unsupported_requirements.append(requirement.id)
        else:
            found.requirements[requirement.id] = support
    for step in rubric.steps:
        support = find_support(advisor, step.query, step.support)
        if support is None:
            found.unsupported_steps.append(step.id)
        else:
            found.steps[step.id] = support
    return found


class SupportIndex:
    """The rubric's supporting sentences for one advisor, found again when its index changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._found: dict[int, RubricSupport] = {}  # by id(rubric): a content owner's rubric is another one
        self._rubrics: dict[int, Rubric] = {}  # kept alive while their support is cached

    def get(self, advisor: Advisor, rubric: Rubric) -> RubricSupport:
        version = advisor.index.index_version
        found = self._found.get(id(rubric))
        if found is not None and found.index_version == version:
            return found
        with self._lock:
            found = self._found.get(id(rubric))
            if found is None or found.index_version != version:
                found = resolve(advisor, rubric)
                self._found[id(rubric)] = found
                self._rubrics[id(rubric)] = rubric
        return found


_INDEXES: weakref.WeakKeyDictionary[Advisor, SupportIndex] = weakref.WeakKeyDictionary()
_INDEXES_LOCK = threading.Lock()


def support_index(advisor: Advisor) -> SupportIndex:
    """The advisor's `SupportIndex` (one per advisor, created on first use)."""
    with _INDEXES_LOCK:
        index = _INDEXES.get(advisor)
        if index is None:
            index = _INDEXES[advisor] = SupportIndex()
        return index
