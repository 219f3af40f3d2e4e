"""The asker's stated situation ("im a hospitalist w/ 8 yrs of practice", "PGY-2 in peds"), read from what
they wrote in the conversation, so answers can relate the articles' requirements to it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                 "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20}
_NUMBER = r"(\d{1,2}(?:\.\d)?|" + "|".join(_NUMBER_WORDS) + r")"
_YEARS = re.compile(
    rf"\b{_NUMBER}\s*\+?\s*(?:-|\s)?(?:years?|yrs?)\b(?:\s+(?:of|in|as|into|out\s+of))?"
    r"(?:\s+(?:clinical\s+)?(?:practice|practicing|practising|experience|attending|clinical|in\s+practice|"
    r"post[- ]residency|out\s+of\s+(?:residency|training)))?",
    re.I,
)
_SELF_YEARS = re.compile(
    rf"\b(?:i(?:'ve|\s+have)?\s+(?:been\s+)?(?:practi[cs]ing|practi[cs]ed|working|an?\s+attending)\b[^.?!]{{0,30}}?"
    rf"|(?:i'?m|i\s+am)\b[^.?!]{{0,60}}?\b(?:with|w/?|after|,)\s*){_NUMBER}\s*\+?\s*(?:years?|yrs?)\b",
    re.I,
)
_TRAINING = re.compile(r"\b(PGY-?\s?\d|intern(?:ship)?|resident|residency|fellow(?:ship)?|"
                       r"med(?:ical)?\s+student)\b",
                       re.I)
_SPECIALTY = re.compile(
    r"\b(hospitalist|internist|surgeon|anesthesiologist|radiologist|pediatrician|psychiatrist|cardiologist|"
    r"oncologist|neurologist|emergency\s+medicine|EM|internal\s+medicine|IM|family\s+medicine|FM|pediatrics|peds|"
    r"psychiatry|surgery|anesthesiology|radiology|cardiology|oncology|neurology|obstetrics|OB(?:/?GYN)?|"
    r"geriatrics|critical\s+care|primary\s+care)\b"
)


@dataclass(frozen=True)
class Situation:
    """What the asker said about themselves; every field may be unknown."""

    years_in_practice: float | None = None
    training: str | None = None  # "PGY-2", "residency", "fellowship"
    specialty: str | None = None

    @property
    def known(self) -> bool:
        return any(v is not None for v in (self.years_in_practice, self.training, self.specialty))


def situation_of(messages: Iterable[str]) -> Situation:
    """The situation stated across the asker's messages; a later statement replaces an earlier one."""
    situation = Situation()
    for message in messages:
        years = _self_years(message)
        if years is not None:
            situation = replace(situation, years_in_practice=years)
        training = _TRAINING.search(message)
        if training and re.search(r"\b(?:i'?m|i\s+am|as\s+an?|currently)\b|PGY", message, re.I):
            situation = replace(situation, training=" ".join(training.group(1).split()))
        specialty = _SPECIALTY.search(message)
        about_me = re.search(r"\b(?:i'?m|i\s+am|as\s+an?|doc|physician|attending|here|in)\b", message, re.I)
        if specialty and about_me:
            situation = replace(situation, specialty=specialty.group(1))
    return situation


def _self_years(message: str) -> float | None:
    """Years in practice the asker states about themselves ("i'm a hospitalist with 8 years of practice")."""
    match = _SELF_YEARS.search(message)
    if match is None:
        first_person = re.search(r"\b(?:i'?m|i\s+am|i'?ve|i\s+have|my)\b", message, re.I)
        match = _YEARS.search(message) if first_person else None
        practice = r"practi|experience|attending|clinical|post|out\s+of"
        if match is None or not re.search(practice, match.group(0), re.I):
            return None
    return _number(match.group(1))


def _number(text: str) -> float:
    return float(_NUMBER_WORDS.get(text.lower(), text))


_RANGE = re.compile(
    rf"\b{_NUMBER}\s*(?:-|–|to)\s*{_NUMBER}\s+years?\b", re.I
)


def years_range(sentence: str) -> tuple[str, float, float] | None:
    """A range of years a sentence states ("five to ten years", "5-10 years"): (as written, low, high)."""
    match = _RANGE.search(sentence)
    if match is None:
        return None
    return match.group(0), _number(match.group(1)), _number(match.group(2))
