"""The readiness report: each requirement's status for a profile with its cited sentence and a note, the most
important gaps, and a 90-day plan in the articles' 30/60/90 shape, every step cited.

`build_report` is what `Advisor.readiness` runs. Citations are verbatim spans of the indexed documents,
found by `advisor.readiness.support`; the rubric supplies only the statuses' rules, the notes' wording and
the steps' wording. Requirements and steps whose support the index lacks are left out (and listed in
`unsupported`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from advisor.answering.situation import years_range
from advisor.models import Citation
from advisor.readiness.profile import Profile
from advisor.readiness.rubric import (
    GAP_STATUSES,
    PHASES,
    SENTENCE_FACTS,
    Phase,
    Rubric,
    Status,
    Step,
    load_rubric,
    status_of,
    step_applies,
)
from advisor.readiness.support import RubricSupport, Support, support_index

if TYPE_CHECKING:
    from advisor.service import Advisor

log = logging.getLogger("advisor.readiness")

TOP_GAPS = 3


class RequirementResult(BaseModel):
    """One requirement measured against the profile."""

    id: str
    title: str
    area: str = Field(description="The area's title, for a per-area view.")
    status: Status
    note: str = Field(description='The profile\'s fact beside the articles\' requirement, e.g. "8 years '
                                  'in practice; the articles put the usual requirement at five to ten years '
                                  '[1]".')
    citation: Citation


class PlanStep(BaseModel):
    """One step of the 90-day plan."""

    id: str
    phase: Phase
    step: str
    citation: Citation


class ReadinessReport(BaseModel):
    """What `Advisor.readiness` returns; `requirements` in the rubric's order of importance."""

    requirements: list[RequirementResult]
    gaps: list[str] = Field(description="Ids of the most important requirements not (fully) met, most "
                                        "important first (at most three).")
    plan: list[PlanStep]
    conflicts: list[str] = Field(default_factory=list,
                                 description="Facts of the profile that contradict each other, and how they "
                                             "were read.")
    unsupported: list[str] = Field(default_factory=list,
                                   description="Rubric requirements the indexed documents do not support "
                                               "(left out of the report).")
    timings_ms: dict[str, float] = Field(default_factory=dict)

    def citations(self) -> list[Citation]:
        """Every distinct citation, numbered as the notes and steps refer to them."""
        seen: dict[int, Citation] = {}
        for citation in [*(r.citation for r in self.requirements), *(s.citation for s in self.plan)]:
            seen.setdefault(citation.n, citation)
        return [seen[n] for n in sorted(seen)]

    def area_scores(self) -> dict[str, tuple[int, int]]:
        """Per area, (points, possible) where met counts 2 and partly 1; unknown requirements count as 0."""
        scores: dict[str, tuple[int, int]] = {}
        for r in self.requirements:
            got, total = scores.get(r.area, (0, 0))
            scores[r.area] = (got + {"met": 2, "partly": 1}.get(r.status, 0), total + 2)
        return scores


class _Numbering:
    """Citation numbers by span: the same sentence keeps its number wherever it is cited."""

    def __init__(self) -> None:
        self.numbers: dict[tuple[str, int, int], int] = {}

    def cite(self, support: Support) -> Citation:
        unit, chunk = support.unit, support.chunk
        key = (chunk.doc_id, unit.start, unit.end)
        n = self.numbers.setdefault(key, len(self.numbers) + 1)
        return Citation(n=n, doc_id=chunk.doc_id, title=chunk.title, section=chunk.section, snippet=unit.text,
                        start=unit.start, end=unit.end, chunk_id=chunk.chunk_id, page=chunk.page)


def build_report(advisor: Advisor, profile: Profile, rubric: Rubric | None = None) -> ReadinessReport:
    """The report for `profile` from `advisor`'s index and `rubric` (default: the shipped one)."""
    started = time.perf_counter()
    rubric = rubric or default_rubric()
    found = support_index(advisor).get(advisor, rubric)
    resolved = time.perf_counter()
    report = assemble(profile, rubric, found)
    report.timings_ms = {"support": (resolved - started) * 1000,
                         "total": (time.perf_counter() - started) * 1000}
    return report


def assemble(profile: Profile, rubric: Rubric, found: RubricSupport) -> ReadinessReport:
    """The report from the rubric and the sentences found for it (no index work: pure and fast)."""
    numbering = _Numbering()
    statuses: dict[str, Status] = {}
    results: list[RequirementResult] = []
    for requirement in rubric.requirements:
        status, says = status_of(requirement, profile, statuses)
        statuses[requirement.id] = status
        support = found.requirements.get(requirement.id)
        if support is None:
            continue
        citation = numbering.cite(support)
        articles = _articles(requirement.articles, support.unit.text)
        note = f"{_capitalised(says)}; the articles {articles} [{citation.n}]"
        results.append(RequirementResult(id=requirement.id, title=requirement.title,
                                         area=rubric.area_title(requirement.area), status=status, note=note,
                                         citation=citation))
    gaps = [r.id for r in results if r.status in GAP_STATUSES][:TOP_GAPS]
    plan = [PlanStep(id=step.id, phase=step.phase, step=step.step,
                     citation=numbering.cite(found.steps[step.id]))
            for step in choose_steps(profile, rubric, found, statuses, [r.id for r in results])]
    return ReadinessReport(requirements=results, gaps=gaps, plan=plan, conflicts=conflicts_of(profile),
                           unsupported=list(found.unsupported_requirements))


