"""The readiness report on the real index: statuses, gaps, notes, a plan cited verbatim that never advises
what the profile has or cannot do, and a report that follows whatever documents are indexed."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.evaluation.profiles import contradictions, load_profiles
from advisor.readiness import Profile, ReadinessReport
from advisor.readiness.markdown import render_markdown, render_text
from advisor.retrieval.embeddings import SentenceTransformerEmbedder
from advisor.service import Advisor
from advisor.settings import Settings
from tests.conftest import PROJECT_ROOT

HOSPITALIST = Profile(degree="MD", specialty="hospital medicine", years_in_practice=8, roles=[],
                      committees=[], target_settings=["insurer"])


def statuses(report: ReadinessReport) -> dict[str, str]:
    return {r.id: r.status for r in report.requirements}


def assert_verbatim(advisor: Advisor, report: ReadinessReport) -> None:
    for citation in report.citations():
        document = advisor.document(citation.doc_id)
        assert document is not None
        assert document.text[citation.start:citation.end] == citation.snippet


def test_a_hospitalist_without_admin_experience(advisor: Advisor):
    report = advisor.readiness(HOSPITALIST)
    found = statuses(report)
    assert found["clinical_experience"] == "met" and found["medical_degree"] == "met"
    assert found["committees"] == found["leadership_role"] == "not_yet"
    assert found["medical_license"] == "unknown"
    assert report.gaps == ["committees", "quality_improvement", "leadership_role"]
    experience = next(r for r in report.requirements if r.id == "clinical_experience")
    assert experience.note == (f"8 years in practice; the articles put the usual requirement at five to ten "
                               f"years [{experience.citation.n}]")
    assert "five to ten years" in experience.citation.snippet
    steps = {s.id: s for s in report.plan}
    assert report.plan[0].id == "setting_insurer" and "insurance" in report.plan[0].citation.snippet
    assert "join_committee" in steps and "committee" in steps["join_committee"].citation.snippet
    assert [s.phase for s in report.plan] == sorted(s.phase for s in report.plan)  # 30, then 60, then 90 days
    assert_verbatim(advisor, report)


def test_every_labelled_profile_gets_a_verbatim_plan_that_contradicts_nothing(advisor: Advisor):
    for labelled in load_profiles(PROJECT_ROOT / "evals" / "profiles.jsonl"):
        report = advisor.readiness(labelled.profile)
        assert report.plan, labelled.id
        assert contradictions(labelled.profile, [s.step for s in report.plan]) == [], labelled.id
        assert_verbatim(advisor, report)
        assert statuses(report) == labelled.statuses, labelled.id


def test_nothing_is_advised_that_the_profile_has(advisor: Advisor):
    veteran = Profile(degree="MD", years_in_practice=15, board_certified=True, unrestricted_license=True,
                      roles=["chief resident", "section chief"], committees=["quality improvement"],
                      education=["MBA"], mentor=True, budget_experience=True, regulatory_knowledge=True)
    ids = {s.id for s in advisor.readiness(veteran).plan}
    assert not ids & {"chief_resident", "join_committee", "quality_improvement", "find_mentor", "budget",
                      "regulatory", "departmental_role", "leadership_topic", "certification"}
    assert "associate_director" in ids  # the one gap left


def test_chief_resident_is_advised_in_residency_only(advisor: Advisor):
    resident = advisor.readiness(Profile(degree="MD", training_year="PGY-2", roles=[]))
    assert "chief_resident" in {s.id for s in resident.plan}
    attending = advisor.readiness(Profile(degree="MD", years_in_practice=15, roles=[]))
    assert "chief_resident" not in {s.id for s in attending.plan}


def test_without_a_medical_degree_the_requirement_is_stated_plainly(advisor: Advisor):
    report = advisor.readiness(Profile(degree="other", education=["MHA"], target_settings=["hospital"]))
    degree = next(r for r in report.requirements if r.id == "medical_degree")
    assert degree.status == "not_yet" and report.gaps[0] == "medical_degree"
    assert degree.note.startswith("No MD or DO degree; the articles require an MD or DO degree")
    assert "M.D. or D.O." in degree.citation.snippet or "(MD)" in degree.citation.snippet
    first = [s for s in report.plan if s.phase == "days 1-30"]
    assert "state_degree" in {s.id for s in first}
    assert not {s.id for s in report.plan} & {"chief_resident", "departmental_role", "board_certification",
                                              "associate_director", "career_conversation", "network"}


def test_contradictory_facts_are_reported(advisor: Advisor):
    report = advisor.readiness(Profile(degree="MD", years_in_practice=12, training_year="PGY-1"))
    assert report.conflicts and "years in practice count" in report.conflicts[0]
    assert statuses(report)["clinical_experience"] == "met"


def test_an_empty_profile_gets_no_gaps_and_a_generic_plan(advisor: Advisor):
    report = advisor.readiness(Profile())
    assert set(statuses(report).values()) == {"unknown"} and report.gaps == []
    assert {s.phase for s in report.plan} == {"days 1-30", "days 31-60", "days 61-90"}


def test_markdown_and_text(advisor: Advisor):
    report = advisor.readiness(HOSPITALIST)
    markdown = render_markdown(report)
    assert "## Your 90-day plan" in markdown and "### Days 31-60" in markdown
    assert "| Leadership experience | `░░░░░░░░░░` 0 of 5 |" in markdown
    for citation in report.citations():
        assert f"[{citation.n}]" in markdown and citation.snippet in markdown
    assert "Top gaps: Hospital committees" in render_text(report)


@pytest.fixture
def portal_advisor(tmp_path: Path, embedder: SentenceTransformerEmbedder) -> Advisor:
    """An advisor over a portal's own single document, which states only some requirements."""
    corpus = tmp_path / "portal"
    corpus.mkdir()
    (corpus / "requirements.txt").write_text(
        "What our medical directors need\n\n"
        "Every medical director at our group must hold an MD or DO degree from an accredited school. "
        "Candidates need at least seven to twelve years of clinical practice before they apply. "
        "We ask new directors to join the quality improvement committee in their first month.\n",
        encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus, _env_file=None)  # type: ignore[call-arg]
    service = Advisor(settings, embedder=embedder)
    assert service.ingest().ok
    return service


def test_a_portal_with_other_documents_gets_a_report_that_follows_them(portal_advisor: Advisor):
    report = portal_advisor.readiness(HOSPITALIST)
    reported = {r.id for r in report.requirements}
    assert {"medical_degree", "clinical_experience", "committees"} <= reported
    assert {"mentor", "board_certification", "associate_director"}.isdisjoint(reported)
    assert "mentor" in report.unsupported
    experience = next(r for r in report.requirements if r.id == "clinical_experience")
    assert "seven to twelve years" in experience.note  # the portal's figure, not the shipped articles'
    for step in report.plan:
        assert step.citation.doc_id == "requirements"
    assert_verbatim(portal_advisor, report)
