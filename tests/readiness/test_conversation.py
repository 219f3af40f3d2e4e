"""A profile in a conversation: stated facts feed it, and "am I ready?" / "what next?" get the report."""

from __future__ import annotations

import pytest

from advisor.models import Turn
from advisor.readiness import Profile
from advisor.readiness.conversation import (
    answer_with_profile,
    merge,
    personal_answer,
    personal_question,
    stated_profile,
    stream_with_profile,
)
from advisor.service import Advisor


@pytest.mark.parametrize(("question", "kind"), [
    ("am I ready?", "ready"), ("Am I qualified to apply yet?", "ready"), ("how close am I?", "ready"),
    ("what should I do next?", "next"), ("what are my next steps", "next"), ("where do I start?", "next"),
    ("What does a medical director earn?", None), ("is 8 years enough?", None),
    ("What should I do in the first month?", None),
])
def test_personal_questions(question: str, kind: str | None):
    assert personal_question(question) == kind


def test_stated_facts_become_a_profile():
    stated = stated_profile(["I'm a hospitalist with 8 years of practice and no admin experience",
                             "I was offered an associate medical director job with 20% admin time. I have an "
                             "MBA and I'm on the quality committee. No mentor though."])
    assert stated.years_in_practice == 8 and stated.specialty == "hospitalist"
    assert stated.roles == ["associate medical director (offered)"]
    assert stated.committees == ["quality committee"] and stated.education == ["MBA"]
    assert stated.mentor is False
    assert stated_profile(["PGY-2 in peds here"]).training_year == "PGY-2"
    assert stated_profile(["what does a medical director do?"]).is_empty


def test_the_given_profile_wins_and_stated_facts_fill_the_rest():
    merged = merge(Profile(years_in_practice=10, degree="DO"), Profile(years_in_practice=3, specialty="EM"))
    assert (merged.years_in_practice, merged.degree, merged.specialty) == (10, "DO", "EM")


def test_am_i_ready_is_answered_from_the_report(advisor: Advisor):
    stated = "I'm a hospitalist with 8 years of practice and no admin experience"
    history = [Turn(role="user", content=stated), Turn(role="assistant", content="...")]
    answer = personal_answer(advisor, "am I ready?", history, Profile(target_settings=["insurer"]))
    assert answer is not None and answer.citations and not answer.refused
    assert "8 years in practice; the articles put the usual requirement at five to ten years" in answer.text
    assert "Your most important gaps: hospital committees" in answer.text
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    for citation in answer.citations:
        assert f"[{citation.n}]" in answer.text
        document = advisor.document(citation.doc_id)
        assert document is not None and document.text[citation.start:citation.end] == citation.snippet


def test_what_next_is_the_plan(advisor: Advisor):
    answer = answer_with_profile(advisor, "what should I do next?", [], HOSPITALIST_PROFILE)
    assert answer.metadata["readiness"] == "next" and "Days 1-30:" in answer.text
    assert "Volunteer for a hospital committee" in answer.text


def test_other_questions_and_no_profile_are_answered_as_always(advisor: Advisor):
    plain = advisor.ask("What does a medical director earn?")
    assert answer_with_profile(advisor, "What does a medical director earn?", [], HOSPITALIST_PROFILE).text \
        == plain.text
    assert answer_with_profile(advisor, "am I ready?", [], None).metadata.get("readiness") is None
    assert personal_answer(advisor, "am I ready?", [], Profile()) is None  # nothing known: a general answer


def test_the_stream_ends_with_the_same_answer(advisor: Advisor):
    events = list(stream_with_profile(advisor, "what should I do next?", [], HOSPITALIST_PROFILE))
    text = "".join(e.delta for e in events if e.delta)
    final = events[-1].answer
    assert final is not None and text == final.text


HOSPITALIST_PROFILE = Profile(degree="MD", years_in_practice=8, roles=[], committees=[])
