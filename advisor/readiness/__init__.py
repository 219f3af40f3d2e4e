""""My path": a physician's profile measured against the articles' requirements, with a cited 90-day plan.

`profile` (the validated facts), `rubric` (the requirements and steps, shipped as data), `support` (their
sentences, found in the index), `report` (statuses, gaps and plan), `conversation` (facts stated in a chat,
and "am I ready?" answered with the report), `markdown` (the plan to download), `store` (reports kept on
request).
"""

from advisor.readiness.profile import Profile
from advisor.readiness.report import PlanStep, ReadinessReport, RequirementResult
from advisor.readiness.rubric import Rubric, RubricError, load_rubric

__all__ = ["PlanStep", "Profile", "ReadinessReport", "RequirementResult", "Rubric", "RubricError",
           "load_rubric"]
