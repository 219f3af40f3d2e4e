"""The rubric as data: the shipped file loads, a broken one is refused with what is wrong, conditions decide
statuses in order, and the index supports every shipped entry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from advisor.readiness import Profile, RubricError, load_rubric
from advisor.readiness.rubric import describe, status_of
from advisor.resources import read_resource
from advisor.service import Advisor


def shipped() -> dict:
    return json.loads(read_resource("readiness_rubric.json"))


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "rubric.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_the_shipped_rubric_loads():
    rubric = load_rubric()
    ids = [r.id for r in rubric.requirements]
    assert ids[:5] == ["medical_degree", "residency", "medical_license", "board_certification",
                       "clinical_experience"]
    assert len(ids) == 14 and len(rubric.steps) >= 25
    assert {s.phase for s in rubric.steps} == {"days 1-30", "days 31-60", "days 61-90"}


@pytest.mark.parametrize(("change", "complaint"), [
    (lambda d: d["requirements"][0]["met"][0].update(fact="degre"), "unknown profile field 'degre'"),
    (lambda d: d["requirements"][5]["met"][1].update(matches="("), "does not compile"),
    (lambda d: d["steps"][0].update(requirement="nope"), "unknown requirement 'nope'"),
    (lambda d: d["requirements"].append(d["requirements"][0]), "duplicate requirement ids"),
    (lambda d: d["requirements"][0].update(area="elsewhere"), "unknown area 'elsewhere'"),
    (lambda d: d["requirements"][0]["met"][0].update(says="{favourite}"), "unknown placeholder"),
    (lambda d: d["requirements"][0].update(articles=["require {years}"]), "unknown placeholder"),
    (lambda d: d["requirements"][0]["met"][0].update(at_least=3), "exactly one of"),
    (lambda d: d["steps"][0].update(setting="circus"), "unknown setting"),
    (lambda d: d.update(colour="blue"), "colour"),
])
def test_a_broken_rubric_is_refused_saying_what_is_wrong(tmp_path: Path, change, complaint: str):
    data = shipped()
    change(data)
    with pytest.raises(RubricError, match="not a valid rubric") as caught:
        load_rubric(write(tmp_path, data))
    assert complaint in str(caught.value)


def test_unreadable_rubric(tmp_path: Path):
    with pytest.raises(RubricError, match="rubric.json"):
        load_rubric(tmp_path / "rubric.json")
    (tmp_path / "rubric.json").write_text("{", encoding="utf-8")
    with pytest.raises(RubricError):
        load_rubric(tmp_path / "rubric.json")


def test_statuses_are_decided_met_then_partly_then_not_yet():
    rubric = load_rubric()
    experience = rubric.requirement("clinical_experience")
    assert status_of(experience, Profile(years_in_practice=8), {}) == ("met", "8 years in practice")
    assert status_of(experience, Profile(years_in_practice=1), {}) == ("partly", "1 year in practice")
    assert status_of(experience, Profile(years_in_practice=0), {})[0] == "not_yet"
    assert status_of(experience, Profile(training_year="PGY-2"), {}) == ("not_yet", "in training (PGY-2)")
    assert status_of(experience, Profile(), {}) == ("unknown", "years in practice not given")
    # contradictory facts: the years in practice decide
    assert status_of(experience, Profile(years_in_practice=12, training_year="PGY-1"), {})[0] == "met"
    finance = rubric.requirement("finance")
    assert status_of(finance, Profile(budget_experience=False, education=["MBA"]), {})[0] == "partly"
    lead = rubric.requirement("leadership_role")
    assert status_of(lead, Profile(roles=["chief resident"]), {}) == ("partly", "chief resident")
    assert status_of(lead, Profile(roles=["Section Chief"]), {}) == ("met", "Section Chief")
    assert status_of(lead, Profile(roles=[]), {})[0] == "not_yet"


def test_describe_fills_the_profile_facts():
    profile = Profile(years_in_practice=2.5, committees=["ethics", "quality"])
    assert describe("{years_in_practice} in practice", profile) == "2.5 years in practice"
    assert describe("committees: {committees}", profile) == "committees: ethics, quality"


def test_every_shipped_entry_is_supported_by_the_shipped_articles(advisor: Advisor):
    from advisor.readiness.report import check_rubric

    found = check_rubric(advisor)
    assert found.unsupported_requirements == [] and found.unsupported_steps == []


def test_an_entry_the_documents_do_not_support_is_left_out_and_named(advisor: Advisor, tmp_path: Path):
    data = shipped()
    data["requirements"][2]["support"] = [["zygomorphic"]]  # no article says it: the license is left out
    data["steps"][0]["support"] = [["zygomorphic"]]
    rubric = load_rubric(write(tmp_path, data))
    report = advisor.readiness(Profile(degree="other", unrestricted_license=False), rubric)
    assert "medical_license" not in {r.id for r in report.requirements}
    assert report.unsupported == ["medical_license"]
    assert "state_degree" not in {s.id for s in report.plan} and "license" not in {s.id for s in report.plan}
