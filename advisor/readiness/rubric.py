"""The readiness rubric: requirements, the profile facts that meet them, and the 30/60/90-day steps.

It is data (`advisor/resources/readiness_rubric.json`), loaded and checked here: every condition names a
profile field or a requirement that exists, every pattern compiles, every template names known facts. What
the rubric never holds is the text a report cites: each requirement and step carries the question (`query`)
that finds its supporting sentence in the index, and the terms (`support`) that sentence must contain.

A status is decided by the first list among `met`, `partly` and `not_yet` with a condition that holds, else
it is "unknown"; the deciding condition's `says` describes the profile's side of the note.
"""

from __future__ import annotations

import json
import re
import string
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from advisor.readiness.profile import SETTINGS, Profile, profile_fields
from advisor.resources import read_resource

Status = Literal["met", "partly", "not_yet", "unknown"]
Phase = Literal["days 1-30", "days 31-60", "days 61-90"]
PHASES: tuple[Phase, ...] = ("days 1-30", "days 31-60", "days 61-90")
DECIDED: tuple[Status, ...] = ("met", "partly", "not_yet")
GAP_STATUSES = frozenset({"not_yet", "partly"})
SENTENCE_FACTS = frozenset({"years_range"})
"""Placeholders of `articles` templates, filled from the cited sentence (`years_range`: "five to ten
years")."""


class RubricError(ValueError):
    """The rubric file is not valid; the message names the file and what is wrong."""


class Condition(BaseModel):
    """One test on a profile fact (`fact` with one of is/in/at_least/above/matches/given/nonempty), on
    another requirement's status (`status_of` with `statuses`), or any of several (`any`)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    fact: str | None = None
    status_of: str | None = None
    any: list[Condition] | None = None
    is_: bool | str | None = Field(None, alias="is")
    in_: list[str] | None = Field(None, alias="in")
    at_least: float | None = None
    above: float | None = None
    matches: str | None = None
    given: bool | None = None
    nonempty: bool | None = None
    statuses: list[Status] | None = None
    says: str | None = None

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        kinds = [k for k in ("fact", "status_of", "any") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("a condition has exactly one of `fact`, `status_of`, `any`")
        tests = [k for k in ("is_", "in_", "at_least", "above", "matches", "given", "nonempty")
                 if getattr(self, k) is not None]
        if self.fact is not None and len(tests) != 1:
            raise ValueError(f"condition on {self.fact!r}: give exactly one of is, in, at_least, above, "
                             "matches, given, nonempty")
        if self.status_of is not None and (tests or not self.statuses):
            raise ValueError(f"condition on the status of {self.status_of!r}: give `statuses` and nothing "
                             "else")
        if self.matches is not None:
            try:
                re.compile(self.matches)
            except re.error as exc:
                raise ValueError(f"pattern {self.matches!r} does not compile: {exc}") from exc
        return self

    @cached_property
    def pattern(self) -> re.Pattern[str] | None:
        return re.compile(self.matches, re.I) if self.matches is not None else None


class Requirement(BaseModel):
    """Something the articles ask of a medical director, and how a profile is measured against it."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    area: str
    query: str = Field(min_length=3, description="The question that retrieves the supporting sentence.")
    support: list[list[str]] = Field(min_length=1,
                                     description="The cited sentence holds one term of each list.")
    articles: list[str] = Field(min_length=1, description="What the articles ask, for the note; the first "
                                                          "template the sentence can fill is used.")
    met: list[Condition] = Field(default_factory=list)
    partly: list[Condition] = Field(default_factory=list)
    not_yet: list[Condition] = Field(default_factory=list)
    unknown: str = Field(description="The profile's side of the note when no condition decides.")

    def conditions(self, status: Status) -> list[Condition]:
        return {"met": self.met, "partly": self.partly, "not_yet": self.not_yet}.get(status, [])