def choose_steps(profile: Profile, rubric: Rubric, found: RubricSupport, statuses: dict[str, Status],
                 reported: list[str]) -> list[Step]:
    """The plan's steps, at most `max_steps_per_phase` per phase, in phase order.

    Within a phase: the step for the first target setting comes first (the plan is for where the physician
    is going), then steps for gaps (most important first), further settings, steps that build on what is
    met (protected time, the CV), steps for what the profile leaves unknown, and steps for anyone."""
    order = {rid: i for i, rid in enumerate(reported)}
    targets: list[str] = list(profile.target_settings or [])

    def priority(step: Step) -> tuple[int, int]:
        if step.setting is not None:
            rank = targets.index(step.setting)
            return (0, 0) if rank == 0 else (2, rank)
        if step.requirement is None:
            return (5, 0)
        status = statuses.get(step.requirement, "unknown")
        if status == "met":
            return 3, 0  # building on what is met: in the rubric's order
        return (1 if status in GAP_STATUSES else 4), order.get(step.requirement, len(order))

    def area(step: Step) -> str:
        return rubric.requirement(step.requirement).area if step.requirement else f"step:{step.id}"

    chosen: list[Step] = []
    for phase in PHASES:
        candidates = [s for s in rubric.steps if s.phase == phase and s.id in found.steps
                      and (s.requirement is None or s.requirement in order)
                      and step_applies(s, profile, statuses)]
        candidates.sort(key=priority)  # stable: rubric order breaks ties
        chosen += _balanced(candidates, rubric.max_steps_per_phase, area)
    return chosen


def _balanced(candidates: list[Step], limit: int, area: Callable[[Step], str]) -> list[Step]:
    """The first `limit` candidates, taking at most `_PER_AREA` of one area while others wait (a phase of
    three leadership steps would crowd out the budget), then the rest in order; kept in priority order."""
    picked: list[Step] = []
    counts: dict[str, int] = {}
    for step in candidates:
        if len(picked) < limit and counts.get(area(step), 0) < _PER_AREA:
            picked.append(step)
            counts[area(step)] = counts.get(area(step), 0) + 1
    picked += [s for s in candidates if s not in picked][:limit - len(picked)]
    return sorted(picked, key=candidates.index)


_PER_AREA = 2


def conflicts_of(profile: Profile) -> list[str]:
    """Facts that contradict each other, each with how the report reads them."""
    found = []
    if profile.years_in_practice is not None and profile.training_year is not None:
        found.append(f"Both {profile.years_in_practice:g} years in practice and training year "
                     f"{profile.training_year} are given: the years in practice count.")
    if profile.degree == "other" and (profile.board_certified or profile.unrestricted_license):
        found.append("Board certification or a medical license is given without an MD or DO degree: each is "
                     "taken as stated, and the degree requirement remains.")
    if profile.training_year and profile.training_year.startswith(("MS", "student", "medical")) \
            and profile.degree in ("MD", "DO"):
        found.append(f"An {profile.degree} degree is given with training year {profile.training_year}: the "
                     "degree counts.")
    return found


def _articles(templates: list[str], sentence: str) -> str:
    """The first template the cited sentence can fill ("put the usual requirement at five to ten years")."""
    facts: dict[str, str] = {}
    stated = years_range(sentence)
    if stated is not None:
        facts["years_range"] = stated[0]
    for template in templates:
        needed = {name for name in SENTENCE_FACTS if "{" + name + "}" in template}
        if needed <= facts.keys():
            return template.format(**{k: facts[k] for k in needed})
    return templates[-1].replace("{years_range}", "several years")


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def check_rubric(advisor: Advisor, rubric: Rubric | None = None) -> RubricSupport:
    """Find the rubric's supporting sentences in the index now (the first report then need not) and log a
    warning naming the requirements and steps the indexed documents do not support."""
    found = support_index(advisor).get(advisor, rubric or default_rubric())
    if found.unsupported_requirements or found.unsupported_steps:
        log.warning("readiness rubric: entries the indexed documents do not support (left out of reports)",
                    extra={"unsupported_requirements": found.unsupported_requirements,
                           "unsupported_steps": found.unsupported_steps})
    return found


_DEFAULT: list[Rubric] = []


def default_rubric() -> Rubric:
    """The shipped rubric, loaded once."""
    if not _DEFAULT:
        _DEFAULT.append(load_rubric())
    return _DEFAULT[0]
