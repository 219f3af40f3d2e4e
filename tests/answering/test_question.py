"""Question analysis: answer type and focus, on questions typed the way physicians type them."""

from __future__ import annotations

import pytest

from advisor.answering.question import analyse, expansions, normalise


@pytest.mark.parametrize(("question", "kind", "focus"), [
    ("what's the AAPL?", "definition", "AAPL"),
    ("What is a utilization review", "definition", "utilization review"),
    ("saw CMS in an email, what does that stand for", "definition", "CMS"),
    ("tell me about the Certified Physician Executive", "definition", "Certified Physician Executive"),
    ("whats a chief resident and does it count as leadership?", "definition", "chief resident"),
    ("my PD keeps saying 'throughput'. what does that mean?", "definition", "throughput"),
])
def test_definitions_name_their_term(question: str, kind: str, focus: str) -> None:
    analysis = analyse(question)
    assert (analysis.type, analysis.focus) == (kind, focus)


@pytest.mark.parametrize(("question", "kind"), [
    ("what does a medical director make per year?", "figure"),
    ("how long do i have to practise first", "figure"),
    ("do med directors still operate?", "yes_no"),
    ("can a DO become a medical director", "yes_no"),
    ("how do i get on a hospital committee", "steps"),
    ("any tips for my first admin interview?", "steps"),
    ("what are the main duties of a medical director", "list"),
    ("top certs for physician leaders?", "list"),
    ("what is a typical week like for a medical director", "open"),
])
def test_answer_types(question: str, kind: str) -> None:
    assert analyse(question).type == kind


def test_comparisons_have_two_sides() -> None:
    assert analyse("whats the difference between a CMO and a VPMA?").sides == ("CMO", "VPMA")
    assert analyse("MHA vs MBA for a hospital job").sides == ("MHA", "MBA")
    assert analyse("mph or mba, which is better for admin?").sides == ("mph", "mba")


def test_advice_needs_a_stated_situation() -> None:
    assert analyse("should i get an MBA?", has_situation=True).type == "advice"
    assert analyse("should i get an MBA?").type == "yes_no"


def test_chat_shorthand_is_spelled_out_and_acronyms_expanded() -> None:
    assert normalise("how many yrs do med directors need in admin") == \
        "how many years do medical directors need in administration"
    assert normalise("Whats the pay") == "what's the pay"
    expanded = expansions("EM doc here, is a CMO role realistic?")
    assert expanded == ["emergency medicine", "chief medical officer"]


def test_how_is_x_different_from_y_compares_two_sides() -> None:
    assert analyse("how are CMOs different from VPMAs?").sides == ("CMOs", "VPMAs")
