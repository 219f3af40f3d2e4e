"""Answer planning: which retrieved sentence should lead the answer, and whether the articles cover what is
asked at all.

The lead is the sentence that answers the question's type about its focus: the definition of the term, the
sentence that settles a yes/no, the figure, the first point of a list or of each side of a comparison. When no
retrieved sentence is about the focus, coverage is "partial": the answer says so first, in plain words, and
offers the closest points as related. Both answerers read the same plan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import numpy as np

from advisor.answering.answer_type import ExpectedQuantity, expected_quantity, states_quantity
from advisor.answering.base import AnswerRequest
from advisor.answering.evidence import Candidate
from advisor.answering.question import QuestionAnalysis, expansions
from advisor.answering.situation import Situation, years_range
from advisor.models import Coverage
from advisor.text import STOPWORDS, tokens_of
from advisor.tuning import Tuning

_ROLE_FITS = {  # the sentence roles that answer each type best
    "definition": ("definition",),
    "figure": ("figure",),
    "steps": ("advice", "list_item"),
    "list": ("list_item", "advice"),
    "advice": ("advice", "figure"),
    "open": ("list_item",),
    "yes_no": ("list_item",),
}
_TOPIC_TYPES = ("yes_no", "open", "comparison")
_COMPARES = re.compile(r"\b(?:better|worse|more|less|higher|lower|than|whereas|while|unlike|compared|"
                       r"versus|vs\.?|rather|instead|differs?|difference)\b", re.I)
_READINESS = re.compile(r"\b(?:enough|ready|qualif\w*|eligible|how\s+long|too\s+(?:early|late|soon)|"
                        r"how\s+many\s+years)\b", re.I)
READINESS_QUERY = "years of clinical practice and experience required"
"""What finds the articles' requirement when an asker who stated their situation asks if they are ready."""


def asks_readiness(question: str) -> bool:
    """Whether `question` asks if the asker is ready or has enough experience ("is 8 years enough?")."""
    return bool(_READINESS.search(question))


# words that ask, not what is asked about
_SCAFFOLD = frozenset("""actually even really still ever usually typically generally exactly specifically
    basically thing things stuff lol pls please quick ok okay anything something someone anyone people guys
    kinda sorta better worth good bad need needs know say said mean means actual regular real normal standard
    one ones side sides part parts""".split())


@dataclass
class AnswerPlan:
    """What the answer should do: lead with `lead` (an index into the candidates) and say what is covered."""

    analysis: QuestionAnalysis
    coverage: Coverage = "full"
    lead: int | None = None
    follow: list[int] = field(default_factory=list)  # units that must come right after the lead
    figure_required: bool = False  # a figure was asked for and nothing else: no figure, no answer
    uncovered: str = ""  # what the articles don't address, in the asker's words
    situation_note: str = ""  # "You mention 8 years in practice; the articles put ... at five to ten years"


