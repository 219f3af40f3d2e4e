"""Answer planning on the real index: the lead answers the question's type about its focus, the asker's
situation is related to the lead, and what the articles do not cover is said plainly first."""

from __future__ import annotations

import re

from advisor.models import Turn
from advisor.service import Advisor


def _first_sentence(text: str) -> str:
    plain = re.sub(r"\s*\[\d+\]", "", text).lstrip("- ")
    return re.split(r"(?<=[.!?])\s+(?=[A-Z“\"])", plain, maxsplit=1)[0]


def test_a_definition_leads_with_the_sentence_naming_the_term(advisor: Advisor) -> None:
    answer = advisor.ask("what's the CMQ?")
    assert answer.coverage == "full" and not answer.refused
    assert "Certified Medical Quality" in _first_sentence(answer.text)


def test_a_term_the_articles_use_is_never_refused_as_off_topic(advisor: Advisor) -> None:
    answer = advisor.ask("what is HIPAA")
    assert not answer.refused and "HIPAA" in answer.text


def test_the_asked_figure_leads(advisor: Advisor) -> None:
    answer = advisor.ask("roughly what do med directors make a year?")
    assert "$200,000" in _first_sentence(answer.text)


def test_the_askers_years_are_set_beside_the_articles_range(advisor: Advisor) -> None:
    answer = advisor.ask("I'm an internist with 6 years of practice. Is that enough experience?")
    first = _first_sentence(answer.text)
    assert first.startswith("You mention 6 years in practice; the articles put the usual requirement at")
    assert re.search(r"five to ten years|5-10 years", first)
    cited = answer.citations[0].snippet
    assert re.search(r"five to ten years|5-10 years", cited)


def test_the_situation_is_remembered_across_the_conversation(advisor: Advisor) -> None:
    history = [Turn(role="user", content="hi, I'm a hospitalist with 9 years of practice"),
               Turn(role="assistant", content="Hello!")]
    answer = advisor.ask("am I ready to apply for a medical director job?", history=history)
    assert "You mention 9 years in practice" in answer.text


def test_a_topic_the_articles_never_mention_is_said_not_covered_first(advisor: Advisor) -> None:
    answer = advisor.ask("do medical directors have lower burnout than clinicians?")
    assert answer.coverage == "partial" and not answer.refused
    assert answer.text.startswith("The articles don't cover “burnout”.")
    assert answer.citations  # the closest points are still quoted, as related


def test_which_is_better_needs_a_sentence_that_compares(advisor: Advisor) -> None:
    answer = advisor.ask("MHA or MPH, which is better for a medical director?")
    assert answer.coverage == "partial"
    assert answer.text.startswith("The articles don't cover which is better")


def test_filler_never_appears_in_answers(advisor: Advisor) -> None:
    for question in ("What does a medical director do?", "What does a medical director earn?",
                     "How do I become a medical director?"):
        text = advisor.ask(question).text
        assert "might be your calling" not in text and "dive right in" not in text.lower()
        assert "keep that fire burning" not in text


def test_small_talk_is_answered_kindly(advisor: Advisor) -> None:
    chats = (("Hi!", "greeting"), ("thanks, that helps", "thanks"), ("what can you do?", "capabilities"))
    for message, act in chats:
        answer = advisor.ask(message)
        assert answer.act == act and not answer.refused and not answer.citations
        assert "can't" not in answer.text.split(".")[0]