class Step(BaseModel):
    """A step of the 90-day plan: for a requirement in some statuses, for a target setting, or for anyone."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    phase: Phase
    step: str = Field(min_length=3)
    query: str = Field(min_length=3)
    support: list[list[str]] = Field(min_length=1)
    requirement: str | None = None
    when: list[Status] = Field(default_factory=list)
    setting: str | None = None
    only_if: list[Condition] = Field(default_factory=list, description="All must hold.")
    unless: list[Condition] = Field(default_factory=list, description="None may hold.")

    @model_validator(mode="after")
    def _target(self) -> Step:
        if self.requirement is not None and not self.when:
            raise ValueError(f"step {self.id!r}: a step for a requirement says `when` (its statuses)")
        if self.setting is not None and self.setting not in SETTINGS:
            raise ValueError(f"step {self.id!r}: unknown setting {self.setting!r}; one of "
                             f"{', '.join(SETTINGS)}")
        return self


class Area(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    title: str


class Rubric(BaseModel):
    """The whole rubric; requirements in order of importance (the report's gaps follow this order)."""

    model_config = ConfigDict(extra="forbid")

    version: int = 1
    about: str = ""
    max_steps_per_phase: int = Field(3, ge=1, le=10)
    areas: list[Area]
    requirements: list[Requirement] = Field(min_length=1)
    steps: list[Step] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Rubric:
        problems = _problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def requirement(self, requirement_id: str) -> Requirement:
        return next(r for r in self.requirements if r.id == requirement_id)

    def area_title(self, area_id: str) -> str:
        return next((a.title for a in self.areas if a.id == area_id), area_id)


def _problems(rubric: Rubric) -> list[str]:
    """What makes the rubric inconsistent: duplicate ids, unknown areas, facts, requirements, placeholders."""
    problems: list[str] = []
    fields = set(profile_fields())
    ids = [r.id for r in rubric.requirements]
    areas = {a.id for a in rubric.areas}
    for kind, seen in (("requirement", ids), ("step", [s.id for s in rubric.steps])):
        duplicates = sorted({i for i in seen if seen.count(i) > 1})
        if duplicates:
            problems.append(f"duplicate {kind} ids: {', '.join(duplicates)}")

    def check(condition: Condition, where: str) -> None:
        if condition.fact is not None and condition.fact not in fields:
            problems.append(f"{where}: unknown profile field {condition.fact!r}")
        if condition.status_of is not None and condition.status_of not in ids:
            problems.append(f"{where}: unknown requirement {condition.status_of!r}")
        for inner in condition.any or []:
            check(inner, where)
        for name in _placeholders(condition.says or ""):
            if name not in fields and name != "match":
                problems.append(f"{where}: unknown placeholder {{{name}}} in {condition.says!r}")

    for r in rubric.requirements:
        if r.area not in areas:
            problems.append(f"requirement {r.id!r}: unknown area {r.area!r}")
        for status in DECIDED:
            for condition in r.conditions(status):
                check(condition, f"requirement {r.id!r} ({status})")
        for template in r.articles:
            unknown = _placeholders(template) - SENTENCE_FACTS
            if unknown:
                problems.append(f"requirement {r.id!r}: unknown placeholder(s) {sorted(unknown)} in articles")
    for s in rubric.steps:
        if s.requirement is not None and s.requirement not in ids:
            problems.append(f"step {s.id!r}: unknown requirement {s.requirement!r}")
        for condition in [*s.only_if, *s.unless]:
            check(condition, f"step {s.id!r}")
    return problems


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def load_rubric(path: Path | str | None = None) -> Rubric:
    """The rubric at `path`, or the one shipped with the package. Raises RubricError naming what is wrong."""
    where = str(path) if path else "advisor/resources/readiness_rubric.json"
    try:
        text = Path(path).read_text(encoding="utf-8") if path else read_resource("readiness_rubric.json")
        data: Any = json.loads(text)
        return Rubric.model_validate(data)
    except (OSError, json.JSONDecodeError) as exc:
        raise RubricError(f"{where}: {exc}") from exc
    except ValidationError as exc:
        lines = [f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}" for e in exc.errors()]
        raise RubricError(f"{where} is not a valid rubric:\n  " + "\n  ".join(lines)) from exc


# ---- evaluating conditions ---------------------------------------------------------------------------------
def holds(condition: Condition, profile: Profile, statuses: dict[str, Status]) -> str | None:
    """None when `condition` does not hold; else the matched text for `{match}` ("" when there is none)."""
    if condition.any is not None:
        return next((m for c in condition.any if (m := holds(c, profile, statuses)) is not None), None)
    if condition.status_of is not None:
        return "" if statuses.get(condition.status_of, "unknown") in (condition.statuses or ()) else None
    value = getattr(profile, condition.fact or "")
    if condition.given is not None:
        return "" if (value is not None) == condition.given else None
    if value is None:
        return None
    if condition.nonempty is not None:
        return "" if isinstance(value, list) and bool(value) == condition.nonempty else None
    if condition.is_ is not None:
        return "" if value == condition.is_ else None
    if condition.in_ is not None:
        return "" if str(value).lower() in {v.lower() for v in condition.in_} else None
    if condition.at_least is not None:
        return "" if isinstance(value, int | float) and value >= condition.at_least else None
    if condition.above is not None:
        return "" if isinstance(value, int | float) and value > condition.above else None
    if condition.pattern is not None:
        items = value if isinstance(value, list) else [value]
        return next((str(item) for item in items if condition.pattern.search(str(item))), None)
    return None


def status_of(requirement: Requirement, profile: Profile,
              statuses: dict[str, Status]) -> tuple[Status, str]:
    """The requirement's status for `profile` and the profile's side of its note ("8 years in practice")."""
    for status in DECIDED:
        for condition in requirement.conditions(status):
            match = holds(condition, profile, statuses)
            if match is not None:
                return status, describe(condition.says or "", profile, match)
    return "unknown", requirement.unknown


def describe(template: str, profile: Profile, match: str = "") -> str:
    """`template` with the profile's facts filled in: years as "8 years", lists joined, `{match}` the item
    that matched."""
    values: dict[str, str] = {"match": match}
    for name in _placeholders(template):
        if name == "match":
            continue
        value = getattr(profile, name, None)
        if name == "years_in_practice" and value is not None:
            values[name] = f"{value:g} year" + ("" if value == 1 else "s")
        elif isinstance(value, list):
            values[name] = ", ".join(str(v) for v in value)
        else:
            values[name] = "" if value is None else str(value)
    return template.format(**values)


def step_applies(step: Step, profile: Profile, statuses: dict[str, Status]) -> bool:
    """Whether the step is for this profile: its requirement in one of `when`, its setting targeted, all of
    `only_if` and none of `unless` holding."""
    if step.requirement is not None and statuses.get(step.requirement) not in step.when:
        return False
    if step.setting is not None and step.setting not in (profile.target_settings or []):
        return False
    if not all(holds(c, profile, statuses) is not None for c in step.only_if):
        return False
    return not any(holds(c, profile, statuses) is not None for c in step.unless)
