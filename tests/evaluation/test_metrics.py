"""Metric functions and the summary on hand-made rows: refusals, empty answers, multi-turn, edge cases."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from advisor.evaluation import metrics as m
from advisor.evaluation.floors import (
    ALL_FLOORS,
    FLOORS,
    QUALITY_FLOORS,
    SET_FLOORS,
    check_floors,
    combine,
    floor_failures,
    floors_for,
)
from advisor.evaluation.harness import DocumentTexts, EvalRun, score_question
from advisor.evaluation.questions import EvalQuestion
from advisor.evaluation.report import (
    category_quotas,
    comparison_table,
    render_answers,
    render_markdown,
    representative_rows,
)
from advisor.evaluation.summary import summarize
from advisor.models import Answer, Chunk, Citation, Document, RetrievedChunk


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
    perfect = {k: (1.0 if op == ">=" else 0.0) for k, (op, _) in ALL_FLOORS.items()}
    perfect["mean_answer_words"] = 80.0
    assert floor_failures(perfect) == []
    worse = dict(perfect, hit_at_1=0.89, mean_answer_words=151.0, citation_validity=None)
    failed = floor_failures(worse)
    assert len(failed) == 3 and failed[0].startswith("hit_at_1 = 0.89")
    assert check_floors(worse)["false_refusal_rate"]["ok"]
    # The original floors alone, as the shipped set has always been held to them.
    assert floor_failures(dict(perfect, mean_answer_words=140.0), FLOORS) == []
    long = floor_failures(dict(perfect, mean_answer_words=140.0))
    assert long == ["mean_answer_words = 140.0 (floor <= 120.0)"]


# ---- answer quality: lead, filler, near-domain, small talk -------------------------------------------------
def test_answer_sentences_and_first_sentence_strip_markers_and_bullets() -> None:
    answer = ("- The CMQ focuses on patient safety science. [1] It helps.\n\n"
              "2. Second item without a stop [2]\nLast one? Yes.")
    assert m.answer_sentences(answer) == ["The CMQ focuses on patient safety science.", "It helps.",
                                          "Second item without a stop", "Last one?", "Yes."]
    assert m.first_sentence(answer) == "The CMQ focuses on patient safety science."
    assert m.first_sentence("\n\n  [1]\nActual start here. More.") == "Actual start here."
    assert m.first_sentence("") == "" and m.answer_sentences("   ") == []
    # Each line is its own paragraph: an unpunctuated first line does not run into the next.
    assert m.first_sentence("Short answer\nThen details.") == "Short answer"
    # Curly quotes are straightened like everywhere else in the metrics.
    assert m.first_sentence("You don’t need an MBA. [1]") == "You don't need an MBA."


def test_lead_fact_looks_only_at_the_first_sentence() -> None:
    groups = [["five to ten years", "5-10 years"], ["board certification"]]
    assert m.lead_fact(groups, "It takes 5–10 years of practice. [1] Board certification helps. [2]")
    assert m.lead_fact(groups, "- Board certification is expected. [1]\n- Five to ten years. [2]")
    assert not m.lead_fact(groups, "If so, this might be your calling. It takes five to ten years. [1]")
    assert not m.lead_fact(groups, "")
    assert not m.lead_fact([["ten years"]], "It takes fifteen years. [1]")  # word boundaries, as phrase_in


def test_filler_sentences_match_whole_listed_sentences() -> None:
    filler = ["If so, medical director jobs might be your calling.",
              "Let’s dive right in and discuss what it takes to become a medical director."]
    answer = ("Most positions need 5-10 years. [1]\n\nIf so, medical director jobs might be your calling. "
              "Let's dive right in and discuss what it takes to become a medical director. [2]")
    assert m.filler_sentences(answer, filler) == filler  # curly / straight apostrophe and markers ignored
    shouted = "- IF SO, medical director jobs might be your calling. [3]"
    assert m.filler_sentences(shouted, filler) == filler[:1]
    # Part of a listed sentence is not the sentence.
    assert m.filler_sentences("Medical director jobs might be your calling. [1]", filler) == []
    assert m.filler_sentences("", filler) == [] and m.filler_sentences("Anything. [1]", []) == []


@pytest.mark.parametrize(("refused", "coverage", "right"), [
    (True, None, True), (False, "none", True), (False, "partial", True),
    (False, "full", False), (False, None, False),  # None: a row from before coverage existed
])
def test_near_domain_right(refused: bool, coverage: str | None, right: bool) -> None:
    assert m.near_domain_right(refused, coverage) is right


@pytest.mark.parametrize(("refused", "act", "answer", "right"), [
    (False, "greeting", "Hello! I can help with medical director careers.", True),
    (False, "thanks", "You're welcome.", True),
    (False, "capabilities", "I answer questions about becoming a medical director.", True),
    (True, "greeting", "I'm sorry, I can't do that.", False),  # refused: never right
    (False, "career", "If so, medical director jobs might be your calling. [1]", False),
    (False, "greeting", "   ", False),  # an empty reply
    (False, None, "Hello!", False),  # a row from before act existed
    (True, "injection", "I'm sorry, I can't do that.", False),
])
def test_small_talk_right(refused: bool, act: str | None, answer: str, right: bool) -> None:
    assert m.small_talk_right(refused, act, answer) is right


def test_citations_apply_to_answers_that_state_something_from_the_articles() -> None:
    assert m.citations_apply(False, "career", "full", True)
    assert m.citations_apply(False, "career", None, False)  # a claim with no citation is still checked
    assert m.citations_apply(False, None, "partial", False)
    assert m.citations_apply(False, "career", "none", True)  # related points, cited
    assert not m.citations_apply(False, "career", "none", False)  # only "the articles do not cover this"
    assert not m.citations_apply(True, "career", None, False)
    assert not m.citations_apply(False, "greeting", None, False)
    assert not m.citations_apply(False, "thanks", None, True)


def test_citation_support_leaves_out_the_coverage_note() -> None:
    snippets = {1: "Salaries ranged from $200,000 to over $400,000 annually."}
    answer = ("The articles do not compare pharma and hospital pay. Salaries ranged from $200,000 to over "
              "$400,000 annually. [1]")
    assert m.citation_support(answer, snippets)[0] == 0.5
    score, unsupported = m.citation_support(answer, snippets, coverage_note=True)
    assert score == 1.0 and unsupported == []
    assert m.citation_support("The articles do not cover this.", {}, coverage_note=True)[0] == 0.0
    # A note of several uncited sentences on its own line; it ends at the first cited sentence.
    note = ("The articles don't say which pays more. The closest points they make:\n\n"
            "Salaries ranged from $200,000 to over $400,000 annually. [1]\nAn uncited claim after it.")
    assert m.citation_support(note, snippets, coverage_note=True) == (0.5, ["An uncited claim after it."])
    assert m.citation_support(note, snippets)[0] == pytest.approx(1 / 4)


def test_summary_of_the_new_metrics_and_of_rows_without_them() -> None:
    rows = [
        _row("f1", "factual", lead_fact=True, filler=False, answer_words=60, coverage="full", act="career"),
        _row("f2", "factual", lead_fact=False, filler=True, answer_words=130, coverage="full", act="career"),
        _row("n1", "near_domain", near_domain_right=True, refused=True),
        _row("n2", "near_domain", near_domain_right=False, filler=False, answer_words=90, coverage="full"),
        _row("n3", "near_domain", near_domain_right=True, filler=False, answer_words=20, coverage="none"),
        _row("s1", "small_talk", small_talk_right=True, filler=False, answer_words=12, act="greeting"),
        _row("s2", "small_talk", small_talk_right=False, refused=True),
        # A row from an older report: no coverage, act, lead_fact or filler fields at all.
        _row("old", "factual", hit_at_1=1.0, answer_words=40),
    ]
    summary = summarize(rows, {"question_set": "users"})
    overall = summary["overall"]
    assert overall["lead_fact_rate"] == 0.5
    assert overall["filler_rate"] == pytest.approx(1 / 5, abs=1e-4)
    assert overall["near_domain_accuracy"] == pytest.approx(2 / 3, abs=1e-4)
    assert overall["small_talk_accuracy"] == 0.5
    assert summary["by_category"]["factual"]["near_domain_accuracy"] is None
    assert summary["by_category"]["small_talk"]["lead_fact_rate"] is None
    failing = summary["failing"]
    assert failing["lead_fact_rate"] == ["f2"] and failing["filler_rate"] == ["f2"]
    assert failing["near_domain_accuracy"] == ["n2"] and failing["small_talk_accuracy"] == ["s2"]
    assert failing["mean_answer_words"] == ["f2"]  # longer than 120 words
    assert summary["coverage"] == {"full": 3, "partial": 0, "none": 1, "unset": 2}
    assert summary["coverage_by_category"]["near_domain"] == {"full": 1, "partial": 0, "none": 1, "unset": 0}
    floors = summary["floors"]
    assert set(floors) == set(SET_FLOORS["users"])
    assert not floors["near_domain_accuracy"]["ok"] and floors["near_domain_accuracy"]["applicable"]
    assert not floors["filler_rate"]["ok"]


def test_category_floors_do_not_apply_to_a_set_without_the_category() -> None:
    rows = [_row("f1", "factual", lead_fact=True, filler=False, answer_words=60)]
    floors = summarize(rows, {"question_set": "shipped"})["floors"]
    for metric in ("near_domain_accuracy", "small_talk_accuracy"):
        assert floors[metric] == {"op": ">=", "bound": 1.0, "value": None, "ok": True, "applicable": False}
    assert floors["lead_fact_rate"]["ok"] and floors["filler_rate"]["ok"]
    assert not floors["hit_at_1"]["ok"]  # a missing value still fails every other floor
    # Without the set's categories every floor applies, and a missing value fails.
    assert not check_floors({}, {"small_talk_accuracy": (">=", 1.0)})["small_talk_accuracy"]["ok"]


def test_floor_tables_combine_to_the_stricter_bound_and_never_lower_a_floor() -> None:
    assert combine({"a": (">=", 0.9)}, {"a": (">=", 0.92)}) == {"a": (">=", 0.92)}
    assert combine({"w": ("<=", 150.0)}, {"w": ("<=", 120.0)}) == {"w": ("<=", 120.0)}
    with pytest.raises(ValueError, match="floor a"):
        combine({"a": (">=", 0.9)}, {"a": ("<=", 0.1)})
    for name in ("shipped", "users"):
        floors = SET_FLOORS[name]
        for metric, (op, bound) in [*FLOORS.items(), *QUALITY_FLOORS.items()]:
            assert floors[metric][0] == op
            assert floors[metric][1] >= bound if op == ">=" else floors[metric][1] <= bound
    # The figures, on both sets.
    assert SET_FLOORS["users"]["key_fact_coverage"] == (">=", 0.92)
    assert SET_FLOORS["shipped"]["mean_answer_words"] == ("<=", 120.0)
    assert SET_FLOORS["shipped"]["hit_at_1"] == (">=", 0.90)
    assert floors_for("some-other-set") == ALL_FLOORS and floors_for(None) == ALL_FLOORS


# ---- the harness's rows, on hand-made answers (no model) ---------------------------------------------------
DOC_TEXT = ("Most positions require several years of clinical experience, often 5-10 years or more. "
            "If so, medical director jobs might be your calling.")


class _Docs:
    """Stands in for the Advisor: the one document the hand-made answers cite."""

    def document(self, doc_id: str) -> Document | None:
        return Document(doc_id="d", title="Doc", text=DOC_TEXT) if doc_id == "d" else None


def _answer(text: str, *, refused: bool = False, cite: str | None = None, **fields: object) -> Answer:
    citations, retrieved = [], []
    if cite is not None:
        start = DOC_TEXT.index(cite)
        chunk = Chunk(chunk_id="c1", doc_id="d", title="Doc", section="FAQs", text=DOC_TEXT, start=0,
                      end=len(DOC_TEXT))
        citations = [Citation(n=1, doc_id="d", title="Doc", section="FAQs", snippet=cite, start=start,
                              end=start + len(cite), chunk_id="c1")]
        retrieved = [RetrievedChunk(chunk=chunk, score=1.0, rank=1)]
    return Answer(question="q", standalone_question="q", text=text, refused=refused, citations=citations,
                  retrieved=retrieved, **fields)  # type: ignore[arg-type]


def _question(category: str, *, facts: tuple[tuple[str, ...], ...] = (),
              refuse: bool = False) -> EvalQuestion:
    return EvalQuestion(id=f"{category}-1", category=category, turns=("q",),  # type: ignore[arg-type]
                        expected_sources=("d",) if facts else (), key_facts=facts, should_refuse=refuse)


def _score(question: EvalQuestion, answer: Answer | None, filler: list[str] | None = None) -> dict:
    texts = DocumentTexts(_Docs())  # type: ignore[arg-type]
    return score_question(question, answer, 5.0, None, texts, filler)


FILLER = ["If so, medical director jobs might be your calling."]
FACT = "Most positions require several years of clinical experience, often 5-10 years or more."


def test_rows_of_answerable_questions_carry_lead_filler_and_coverage() -> None:
    question = _question("factual", facts=(("5-10 years",),))
    good = _score(question, _answer(f"{FACT} [1]", cite=FACT, coverage="full"), FILLER)
    assert good["lead_fact"] is True and good["filler"] is False and good["filler_sentences"] == []
    assert good["coverage"] == "full" and good["act"] == "career" and good["key_facts_found"] == [1, 1]
    assert good["citation_valid"] is True and good["citation_support"] == 1.0
    assert good["citations"][0]["title"] == "Doc" and good["first_sentence"] == FACT
    assert good["near_domain_right"] is None and good["small_talk_right"] is None
    padded = _score(question, _answer(f"{FILLER[0]} {FACT} [1]", cite=f"{FILLER[0]}"), FILLER)
    assert padded["lead_fact"] is False and padded["filler"] is True
    assert padded["filler_sentences"] == FILLER
    refused = _score(question, _answer("Sorry.", refused=True), FILLER)
    assert refused["lead_fact"] is False and refused["false_refusal"] is True and refused["filler"] is None
    failed = _score(question, None, FILLER)
    assert failed["lead_fact"] is False and failed["coverage"] is None and failed["act"] is None
    assert _score(question, _answer(f"{FACT} [1]", cite=FACT))["filler"] is None  # no filler list given


def test_rows_of_near_domain_and_small_talk_questions() -> None:
    near = _question("near_domain")
    said = _score(near, _answer("The articles do not say how long the CPE takes.", coverage="none"), FILLER)
    assert said["near_domain_right"] is True and said["citation_valid"] is None  # nothing from the articles
    assert said["hit_at_1"] is None and said["false_refusal"] is None and said["lead_fact"] is None
    partial = _score(near, _answer(f"The articles only partly cover this. {FACT} [1]", cite=FACT,
                                   coverage="partial"), FILLER)
    assert partial["near_domain_right"] is True and partial["citation_support"] == 1.0
    confident = _score(near, _answer(f"{FACT} [1]", cite=FACT, coverage="full"), FILLER)
    assert confident["near_domain_right"] is False
    assert _score(near, _answer("Sorry.", refused=True))["near_domain_right"] is True

    talk = _question("small_talk")
    hello = _score(talk, _answer("Hello! Ask me about becoming a medical director.", act="greeting"), FILLER)
    assert hello["small_talk_right"] is True and hello["citation_valid"] is None
    assert hello["filler"] is False and hello["answer_words"] == 8 and hello["false_refusal"] is None
    accused = _score(talk, _answer("I'm sorry, I can't do that.", refused=True, refusal_reason="injection"))
    assert accused["small_talk_right"] is False
    promo = _score(talk, _answer(f"{FILLER[0]} [1]", cite=FILLER[0]), FILLER)
    assert promo["small_talk_right"] is False and promo["filler"] is True


def test_refusal_rows_are_unchanged() -> None:
    row = _score(_question("out_of_scope", refuse=True), _answer("Sorry.", refused=True), FILLER)
    assert row["refused_correctly"] is True and row["near_domain_right"] is None and row["filler"] is None


# ---- evals/ANSWERS.md --------------------------------------------------------------------------------------
def test_category_quotas() -> None:
    sizes = {"factual": 63, "multi_hop": 15, "follow_up": 18, "out_of_scope": 16, "adversarial": 11,
             "near_domain": 10, "small_talk": 8}
    quotas = category_quotas(sizes, 25, 2)
    assert sum(quotas.values()) == 25 and all(q >= 2 for q in quotas.values())
    assert quotas == {"factual": 7, "multi_hop": 3, "follow_up": 3, "out_of_scope": 3, "adversarial": 3,
                      "near_domain": 3, "small_talk": 3}
    assert category_quotas({"a": 3, "b": 1}, 25) == {"a": 3, "b": 1}  # fewer questions than places
    assert category_quotas({"a": 10, "b": 1}, 4, 2) == {"a": 3, "b": 1}  # never more than a category holds
    assert sum(category_quotas({"a": 5, "b": 5, "c": 5}, 2, 2).values()) == 2


def test_representative_rows_are_stratified_and_blind_to_the_answers() -> None:
    shipped = [{"id": f"s{i}", "category": "factual" if i < 8 else "adversarial"} for i in range(10)]
    users = [{"id": f"u{i}", "category": ["factual", "small_talk", "near_domain"][i % 3]} for i in range(9)]
    picked = representative_rows([shipped, users], n=10, minimum=2)
    ids = [r["id"] for r in picked]
    assert len(ids) == 10 and len(set(ids)) == 10
    assert [r["category"] for r in picked] == sorted(
        (r["category"] for r in picked), key=["factual", "adversarial", "near_domain", "small_talk"].index)
    # The pools take the sets in order: factual is s0..s7 then u0, u3, u6, picked evenly spaced; factual gets
    # 2 + one of the 2 spare places, the other goes to the largest remainder (near_domain before small_talk).
    assert [sum(r["category"] == c for r in picked) for c in ("factual", "adversarial", "near_domain",
                                                               "small_talk")] == [3, 2, 3, 2]
    assert [r["id"] for r in picked if r["category"] == "factual"] == ["s1", "s5", "u3"]
    # The answers play no part.
    changed = [dict(r, answer="different", refused=True) for r in shipped]
    assert [r["id"] for r in representative_rows([changed, users], n=10, minimum=2)] == ids


def test_render_answers_shows_full_answers_coverage_and_citations() -> None:
    question = _question("factual", facts=(("5-10 years",), ("board certified",)))
    row = _score(question, _answer(f"{FACT} [1]", cite=FACT, coverage="full"), FILLER)
    near = _score(_question("near_domain"), _answer("The articles do not cover W2 versus 1099.",
                                                    coverage="none"), FILLER)
    talk = _score(_question("small_talk"), _answer("Hello!", act="greeting"), FILLER)
    run = EvalRun(name="hybrid", config={"retriever": "hybrid", "answerer": "extractive"},
                  rows=[row, near, talk])
    text = render_answers([("users", Path("evals/questions_users.jsonl"), run)], n=25)
    assert text.startswith("# Representative answers")
    assert "3 questions from `evals/questions_users.jsonl` (users, 3 questions)" in text
    assert f"````text\n{FACT} [1]\n````" in text
    assert "coverage `full`" in text and "coverage `none`" in text and "act `greeting`" in text
    assert "key facts 1/2" in text and "leads with a key fact: yes" in text
    assert "Missing key facts: “board certified”" in text
    assert "near-domain handled: yes" in text and "small talk handled: yes" in text
    first_words = " ".join(FACT.split()[:20])
    assert f"1. *Doc* › FAQs: “{first_words}" in text
    assert "| 1 | `factual-1` | users | factual | answered | full | **no** | yes | no |" in text


def test_markdown_report_names_the_set_and_marks_floors_not_applicable() -> None:
    rows = [_row("f1", "factual", hit_at_1=1.0, lead_fact=True, filler=False, answer_words=50,
                 coverage="full")]
    run = EvalRun(name="hybrid", config={"answerer": "extractive", "question_set": "shipped"}, rows=rows,
                  summary=summarize(rows, {"question_set": "shipped"}))
    text = render_markdown([run], Path("evals/questions.jsonl"))
    assert text.startswith("# Evaluation report: shipped set")
    assert "| Near-domain handled | >= 1 | — | n/a |" in text
    assert "| Lead with a key fact | >= 0.85 | 1.00 | yes |" in text
    assert "full 1, partial 0, none 0, unset 0" in text
    assert "Small talk answered" in comparison_table([run]) and "(n/a)" in comparison_table([run])
    assert "textbook LangChain baseline" in text
    users = EvalRun(name="hybrid", config={"question_set": "users"}, rows=rows,
                    summary=summarize(rows, {"question_set": "users"}))
    assert "textbook LangChain baseline" not in render_markdown([users], Path("evals/questions_users.jsonl"))
