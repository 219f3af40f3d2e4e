"""Request and response bodies of the readiness routes: POST /v1/readiness, GET and DELETE
/v1/readiness/{id}."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from advisor.api.schemas import CitationOut
from advisor.readiness import PlanStep, Profile, ReadinessReport, RequirementResult
from advisor.readiness.markdown import render_markdown
from advisor.readiness.rubric import Phase, Status

STATUS_DESCRIPTION = ("`met`, `partly`, `not_yet`, or `unknown` (the profile does not say); decided by the "
                      "readiness rubric from the profile's facts.")


class ReadinessRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    profile: Profile = Field(description="Every field is optional; an unknown field is a 422 naming it.")
    store: bool = Field(False, description="Keep the report (with its profile) so it can be read again with "
                                           "GET /v1/readiness/{id}; by default nothing is kept.")


class RequirementOut(BaseModel):
    id: str
    title: str
    area: str
    status: Status = Field(description=STATUS_DESCRIPTION)
    note: str = Field(description="The profile's fact beside the articles' requirement, with its citation "
                                  "number.")
    citation: CitationOut

    @classmethod
    def of(cls, result: RequirementResult) -> RequirementOut:
        return cls(id=result.id, title=result.title, area=result.area, status=result.status, note=result.note,
                   citation=CitationOut.of(result.citation))


class PlanStepOut(BaseModel):
    id: str
    phase: Phase
    step: str
    citation: CitationOut

    @classmethod
    def of(cls, step: PlanStep) -> PlanStepOut:
        return cls(id=step.id, phase=step.phase, step=step.step, citation=CitationOut.of(step.citation))


class ReadinessOut(BaseModel):
    id: str | None = Field(None, description="Set when the report was stored (`store: true`).")
    created_at: datetime | None = None
    requirements: list[RequirementOut]
    gaps: list[str] = Field(description="Requirement ids of the most important gaps, most important first.")
    plan: list[PlanStepOut] = Field(description="The 90-day plan, phase by phase, every step cited.")
    conflicts: list[str] = Field(description="Facts of the profile that contradict each other, and how they "
                                             "were read.")
    unsupported: list[str] = Field(description="Requirements the indexed documents do not support (left "
                                               "out).")
    markdown: str = Field(description="The whole report as a Markdown document, e.g. to download.")

    @classmethod
    def of(cls, report: ReadinessReport, report_id: str | None = None,
           created_at: datetime | None = None) -> ReadinessOut:
        return cls(id=report_id, created_at=created_at,
                   requirements=[RequirementOut.of(r) for r in report.requirements], gaps=report.gaps,
                   plan=[PlanStepOut.of(s) for s in report.plan], conflicts=report.conflicts,
                   unsupported=report.unsupported, markdown=render_markdown(report))