def plan_answer(request: AnswerRequest, candidates: list[Candidate], scores: np.ndarray,
                analysis: QuestionAnalysis, situation: Situation | None = None,
                tuning: Tuning | None = None) -> AnswerPlan:
    """The plan for answering `request` from `candidates` (scored like answer sentences)."""
    tuning = tuning or Tuning()
    plan = AnswerPlan(analysis)
    if not candidates:
        return replace(plan, coverage="none")
    stating = _stating_the_figure(candidates, request, analysis)
    if stating is None:  # a figure is all that was asked and no sentence states it
        return replace(plan, coverage="none", figure_required=True)
    if stating:
        plan.lead = max(stating, key=lambda i: scores[i])
        return _relate_situation(plan, candidates, scores, situation, request)
    fits = _ROLE_FITS.get(analysis.type, ())
    bonus = np.array([tuning.lead_role_bonus if c.role in fits else 0.0 for c in candidates])
    if analysis.type == "comparison" and len(analysis.sides) == 2:
        return _plan_comparison(plan, candidates, scores + bonus, request)
    unasked = _not_in_corpus(request, analysis)
    if unasked and not any(_holds(c, unasked) for c in candidates):
        plan.coverage, plan.uncovered = "partial", _phrase(analysis, unasked)
        return plan
    if analysis.named:
        specific = set(tokens_of(analysis.focus)) & request.subject_terms
        about = np.array([
            _names(c, analysis.focus) or (bool(specific) and specific <= set(tokens_of(c.in_context)))
            for c in candidates
        ])
        if not about.any():
            plan.coverage = "partial"
            plan.uncovered = f"what {analysis.focus} is" if analysis.type == "definition" else analysis.focus
            return plan
        plan.lead = int(np.argmax(np.where(about, scores + bonus, -np.inf)))
    else:
        # The sentence that names what is asked and can stand first: its share of the focus's (IDF) weight
        # counts, and a sentence that points back at the one before it would open the answer mid-thought.
        weights = _weights(_focus_terms(request, analysis), request.term_weights)
        shares = np.array([_share(c, weights) if weights else 0.0 for c in candidates])
        dangling = np.array([c.dangling for c in candidates], dtype=float)
        plan.lead = int(np.argmax(scores + bonus + tuning.lead_focus_weight * shares
                                  - tuning.lead_dangling_penalty * dangling))
    return _relate_situation(plan, candidates, scores, situation, request)


def _not_in_corpus(request: AnswerRequest, analysis: QuestionAnalysis) -> list[str]:
    """The asking clause's rare words that no indexed document uses ("burnout", "W2"), when they are what is
    asked about: in a yes/no, open or comparison question. In a how-to or a list question a rare word is
    more often the asker's paraphrase ("how should I rework my CV") than a topic of its own."""
    if analysis.type not in _TOPIC_TYPES:
        return []
    return [w for w in request.unknown_words if w.lower() not in STOPWORDS and w.lower() not in _SCAFFOLD
            and not w.lower().endswith("ly")]


def _holds(candidate: Candidate, unasked: list[str]) -> bool:
    present = set(tokens_of(candidate.in_context))
    return any(set(tokens_of(w)) <= present for w in unasked)


def _stating_the_figure(candidates: list[Candidate], request: AnswerRequest,
                        analysis: QuestionAnalysis) -> list[int] | None:
    """For "how much does X cost?", the units giving X's cost; None when no unit does and the question asks
    nothing else; [] for a question asking no figure."""
    expected = expected_quantity(request.question)
    if expected is None and analysis.type == "figure":  # "ballpark $$ for med directors?": any sum of money
        expected = ExpectedQuantity("money", sole=False)
    if expected is None:
        return []
    specific = request.subject_terms
    if expected.refers_back and request.is_follow_up:
        # "how much does it cost?": the figure must be of what the conversation was about
        specific = request.conversation_terms - set(tokens_of(request.question))
        expected = replace(expected, about=tuple(request.standalone_question.lower().split()))
    stating = [i for i, c in enumerate(candidates) if states_quantity(expected, c.unit.text, specific)]
    return None if not stating and expected.sole else stating


def _focus_terms(request: AnswerRequest, analysis: QuestionAnalysis) -> set[str]:
    """The stemmed terms that say what is asked about (the corpus's topic words and question scaffolding left
    out); for a definition, the term itself."""
    if analysis.type == "definition":
        return set(tokens_of(analysis.focus))
    scaffold = set(tokens_of(" ".join(_SCAFFOLD)))
    asked = analysis.clause or _asking(request)
    return {t for t in tokens_of(asked) if t in request.subject_terms and t not in scaffold}


def _asking(request: AnswerRequest) -> str:
    return request.question if request.is_follow_up else request.standalone_question


def _weights(focus: set[str], term_weights: dict[str, float]) -> dict[str, float]:
    top = max(term_weights.values(), default=1.0)
    return {t: term_weights.get(t, top) for t in focus}


