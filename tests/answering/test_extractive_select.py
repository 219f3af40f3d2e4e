"""How the extractive answerer picks its units: by relevance above a floor, within the answer's limits
(units, words, units per chunk), never repeating a picked unit, the plan's lead first. Hashing vectors stand
in for the model; tests/answering/test_answers.py checks the real answers."""

from __future__ import annotations

import pytest

from advisor.answering.base import AnswerRequest
from advisor.answering.evidence import Candidate, candidates_of
from advisor.answering.extractive import ExtractiveAnswerer
from advisor.answering.planning import AnswerPlan
from advisor.answering.question import analyse
from advisor.models import Chunk, RetrievedChunk
from advisor.settings import Settings
from advisor.tuning import Tuning
from tests.conftest import HashingEmbedder, make_chunk

QUESTION = "How do committees, budgets and mentors prepare a physician for leadership?"
SENTENCES = [
    "Quality committees teach a physician how hospital governance really works.",
    "Budget reviews show a physician where the department spends its money.",
    "A mentor helps a physician plan the first leadership role carefully.",
    "Leadership courses give a physician a vocabulary for running meetings.",
    "Committees on patient safety prepare a physician to lead improvement projects.",
    "Mentors and sponsors open doors to leadership posts for a physician.",
]
ONE_EACH = [make_chunk(f"doc{n}", text, section=f"Topic {n}") for n, text in enumerate(SENTENCES)]


def select(chunks: list[Chunk], lead: int | None = None, **tuning: object) -> list[Candidate]:
    """The units `_select` picks for QUESTION from `chunks` (ranked in the order given) under `tuning`."""
    settings = Settings(_env_file=None, tuning=Tuning(**tuning))  # type: ignore[call-arg, arg-type]
    answerer = ExtractiveAnswerer(settings, HashingEmbedder())  # type: ignore[arg-type]
    retrieved = [RetrievedChunk(chunk=c, score=1.0, rank=n) for n, c in enumerate(chunks, start=1)]
    request = AnswerRequest(question=QUESTION, standalone_question=QUESTION, retrieved=retrieved)
    candidates = candidates_of(request)
    scores, similarity = answerer.scorer.scores(candidates, request)
    plan = AnswerPlan(analyse(QUESTION), lead=lead)
    return answerer._select(candidates, scores, similarity, plan, settings.tuning.max_answer_units)


def doc_ids(chosen: list[Candidate]) -> list[str]:
    return [c.chunk.doc_id for c in chosen]


def test_units_are_picked_best_first_and_those_below_the_floor_are_left_out():
    everything = select(ONE_EACH, unit_floor=0.0)
    assert sorted(doc_ids(everything)) == [f"doc{n}" for n in range(6)]
    assert [c.score for c in everything] == sorted((c.score for c in everything), reverse=True)
    weakest = everything[-1]
    floored = select(ONE_EACH, unit_floor=0.4)
    assert doc_ids(floored) == doc_ids(everything)[:-1]  # 0.4 of the best leaves out the weakest here
    assert weakest.score < 0.4 * everything[0].score <= floored[-1].score


def test_no_more_units_than_max_answer_units():
    best_first = doc_ids(select(ONE_EACH, unit_floor=0.0))
    assert doc_ids(select(ONE_EACH, unit_floor=0.0, max_answer_units=3)) == best_first[:3]


@pytest.mark.parametrize(("limit", "units"), [(5, 1), (25, 2), (35, 3), (140, 6)])
def test_no_more_words_than_max_answer_words(limit: int, units: int):
    """Each sentence has 10 or 11 words: any two fit in 25 words, any three in 35, and never one more."""
    chosen = select(ONE_EACH, unit_floor=0.0, max_answer_words=limit)
    assert len(chosen) == units
    assert sum(len(c.unit.text.split()) for c in chosen) <= limit or units == 1  # the first is always taken


def test_a_chunk_gives_at_most_max_units_per_chunk():
    two_chunks = [make_chunk("first", " ".join(SENTENCES[:3]), section="Topics"),
                  make_chunk("second", " ".join(SENTENCES[3:]), section="Topics")]
    for per_chunk in (1, 2):
        chosen = select(two_chunks, unit_floor=0.0, max_units_per_chunk=per_chunk)
        assert sorted(doc_ids(chosen)) == ["first"] * per_chunk + ["second"] * per_chunk


def test_a_unit_repeating_a_picked_one_is_left_out():
    twins = [*ONE_EACH[:3], make_chunk("twin", SENTENCES[0], section="Topic 0")]  # doc0's sentence, again
    chosen = doc_ids(select(twins, unit_floor=0.0))
    assert len(chosen) == 3 and "doc1" in chosen and "doc2" in chosen
    assert chosen.count("doc0") + chosen.count("twin") == 1
    assert sorted(doc_ids(select(twins, unit_floor=0.0, redundancy_limit=1.01))) == [
        "doc0", "doc1", "doc2", "twin"]


def test_the_plans_lead_comes_first_even_below_the_floor():
    everything = select(ONE_EACH, unit_floor=0.0)
    weakest = everything[-1].chunk.doc_id
    lead = int(weakest.removeprefix("doc"))  # candidates come in retrieval order: one per chunk here
    chosen = select(ONE_EACH, lead=lead, unit_floor=0.4)
    assert doc_ids(chosen)[0] == weakest and len(chosen) == 6


def test_a_sentence_pointing_back_comes_with_the_one_before_it_or_not_at_all():
    opener = "Budget reviews show a physician where the department spends its money."
    pointer = "They teach a physician about committees, budgets and mentors for leadership."
    together = make_chunk("together", f"{opener} {pointer}", section="Budgets")
    alone = make_chunk("alone", pointer, section="Mentors")  # its sentence before is in no retrieved chunk
    texts = [c.unit.text for c in select([together, alone], unit_floor=0.0)]
    assert texts.index(opener) == texts.index(pointer) - 1  # quoted right after what it points back at
    assert texts.count(pointer) == 1  # the copy whose antecedent is missing is never quoted
    assert [c.chunk.doc_id for c in select([alone], unit_floor=0.0)] == []


def test_a_chain_of_sentences_pointing_back_comes_whole():
    opener = "Budget reviews show a physician where the department spends its money."
    first = "They teach a physician about committees, budgets and mentors for leadership."
    second = "This knowledge prepares a physician for committees, budgets and mentors."
    chain = make_chunk("chain", f"{opener} {first} {second}")
    chosen = [c.unit.text for c in select([chain], unit_floor=0.0)]
    assert chosen[: chosen.index(second) + 1][-3:] == [opener, first, second]
