"""Answer-type checking: which questions ask for a quantity, and which sentences state it."""

from __future__ import annotations

import pytest

from advisor.answering.answer_type import ExpectedQuantity, expected_quantity, states_quantity
from advisor.text import tokens_of

SALARY = ("As per the latest data, the average salary for medical directors in the United States ranged "
          "from $200,000 to over $400,000 annually, depending on the facility, location, years of "
          "experience.")
EXPERIENCE = "Most positions require several years of clinical experience, often 5-10 years or more."
PRACTICE = ("Accumulating substantial clinical experience is another prerequisite, typically requiring a "
            "minimum of five to ten years of active practice.")
PLAN_STEP = "In the next 30 days, volunteer for a non-clinical project."
ONE_PATIENT = "If you want to improve care not just for one patient at a time, lead."


def specific(question: str) -> set[str]:
    """The question's terms without the corpus's topic words (what the retriever's `focus` leaves)."""
    return set(tokens_of(question)) - {"medic", "director"}


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How much does malpractice insurance cost per year?",
         ExpectedQuantity("money", about=("malpractice", "insurance"))),
        ("How much can I expect to earn as a medical director?", ExpectedQuantity("money")),
        ("How much is an MBA?", ExpectedQuantity("money", about=("mba",))),
        ("How much does a director role pay?", ExpectedQuantity("money", about=("director",))),
        ("How much does it cost?", ExpectedQuantity("money", refers_back=True)),
        ("How much do they earn?", ExpectedQuantity("money", refers_back=True)),
        ("How much does the job pay?", ExpectedQuantity("money", refers_back=True)),
        ("How long does it take?", ExpectedQuantity("duration", refers_back=True)),
        ("How much money do directors make?", ExpectedQuantity("money")),
        ("How many vacation days do physicians get?",
         ExpectedQuantity("count", counted=("vacation", "days"))),
        ("how many years of practice?", ExpectedQuantity("count", counted=("years",))),
        ("How much clinical experience do I need?",
         ExpectedQuantity("amount", counted=("clinical", "experience"))),
        ("How much time does the job take?", ExpectedQuantity("duration")),
        ("How long does it take to complete an MHA degree?",
         ExpectedQuantity("duration", about=("complete", "an", "mha", "degree"))),
        ("How long does a leadership fellowship last?",
         ExpectedQuantity("duration", about=("leadership", "fellowship", "last"))),
        ("How long should I practise before applying?", ExpectedQuantity("duration")),
        ("What percentage of directors are women?", ExpectedQuantity("percent")),
    ],
)
def test_quantity_questions_are_recognised(question, expected):
    assert expected_quantity(question) == expected


def test_a_quantity_asked_beside_another_question_is_not_the_whole_question():
    expected = ExpectedQuantity("money", refers_back=True)
    assert expected_quantity("And roughly how much does it pay?") == expected
    assert expected_quantity("What does a director do, and how much do they earn?") == ExpectedQuantity(
        "money", sole=False, refers_back=True)


@pytest.mark.parametrize(
    "question",
    [
        "What does a medical director do?",
        "How much do directors deal with budgets?",  # how far, not how much money
        "How do I become a medical director?",
        "How many?",
        "How long-term is the commitment?",
        "",
    ],
)
def test_other_questions_expect_no_quantity(question):
    assert expected_quantity(question) is None


def check(question: str, sentence: str) -> bool:
    expected = expected_quantity(question)
    assert expected is not None
    return states_quantity(expected, sentence, specific(question))


def test_a_figure_of_something_else_does_not_answer():
    assert check("How much do medical directors make?", SALARY)
    assert check("How much does a medical director earn in the United States?", SALARY)
    assert not check("How much does malpractice insurance cost?", SALARY)
    assert not check("How much does a chief medical officer earn?", SALARY)
    assert not check("How much do directors make?", EXPERIENCE)  # no money in it


def test_a_count_must_count_the_thing_asked_about():
    assert check("How many years of clinical experience do I need?", EXPERIENCE)
    assert check("How many years of practice do I need?", PRACTICE)  # number words count
    assert not check("How many vacation days do physicians get?", PLAN_STEP)  # days, but not vacation days
    assert check("How many days is each step of the plan?", PLAN_STEP)
    assert not check("How many patients does a director see?", ONE_PATIENT)  # "one ... at a time" is no count
    assert not check("How many medical directors are there?", SALARY)


def test_durations_amounts_and_percentages():
    assert check("How long does the fellowship last?", "The fellowship lasts eighteen months.")
    assert check("How long does the fellowship last?", "The fellowship lasts a year.")
    assert not check("How long does the fellowship last?", "The fellowship takes a busy day each week.")
    assert not check("How long does the fellowship last?", "The fellowship lasts several years.")  # no figure
    assert check("How much leadership experience is needed?", "A year of leadership experience is needed.")
    assert not check("How much leadership experience is needed?", "Leadership experience is needed.")
    assert check("How long should I practise medicine first?", EXPERIENCE)
    assert not check("How long does it take to complete an MHA degree?", EXPERIENCE)
    assert check("How much clinical experience is expected?", EXPERIENCE)
    assert not check("How much management experience is expected?", PLAN_STEP)
    assert not check("What percentage of directors are women?", SALARY)
    assert check("What share of their time is clinical?", "About 20% of their time is clinical.")


def test_how_far_the_asker_must_go_is_no_quantity() -> None:
    """"How much X do I need to know?" asks about depth, not for a figure: never refused for lacking one."""
    from advisor.answering.answer_type import expected_quantity

    assert expected_quantity("how much statistics should I learn before applying?") is None
    assert expected_quantity("How much budgeting do I need to understand?") is None
    assert expected_quantity("How much budget experience do I need?") is not None