def _share(candidate: Candidate, weights: dict[str, float]) -> float:
    """The share of the focus's (IDF) weight that the unit and its heading hold."""
    if not weights:
        return 1.0
    present = set(tokens_of(candidate.in_context))
    return sum(w for t, w in weights.items() if t in present) / (sum(weights.values()) or 1.0)


def _names(candidate: Candidate, term: str) -> bool:
    """Whether the unit names `term`: as written, what its acronym stands for, or all its meaningful words."""
    text = candidate.in_context.lower()
    forms = [term, *expansions(term)]
    return any(re.search(rf"(?<!\w){re.escape(f.lower())}(?!\w)", text) for f in forms if f) or \
        set(tokens_of(term)) <= set(tokens_of(text))


def _plan_comparison(plan: AnswerPlan, candidates: list[Candidate], scores: np.ndarray,
                     request: AnswerRequest) -> AnswerPlan:
    """One point per side: the best unit naming each side leads, the other side's follows. A question asking
    which is better (or pays more) is covered only by a sentence that names both sides and compares them."""
    a, b = plan.analysis.sides
    named = [np.array([_names_side(c, side, request) for c in candidates]) for side in (a, b)]
    if plan.analysis.evaluative:
        comparing = named[0] & named[1] & np.array([bool(_COMPARES.search(c.unit.text)) for c in candidates])
        if not comparing.any():
            plan.coverage, plan.uncovered = "partial", f"which is better, {a} or {b}"
            return plan
    best: list[int] = []
    for about in named:
        about = about.copy()
        about[best] = False
        if about.any():
            best.append(int(np.argmax(np.where(about, scores, -np.inf))))
    if not best:
        plan.coverage, plan.uncovered = "partial", f"how {a} and {b} compare"
        return plan
    plan.lead, plan.follow = best[0], best[1:]
    return plan


def _names_side(candidate: Candidate, side: str, request: AnswerRequest) -> bool:
    """Whether the unit is about one side of a comparison; a side named only by the corpus's topic words
    ("the actual medical director") is what every unit is about."""
    scaffold = set(tokens_of(" ".join(_SCAFFOLD)))
    specific = [t for t in tokens_of(side) if t in request.subject_terms and t not in scaffold]
    if not specific and not expansions(side):
        return True
    held = set(tokens_of(candidate.in_context))
    return _names(candidate, side) or (bool(specific) and set(specific) <= held)


def _relate_situation(plan: AnswerPlan, candidates: list[Candidate], scores: np.ndarray,
                      situation: Situation | None, request: AnswerRequest) -> AnswerPlan:
    """When the asker stated their years in practice and asks whether they are ready, the sentence stating the
    usual range leads, with a note that puts the two facts side by side (never a verdict)."""
    if situation is None or not (situation.years_in_practice or situation.training):
        return plan
    readiness_type = plan.analysis.type in ("yes_no", "advice", "open", "figure")
    if not readiness_type or not asks_readiness(_asking(request)):
        return plan
    ranged = [i for i, c in enumerate(candidates) if years_range(c.unit.text)]
    if not ranged:
        return plan
    lead = max(ranged, key=lambda i: scores[i])
    stated = years_range(candidates[lead].unit.text)
    assert stated is not None
    if situation.years_in_practice is not None:
        mine = f"{situation.years_in_practice:g} years in practice"
    else:
        mine = f"you are in training ({situation.training})"
    plan.lead = lead
    plan.situation_note = f"You mention {mine}; the articles put the usual requirement at {stated[0]}"
    return plan


def _phrase(analysis: QuestionAnalysis, unasked: list[str]) -> str:
    """What the articles don't address, in the asker's words: the rare words no document uses, quoted."""
    quoted = [f"“{w}”" for w in dict.fromkeys(unasked)][:3]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
