"""Metric functions and the summary on hand-made rows: refusals, empty answers, multi-turn, edge cases."""

from __future__ import annotations

import math

import pytest

from advisor.evaluation import metrics as m
from advisor.evaluation.floors import FLOORS, check_floors, floor_failures
from advisor.evaluation.summary import summarize


def test_ranked_documents_keep_first_appearance_order() -> None:
    assert m.ranked_documents(["b", "a", "b", "c", "a"]) == ["b", "a", "c"]


@pytest.mark.parametrize(("ranked", "expected", "hit", "recall", "rr"), [
    (["a", "b", "c"], ["a"], 1.0, 1.0, 1.0),
    (["b", "a", "c"], ["a"], 0.0, 1.0, 0.5),
    (["b", "c", "d", "a"], ["a"], 0.0, 0.0, 0.25),
    (["a", "c", "d", "b"], ["a", "b"], 1.0, 0.5, 1.0),
    ([], ["a"], 0.0, 0.0, 0.0),
])
def test_retrieval_metrics(ranked: list[str], expected: list[str], hit: float, recall: float,
                           rr: float) -> None:
    assert m.hit_at_1(ranked, expected) == hit
    assert m.recall_at_k(ranked, expected, 3) == recall
    assert m.reciprocal_rank(ranked, expected) == rr


