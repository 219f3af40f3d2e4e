"""Sentences, list items, words and search terms: the text units every part of the advisor shares."""

from __future__ import annotations

import pytest

from advisor.text import (
    MIN_UNIT_WORDS,
    STOPWORDS,
    answer_units,
    content_words,
    ends_with_abbreviation,
    figure_tokens,
    split_sentences,
    split_units,
    stem,
    tokenize,
    tokens_of,
    unit_in_context,
    words,
)

CHUNK = (
    "Most directors keep some clinical shifts. Dr. Lee, e.g. at St. Mary's, kept two a week.\n\n"
    "- Join the quality committee of your hospital\n\n"
    "2) Lead one project\n\n"
    "What should you do first?\n\n"
    "The steps that follow take about a year:\n\n"
    "Short one.\n\n"
    "  An indented paragraph still keeps its exact offsets in the chunk."
)


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Dr. Smith joined in 2019. He leads the team.", ["Dr. Smith joined in 2019.", "He leads the team."]),
        ("She worked with J. R. Jones for years. Then she moved.",
         ["She worked with J. R. Jones for years.", "Then she moved."]),
        ("Most work in the U.S. Hospitals hire them.", ["Most work in the U.S. Hospitals hire them."]),
        ("Pick one, e.g. Quality. Then apply.", ["Pick one, e.g. Quality.", "Then apply."]),
        ('He said "Apply now." Then he left! Did he? Yes.',
         ['He said "Apply now."', "Then he left!", "Did he?", "Yes."]),
        ("Salaries rose. 2024 was a good year.", ["Salaries rose.", "2024 was a good year."]),
        ("no capital after the stop. so one sentence", ["no capital after the stop. so one sentence"]),
    ],
)
def test_sentences_end_at_stops_but_not_after_abbreviations_or_initials(text: str, sentences: list[str]):
    assert [u.text for u in split_sentences(text)] == sentences


def test_sentence_spans_are_offsets_into_the_source():
    source = "Intro: Dr. Smith joined in 2019.  He leads the team.  "
    paragraph = source[7:]
    units = split_sentences(paragraph, offset=7)
    assert [(u.start, u.end) for u in units] == [(7, 32), (34, 52)]
    assert all(source[u.start : u.end] == u.text for u in units)


def test_abbreviations_and_initials_are_recognised_at_the_end_of_a_text():
    assert ends_with_abbreviation("Ask Dr.") and ends_with_abbreviation("Such as, e.g.")
    assert ends_with_abbreviation("Signed by J.") and ends_with_abbreviation("(see Fig.)")
    assert not ends_with_abbreviation("It ended.") and not ends_with_abbreviation("")


def test_units_are_exact_slices_of_the_chunk_whatever_the_offset():
    for offset in (0, 1234):
        units = split_units(CHUNK, offset)
        assert units, "a chunk has units"
        for unit in units:
            assert CHUNK[unit.start - offset : unit.end - offset] == unit.text


def test_list_items_are_whole_units_without_their_bullet_and_paragraphs_split_by_sentence():
    units = split_units(CHUNK)
    assert [u.text for u in units] == [
        "Most directors keep some clinical shifts.",
        "Dr. Lee, e.g. at St. Mary's, kept two a week.",
        "Join the quality committee of your hospital",
        "Lead one project",
        "What should you do first?",
        "The steps that follow take about a year:",
        "Short one.",
        "An indented paragraph still keeps its exact offsets in the chunk.",
    ]
    assert [u.text for u in units if u.is_list_item] == [
        "Join the quality committee of your hospital", "Lead one project"]


def test_answer_units_keep_list_items_and_full_sentences_only():
    kept = [u.text for u in answer_units(CHUNK, 50)]
    assert kept == [
        "Most directors keep some clinical shifts.",
        "Dr. Lee, e.g. at St. Mary's, kept two a week.",
        "Join the quality committee of your hospital",
        "Lead one project",  # a list item, however short
        "An indented paragraph still keeps its exact offsets in the chunk.",
    ]
    # left out: the question, the sentence introducing a list, and the sentence shorter than MIN_UNIT_WORDS
    assert len("Short one.".split()) < MIN_UNIT_WORDS
    assert all(CHUNK[u.start - 50 : u.end - 50] == u.text for u in answer_units(CHUNK, 50))


def test_a_unit_is_scored_under_its_section_unless_the_section_is_the_title():
    assert unit_in_context("Keep shifts.", "Clinical Work", "A Guide") == "Clinical Work: Keep shifts."
    assert unit_in_context("Keep shifts.", "A Guide", "A Guide") == "Keep shifts."
    assert unit_in_context("Keep shifts.", "", "A Guide") == "Keep shifts."


def test_words_as_written_with_and_without_digits():
    text = "The CMQ's 5-10 year path (2nd edition)"
    assert words(text) == ["The", "CMQ's", "5-10", "year", "path", "2nd", "edition"]
    assert words(text, letters_only=True) == ["The", "CMQ's", "year", "path", "nd", "edition"]


def test_content_words_are_lower_cased_without_stop_words():
    assert content_words("What is the best way to become a Medical Director?") == ["medical", "director"]
    assert content_words("Directors' pay -- and bonuses") == ["directors", "pay", "bonuses"]
    assert content_words("the pay", stopwords=frozenset({"pay"})) == ["the"]


def test_figure_tokens_keep_money_percentages_and_ranges_apart():
    assert figure_tokens("Salaries of $250,000 rose 20% in 5-10 years.") == [
        "salaries", "of", "$250,000", "rose", "20%", "in", "5", "10", "years"]


def test_search_tokens_are_stemmed_and_drop_stop_words_and_question_filler():
    assert tokenize(["Medical directors are leading hospitals", "What do they earn?"]) == [
        ["medic", "director", "lead", "hospit"], ["earn"]]
    assert tokens_of("How much do medical directors earn?") == ("medic", "director", "earn")
    assert tokens_of("Please tell me about certifications") == ("certif",)
    assert tokens_of("Certification") == tokens_of("certifications")  # the same term for chunks and questions
    assert tokens_of("the and of") == ()


def test_stem_lower_cases_and_agrees_with_the_tokenizer():
    assert stem("Directors") == "director"
    assert all(stem(w) == tokens_of(w)[0] for w in ["hospitals", "leadership", "earning", "committees"])
    assert {"what", "how", "please", "become"} <= STOPWORDS
