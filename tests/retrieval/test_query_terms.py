"""A question's words as a small corpus sees them: topic words, focused query, specific terms, IDF weights.

Ten hand-made chunks, all about medical directors; "healthcare" is in half of them, "healthcare director" is
one section's subject. No model: the BM25 index alone holds the document frequencies.
"""

from __future__ import annotations

import math

import pytest

from advisor.models import Chunk
from advisor.retrieval.bm25_index import BM25Index
from advisor.retrieval.query_terms import QueryTerms

SECTIONS = [
    ("Role", "A medical director leads the clinical staff of a hospital."),
    ("Salary", "Medical director salaries range from $200,000 to $400,000 a year, so directors earn well."),
    ("Certification", "A medical director can earn the CMQ certification in medical quality."),
    ("Healthcare directors", "A healthcare director manages budgets, unlike a medical director."),
    ("Settings", "Healthcare systems and clinics employ a medical director."),
    ("Networking", "Networking in healthcare helps a physician become a medical director."),
    ("Clinical work", "Most medical directors keep some clinical shifts in healthcare."),
    ("Committees", "Joining hospital committees prepares a physician to be a medical director."),
    ("Leadership", "Leadership training in healthcare helps every medical director."),
    ("Experience", "Five to ten years of practice come before a medical director post."),
]
EARN = "How much do medical directors earn?"
HEALTHCARE = "How is a healthcare director different from a medical director?"


@pytest.fixture(scope="module")
def index() -> BM25Index:
    chunks = [Chunk(chunk_id=f"c{n}", doc_id="guide", title="Guide", section=section, text=text,
                    start=100 * n, end=100 * n + len(text)) for n, (section, text) in enumerate(SECTIONS)]
    return BM25Index.build(chunks, "v1")


@pytest.fixture
def terms(index: BM25Index) -> QueryTerms:
    return QueryTerms(index, topic_word_share=0.4)


def test_the_index_counts_chunks_per_term_and_per_pair_of_frequent_terms(index: BM25Index):
    assert index.share_of_chunks_with("director") == 1.0
    assert index.share_of_chunks_with("healthcar") == 0.5
    assert index.share_of_chunks_with("healthcar director") == 0.1  # both frequent, adjacent once
    assert index.share_of_chunks_with("earn") == 0.2
    assert index.share_of_chunks_with("unheard") == 0.0


def test_focus_drops_the_corpus_topic_words_and_question_filler(terms: QueryTerms):
    assert terms.focus(EARN) == "earn"
    question = "How much clinical experience do I need before applying for a medical director job?"
    assert terms.focus(question) == "clinical experience before applying job"


def test_focus_keeps_a_rare_pair_of_topic_words_whole(terms: QueryTerms, index: BM25Index):
    # "healthcare" and "director" are each topic words, but together they name one section
    assert terms.focus(HEALTHCARE) == "healthcare director different"
    # with a lower share the pair is no longer rare enough, and "healthcare" alone is a topic word
    assert QueryTerms(index, topic_word_share=0.2).focus(HEALTHCARE) == "different"


def test_a_query_of_topic_words_only_is_kept_as_asked(terms: QueryTerms):
    assert terms.focus("What is a medical director?") == "What is a medical director?"


def test_topic_words_are_what_focus_drops(terms: QueryTerms):
    assert terms.topic_words(EARN) == "medical directors"
    assert terms.topic_words("Which certification should a medical director earn?") == "medical director"
    assert terms.topic_words("Which certification pays?") == ""


def test_topic_words_of_a_query_of_topic_words_only_are_all_or_none_of_them(terms: QueryTerms):
    # all of them (the text's topic words) or none (focus dropped nothing): never half of "medical director"
    assert terms.topic_words("What is a medical director?") in ("medical director", "")


def test_specific_terms_leave_out_topic_words_even_in_a_rare_pair(terms: QueryTerms):
    assert terms.specific_terms(HEALTHCARE) == {"differ"}
    assert terms.specific_terms(EARN) == {"earn"}
    assert terms.specific_terms("What is a medical director?") == frozenset()


def test_term_weights_are_the_corpus_idf_of_each_stemmed_term(terms: QueryTerms):
    weights = terms.term_weights("Do healthcare directors earn more than the CMQ?")
    assert set(weights) == {"healthcar", "director", "earn", "cmq"}  # stemmed, no stop words
    assert weights["director"] == pytest.approx(math.log(1 + 0.5 / 10.5))  # in all ten chunks
    assert weights["healthcar"] == pytest.approx(math.log(2))  # in five
    assert weights["cmq"] == pytest.approx(math.log(1 + 9.5 / 1.5))  # in one
    assert weights["director"] < weights["healthcar"] < weights["earn"] < weights["cmq"]
    assert terms.term_weights("unheard of")["unheard"] == pytest.approx(math.log(1 + 10.5 / 0.5))


def test_over_an_empty_index_no_word_is_a_topic_word():
    empty = QueryTerms(BM25Index.build([], "v0"), topic_word_share=0.4)
    assert empty.focus(EARN) == "medical directors earn"
    assert empty.specific_terms(EARN) == {"medic", "director", "earn"}
