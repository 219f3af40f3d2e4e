"""Follow-up detection and the standalone query built from the conversation (no model needed)."""

from __future__ import annotations

from advisor.answering.conversation import condense_question, is_follow_up, without_connective
from advisor.models import Turn

HISTORY = [
    Turn(role="user", content="What does a medical director do in a health insurance company?"),
    Turn(role="assistant", content="They oversee medical policies."),
]


def test_connective_is_dropped_from_the_search_words():
    assert without_connective("And what does the job typically pay?") == "what does the job typically pay?"
    assert without_connective("what about, government agencies?") == "government agencies?"
    assert without_connective("Andrew's question") == "Andrew's question"  # a word, not a connective
    assert without_connective("and") == "and"  # nothing left: keep what was asked


def test_follow_ups_are_joined_to_their_topic():
    assert is_follow_up("and in government agencies?", HISTORY)
    assert not is_follow_up("and in government agencies?", [])
    assert condense_question("and in government agencies?", HISTORY) == (
        "What does a medical director do in a health insurance company? and in government agencies?"
    )
    standalone = "Which certifications help with quality improvement?"
    assert condense_question(standalone, HISTORY) == standalone


def test_the_x_one_points_back_at_the_conversation() -> None:
    from advisor.answering.conversation import is_follow_up
    from advisor.models import Turn

    history = [Turn(role="user", content="Which settings hire medical directors?")]
    assert is_follow_up("does the pharma one pay better", history)
    assert not is_follow_up("does the pharma one pay better", [])