def test_evidence_found_by_span_overlap_and_by_text() -> None:
    doc = "Intro sentence here. The quote we want sits right here. Tail."
    quote = "The quote we want sits right here."
    begin = doc.index(quote)
    half = m.ChunkSpan("d", begin + len(quote) // 2, len(doc), doc[begin + len(quote) // 2:])
    little = m.ChunkSpan("d", begin + len(quote) - 5, len(doc), doc[begin + len(quote) - 5:])
    other_doc = m.ChunkSpan("e", 0, len(doc), doc)
    assert m.evidence_found(quote, "d", doc, [half])
    assert not m.evidence_found(quote, "d", doc, [little, other_doc])
    # The quote cannot be located in the document text: fall back to text containment.
    assert m.evidence_found(quote, "d", None, [m.ChunkSpan("d", 0, 99, "x " + quote.upper() + " y")])
    assert m.evidence_recall([("d", quote), ("e", "missing")], {"d": doc}, [half]) == 0.5
    assert m.evidence_recall([], {}, []) is None


def test_evidence_recall_only_looks_at_top_five_chunks() -> None:
    doc = "aaaa. The quote. bbbb."
    filler = [m.ChunkSpan("x", 0, 5, "aaaa.")] * 5
    target = m.ChunkSpan("d", 0, len(doc), doc)
    assert m.evidence_recall([("d", "The quote.")], {"d": doc}, [*filler, target]) == 0.0
    assert m.evidence_recall([("d", "The quote.")], {"d": doc}, [target, *filler]) == 1.0


def test_key_facts_word_boundaries_case_and_normalisation() -> None:
    answer = "It typically takes Five to Ten years; salaries reach $400,000. You don’t need an MBA [1]."
    assert m.key_facts_satisfied([["five to ten years", "5-10 years"], ["$400,000"], ["don't need an MBA"]],
                                 answer) == [True, True, True]
    assert not m.phrase_in("CPE", "a CPEX credential")
    assert m.phrase_in("CPE", "the (CPE) designation")
    assert not m.phrase_in("ten years", "fifteen years")
    assert m.phrase_in("5-10 years", "often 5–10 years or more")  # en dash in the answer


def test_answer_words_ignore_markers_and_bullets() -> None:
    assert m.answer_words("- First point here [1]\n- Second point [2] [3]") == 5
    assert m.answer_words("") == 0


def test_split_cited_sentences_attach_markers_to_the_run_before_them() -> None:
    answer = ("First fact. Second fact. [1] Third fact [2] [3] Trailing uncited claim.\n\n"
              "- A bullet item about budgets. [4]\n1. A numbered item [5]")
    got = m.split_cited_sentences(answer)
    assert [(s.text, s.markers) for s in got] == [
        ("First fact.", (1,)), ("Second fact.", (1,)), ("Third fact", (2, 3)),
        ("Trailing uncited claim.", ()),
        ("A bullet item about budgets.", (4,)), ("A numbered item", (5,)),
    ]


def test_citation_support_needs_words_and_every_number() -> None:
    snippets = {1: "Salaries ranged from $200,000 to over $400,000 annually.",
                2: "Directors oversee budgets and staffing levels."}
    salary = "Salaries ranged from $200,000 to over $400,000 annually."
    assert m.citation_support(f"{salary} [1]", snippets)[0] == 1.0
    # A number the cited text does not hold makes the sentence unsupported even with every word present.
    score, unsupported = m.citation_support(f"{salary.replace('400', '500')} [1]", snippets)
    assert score == 0.0 and unsupported
    # Cited the wrong snippet: few content words overlap.
    assert m.citation_support(f"{salary} [2]", snippets)[0] == 0.0
    # Uncited sentences count as unsupported; a citation number that does not exist supports nothing.
    assert m.citation_support("Directors oversee budgets. Salaries are high. [9]", snippets)[0] == 0.0
    half = "Directors oversee budgets and staffing. [2] Unrelated claim here."
    assert m.citation_support(half, snippets)[0] == 0.5


def test_citation_support_threshold_is_sixty_percent_of_content_words() -> None:
    snippet = {1: "alpha beta gamma"}
    assert m.citation_support("Alpha beta gamma delta epsilon. [1]", snippet)[0] == 1.0  # 3 of 5 = 60%
    assert m.citation_support("Alpha beta gamma delta epsilon zeta. [1]", snippet)[0] == 0.0  # 3 of 6


def test_citation_support_of_empty_or_wordless_answers_is_zero() -> None:
    assert m.citation_support("", {})[0] == 0.0
    assert m.citation_support("Yes. [1]", {1: "anything"})[0] == 0.0


def test_citation_problems() -> None:
    doc = "Line one is here.\n\nLine two is there."
    raw = "Line one is here.\nViews: 118\nLine two is there."
    ok = m.CitationCheck(1, "d", "c1", "Line one is here.")
    assert m.citation_problems("Line one is here. [1]", [ok], {"d": doc}, {"d": raw}, {"c1"}) == []
    none = m.citation_problems("No citations.", [], {"d": doc}, {"d": raw}, set())
    assert none == ["answer has no citations"]
    across = m.CitationCheck(1, "d", "c1", "Line one is here.\n\nLine two is there.")
    problems = m.citation_problems("x [1]", [across], {"d": doc}, {"d": raw}, {"c1"})
    assert problems == ["[1] snippet not in the source file of d"]  # a dropped boilerplate line in between
    bad = [m.CitationCheck(1, "d", "c9", "Not in the document."), m.CitationCheck(2, "zz", "c1", "x")]
    problems = m.citation_problems("a [1] b [2] c [3]", bad, {"d": doc}, {"d": raw}, {"c1"})
    assert problems == ["[1] snippet not verbatim in d", "[1] snippet not in the source file of d",
                        "[1] cited chunk c9 was not retrieved",
                        "[2] unknown document zz", "marker [3] names no citation"]


def _row(qid: str, category: str, **values: object) -> dict[str, object]:
    row: dict[str, object] = {"id": qid, "category": category, "should_refuse": False, "refused": False,
                              "latency_ms": 10.0, "error": None}
    row.update(values)
    return row


def test_summary_handles_refusals_errors_and_categories_without_nan() -> None:
    rows = [
        _row("f1", "factual", hit_at_1=1.0, recall_at_3=1.0, mrr=1.0, key_fact_coverage=1.0, all_facts=True,
             citation_valid=True, citation_support=1.0, false_refusal=False, answer_words=40),
        # An answerable question that was refused: fact and retrieval metrics are 0, it is a false refusal.
        _row("f2", "factual", refused=True, hit_at_1=0.0, recall_at_3=0.0, mrr=0.0, key_fact_coverage=0.0,
             all_facts=False, false_refusal=True),
        _row("o1", "out_of_scope", should_refuse=True, refused=True, refused_correctly=True, latency_ms=30.0),
        # Should have been refused but was answered: its citations are still checked.
        _row("o2", "out_of_scope", should_refuse=True, refused_correctly=False, citation_valid=False,
             citation_support=0.5, answer_words=200),
        _row("e1", "follow_up", error="RuntimeError: boom", hit_at_1=0.0, key_fact_coverage=0.0,
             all_facts=False, false_refusal=False, citation_valid=False, citation_support=0.0,
             answer_words=0),
    ]
    summary = summarize(rows)
    overall = summary["overall"]
    assert overall["hit_at_1"] == pytest.approx(1 / 3, abs=1e-4)
    assert overall["refusal_accuracy"] == 0.5
    assert overall["false_refusal_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert overall["citation_validity"] == pytest.approx(1 / 3, abs=1e-4)
    assert overall["mean_answer_words"] == pytest.approx(80.0)
    assert overall["latency_p50_ms"] == 10.0  # the errored question is left out of latency
    assert summary["by_category"]["out_of_scope"]["hit_at_1"] is None  # not applicable, not NaN
    assert summary["by_category"]["factual"]["refusal_accuracy"] is None
    assert not any(isinstance(v, float) and math.isnan(v) for v in overall.values())
    failing = summary["failing"]
    assert failing["hit_at_1"] == ["f2", "e1"]
    assert failing["refusal_accuracy"] == ["o2"]
    assert failing["false_refusal_rate"] == ["f2"]
    assert failing["mean_answer_words"] == ["o2"]
    assert failing["errors"] == ["e1"]
    assert summary["failing_by_category"]["factual"]["all_facts_rate"] == ["f2"]
    assert summary["counts"]["refused"] == 2 and summary["counts"]["errors"] == 1


def test_floors_are_checked_from_one_table() -> None:
    perfect = {k: (1.0 if op == ">=" else 0.0) for k, (op, _) in FLOORS.items()}
    perfect["mean_answer_words"] = 80.0
    assert floor_failures(perfect) == []
    worse = dict(perfect, hit_at_1=0.89, mean_answer_words=151.0, citation_validity=None)
    failed = floor_failures(worse)
    assert len(failed) == 3 and failed[0].startswith("hit_at_1 = 0.89")
    assert check_floors(worse)["false_refusal_rate"]["ok"]
