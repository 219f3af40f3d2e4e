"""A profile in a conversation: facts the asker states feed it, and "am I ready?" or "what should I do next?"
is answered with their readiness report instead of a general answer.

Used when the caller sends a profile with a chat message (`/v1/chat`, `/v1/chat/completions`, the chat UI
after the "My path" form); without one, the conversation is answered as always. The profile the caller sent
wins over what the asker wrote; what they wrote fills the fields the profile leaves empty.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Literal

from pydantic import ValidationError

from advisor.answer_stream import StreamEvent
from advisor.answering.base import ComposedAnswer, stream_text
from advisor.answering.situation import situation_of
from advisor.models import Answer, Citation, Turn
from advisor.readiness.markdown import STATUS_LABELS
from advisor.readiness.profile import Profile
from advisor.readiness.report import ReadinessReport
from advisor.readiness.rubric import PHASES

if TYPE_CHECKING:
    from advisor.service import Advisor

PersonalQuestion = Literal["ready", "next"]

_READY = re.compile(
    r"\b(?:am\s+i\s+(?:ready|qualified|eligible|a\s+(?:good|strong)\s+candidate)|do\s+i\s+qualify|"
    r"how\s+(?:close|far)\s+(?:am\s+i|off\s+am\s+i)|do\s+i\s+have\s+what\s+it\s+takes|what\s+am\s+i\s+missing|"
    r"(?:where|how)\s+do\s+i\s+stand|my\s+(?:readiness|gaps?))\b", re.I)
_NEXT = re.compile(
    r"\b(?:what\s+(?:should|do|can|would)\s+i\s+do\s+(?:next|now|first)|(?:my\s+)?next\s+steps?\b|"
    r"where\s+(?:do|should)\s+i\s+(?:start|begin)|(?:my|a)\s+(?:90|ninety)[- ]day\s+plan|my\s+(?:plan|path)|"
    r"how\s+do\s+i\s+get\s+there|what\s+should\s+i\s+work\s+on)", re.I)

_DEGREE = re.compile(r"\b(?:i'?m|i\s+am|as)\s+an?\s+(MD|DO)\b")
_NO_ADMIN = re.compile(r"\b(?:no|zero|without|don'?t\s+have\s+any|haven'?t\s+had\s+any)\s+"
                       r"(?:admin(?:istrative)?|leadership|management)\s+(?:experience|roles?)\b", re.I)
_EDUCATION = re.compile(r"\bi\s+(?:have|hold|got|did|earned|completed|finished)\s+(?:an?\s+|my\s+)?"
                        r"(MBA|MHA|MPH|MMM|CPE|CMQ)\b", re.I)
_COMMITTEE = re.compile(r"\bi(?:'m|\s+am)?\s+(?:on|sit\s+on|serve\s+on|chair)\s+(?:the\s+|a\s+|our\s+)?"
                        r"([a-z&][\w&\s-]{1,40}?)\s+committee\b", re.I)
_OFFERED = re.compile(r"\boffered\s+(?:an?\s+|the\s+)?((?:assistant|associate)\s+medical\s+director)\b", re.I)
_MENTOR = re.compile(r"\b(?:i\s+have|i'?ve\s+got)\s+a\s+mentor\b", re.I)
_NO_MENTOR = re.compile(r"\b(?:no\s+mentor|don'?t\s+have\s+a\s+mentor|without\s+a\s+mentor)\b", re.I)


def personal_question(question: str) -> PersonalQuestion | None:
    """"ready" for "am I ready?", "next" for "what should I do next?", else None."""
    if _NEXT.search(question):
        return "next"
    if _READY.search(question):
        return "ready"
    return None


def stated_profile(messages: list[str]) -> Profile:
    """The profile facts the asker stated in `messages` (theirs only): years in practice, training year and
    specialty as `advisor.answering.situation` reads them, and a few first-person statements (a degree,
    "no admin experience", "I have an MBA", "I'm on the quality committee", an offered director title, a
    mentor)."""
    situation = situation_of(messages)
    facts: dict[str, object] = {}
    if situation.years_in_practice is not None:
        facts["years_in_practice"] = situation.years_in_practice
    if situation.training:
        facts["training_year"] = _training_year(situation.training)
    if situation.specialty:
        facts["specialty"] = situation.specialty
    text = "\n".join(messages)
    if degree := _DEGREE.search(text):
        facts["degree"] = degree.group(1)
    roles: list[str] = []
    committees: list[str] = []
    if _NO_ADMIN.search(text):
        facts["roles"] = facts["committees"] = []
    committees += [f"{m.group(1).strip()} committee" for m in _COMMITTEE.finditer(text)]
    roles += [f"{m.group(1).lower()} (offered)" for m in _OFFERED.finditer(text)]
    if committees:
        facts["committees"] = list(dict.fromkeys(committees))
    if roles:
        facts["roles"] = list(dict.fromkeys(roles))
    education = [m.group(1).upper() for m in _EDUCATION.finditer(text)]
    if education:
        facts["education"] = list(dict.fromkeys(education))
    if _NO_MENTOR.search(text):
        facts["mentor"] = False
    elif _MENTOR.search(text):
        facts["mentor"] = True
    valid = {}
    for name, value in facts.items():  # a fact that does not validate is left out, never an error
        try:
            Profile.model_validate({name: value})
        except ValidationError:
            continue
        valid[name] = value
    return Profile.model_validate(valid)


def _training_year(training: str) -> str:
    lowered = training.lower()
    if lowered.startswith("pgy"):
        return training.upper().replace(" ", "")
    if lowered.startswith("fellow"):
        return "fellowship"
    if lowered.startswith("intern"):
        return "intern"
    if "student" in lowered:
        return "medical student"
    return "residency"


def merge(given: Profile, stated: Profile) -> Profile:
    """`given` with the fields it leaves empty filled from `stated`."""
    facts = stated.model_dump(exclude_none=True)
    facts.update(given.model_dump(exclude_none=True))
    return Profile.model_validate(facts)


def personal_answer(advisor: Advisor, question: str, history: list[Turn], profile: Profile) -> Answer | None:
    """The answer to "am I ready?" / "what should I do next?" from the readiness report of `profile` merged
    with what the asker stated; None for any other question, or when nothing at all is known about them."""
    kind = personal_question(question)
    if kind is None:
        return None
    started = time.perf_counter()
    merged = merge(profile, stated_profile([*(t.content for t in history if t.role == "user"), question]))
    if merged.is_empty:
        return None
    report = advisor.readiness(merged)
    if not report.requirements:
        return None
    text, citations = compose_personal(report, kind)
    return Answer(question=question, standalone_question=question, text=text, citations=citations,
                  coverage="full", act="career", answerer="readiness",
                  timings_ms={"total": (time.perf_counter() - started) * 1000},
                  metadata={"readiness": kind, "gaps": report.gaps})


def answer_with_profile(advisor: Advisor, question: str, history: list[Turn],
                        profile: Profile | None) -> Answer:
    """The personal answer when `profile` is given and the question is about the asker, else `advisor.ask`."""
    answer = personal_answer(advisor, question, history, profile) if profile is not None else None
    return answer or advisor.ask(question, history=history)


def stream_with_profile(advisor: Advisor, question: str, history: list[Turn],
                        profile: Profile | None) -> Iterator[StreamEvent]:
    """Like `answer_with_profile`, as the stream events `Advisor.ask_stream` yields."""
    answer = personal_answer(advisor, question, history, profile) if profile is not None else None
    if answer is None:
        yield from advisor.ask_stream(question, history=history)
        return
    for piece in stream_text(ComposedAnswer(text=answer.text, citations=answer.citations)):
        yield StreamEvent(delta=piece)
    yield StreamEvent(answer=answer)


def compose_personal(report: ReadinessReport, kind: PersonalQuestion) -> tuple[str, list[Citation]]:
    """The answer's text and citations: the requirements measured (for "ready") or the plan (for "next"),
    with the top gaps, each statement cited and the citations numbered in order of use."""
    numbers: dict[int, int] = {}
    used: list[Citation] = []

    def cite(citation: Citation) -> str:
        if citation.n not in numbers:
            numbers[citation.n] = len(numbers) + 1
            used.append(citation.model_copy(update={"n": numbers[citation.n]}))
        return f"[{numbers[citation.n]}]"

    titles = {r.id: r.title.lower() for r in report.requirements}
    gaps = ", ".join(titles[g] for g in report.gaps)
    lines: list[str] = []
    if kind == "ready":
        lines.append("Here is how what you have told me compares with what the articles ask for:")
        for r in report.requirements:
            if r.status != "unknown":
                note = r.note[:r.note.rfind(" [")] if r.note.endswith("]") else r.note
                lines.append(f"- {STATUS_LABELS[r.status]}: {note} {cite(r.citation)}")
        unknown = [r.title.lower() for r in report.requirements if r.status == "unknown"]
        if unknown:
            lines.append(f"Not stated yet: {', '.join(unknown)}.")
        lines.append(f"Your most important gaps: {gaps}." if gaps
                     else "None of the requirements checked is a gap.")
        first = [s for s in report.plan if s.phase == PHASES[0]][:2]
        if first:
            lines.append("To start: " + " ".join(f"{s.step} {cite(s.citation)}" for s in first))
    else:
        lines.append(f"Your next 90 days, chosen for your gaps ({gaps}):" if gaps
                     else "Your next 90 days, from the articles:")
        for phase in PHASES:
            steps = [s for s in report.plan if s.phase == phase]
            if steps:
                cited = " ".join(f"{s.step} {cite(s.citation)}" for s in steps)
                lines.append(f"{phase.capitalize()}: {cited}")
    return "\n".join(lines), used
