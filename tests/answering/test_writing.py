"""Chosen units into an answer: reading order, one citation per run of adjacent sentences, bullets, verbatim
snippets, a preface, and markup a quoted document carries kept out of the answer text (not the snippet)."""

from __future__ import annotations

from advisor.answering.evidence import Candidate
from advisor.answering.writing import follows_directly, write_answer
from advisor.models import Chunk
from advisor.text import answer_units

# Two documents; each chunk starts part-way into its document, so spans are document offsets.
GUIDE = (
    "Becoming a Director\n\n"
    "Directors need five to ten years of practice. Most also hold a leadership role first. "
    "Boards then look for quality work on committees.\n\n"
    "A second paragraph explains what the boards value most in candidates.\n\n"
    "- Join the quality committee of your hospital\n\n"
    "- Lead one improvement project from start to end"
)
FAQ = "FAQ\n\nSalaries of medical directors range from $200,000 to $400,000 a year in most regions."


def chunk_of(doc_id: str, document: str, page: int | None = None) -> Chunk:
    start = document.index("\n\n") + 2
    return Chunk(chunk_id=f"{doc_id}-1", doc_id=doc_id, title=doc_id.title(), section="Section",
                 text=document[start:], start=start, end=len(document), page=page)


GUIDE_CHUNK, FAQ_CHUNK = chunk_of("guide", GUIDE, page=3), chunk_of("faq", FAQ)


def units(chunk: Chunk, score: float = 0.5) -> list[Candidate]:
    return [Candidate(u, chunk, 1, score=score) for u in answer_units(chunk.text, chunk.start)]


YEARS, LEADERSHIP, BOARDS, SECOND, COMMITTEE, PROJECT = units(GUIDE_CHUNK)
(SALARY,) = units(FAQ_CHUNK)


def scored(candidate: Candidate, score: float) -> Candidate:
    return Candidate(candidate.unit, candidate.chunk, candidate.chunk_rank, score=score)


def test_adjacent_sentences_of_a_chunk_are_one_citation_quoting_the_document_verbatim():
    answer = write_answer([YEARS, LEADERSHIP])
    (citation,) = answer.citations
    assert citation.snippet == ("Directors need five to ten years of practice. "
                                "Most also hold a leadership role first.")
    assert GUIDE[citation.start : citation.end] == citation.snippet  # document offsets
    assert (citation.n, citation.doc_id, citation.chunk_id, citation.title, citation.section) == (
        1, "guide", "guide-1", "Guide", "Section")
    assert citation.page == 3
    assert answer.text == f"{citation.snippet} [1]"


def test_a_skipped_sentence_splits_the_run_and_sentences_of_one_document_share_a_paragraph():
    answer = write_answer([YEARS, BOARDS])
    assert [c.snippet for c in answer.citations] == [YEARS.unit.text, BOARDS.unit.text]
    assert answer.text == f"{YEARS.unit.text} [1] {BOARDS.unit.text} [2]"


def test_documents_follow_their_best_unit_and_units_follow_the_document():
    chosen = [scored(BOARDS, 0.9), scored(SALARY, 0.8), scored(YEARS, 0.1)]
    answer = write_answer(chosen)
    assert [c.snippet for c in answer.citations] == [YEARS.unit.text, BOARDS.unit.text, SALARY.unit.text]
    assert answer.text.split("\n\n") == [f"{YEARS.unit.text} [1] {BOARDS.unit.text} [2]",
                                         f"{SALARY.unit.text} [3]"]
    answer = write_answer([scored(BOARDS, 0.7), scored(SALARY, 0.8)])
    assert [c.doc_id for c in answer.citations] == ["faq", "guide"]


def test_leading_units_come_first_in_the_order_given():
    chosen = [scored(YEARS, 0.9), scored(BOARDS, 0.8), scored(SALARY, 0.1)]
    answer = write_answer(chosen, leading=[chosen[2]])
    assert [c.doc_id for c in answer.citations] == ["faq", "guide", "guide"]
    assert answer.text.startswith(f"{SALARY.unit.text} [1]\n\n")


def test_list_items_are_bullets_of_one_block_each_with_its_own_citation():
    answer = write_answer([SECOND, COMMITTEE, PROJECT])
    assert [c.snippet for c in answer.citations] == [
        SECOND.unit.text, "Join the quality committee of your hospital",
        "Lead one improvement project from start to end"]
    assert answer.text == (f"{SECOND.unit.text} [1]\n\n"
                           "- Join the quality committee of your hospital [2]\n"
                           "- Lead one improvement project from start to end [3]")


def test_a_preface_opens_the_answer_citing_the_lead_unless_it_introduces_it():
    note = write_answer([YEARS], preface="You mention eight years in practice.")
    assert note.text == f"You mention eight years in practice [1].\n\n{YEARS.unit.text} [1]"
    intro = write_answer([YEARS], preface="The articles do not cover that; related points:")
    assert intro.text.startswith("The articles do not cover that; related points:\n\n")


def test_nothing_chosen_is_an_empty_answer():
    answer = write_answer([])
    assert (answer.text, answer.citations) == ("", [])


def test_images_html_and_off_corpus_links_leave_the_text_but_not_the_snippet():
    document = ("Links\n\nThe board lists approved courses at https://abim.example.org/courses "
                "![track](http://evil.example/pixel.png) for every <b>new</b> applicant.")
    (unit,) = units(chunk_of("links", document))
    answer = write_answer([unit])
    assert "evil.example" not in answer.text and "<b>" not in answer.text
    assert "https://abim.example.org/courses" in answer.text  # a link the cited text carries stays
    assert answer.citations[0].snippet == unit.unit.text and "<b>new</b>" in answer.citations[0].snippet


def test_only_the_next_sentence_of_the_same_paragraph_follows_directly():
    assert follows_directly(YEARS, LEADERSHIP) and follows_directly(LEADERSHIP, BOARDS)
    assert not follows_directly(YEARS, BOARDS)  # a sentence in between
    assert not follows_directly(BOARDS, SECOND)  # a new paragraph
    assert not follows_directly(SECOND, COMMITTEE) and not follows_directly(COMMITTEE, PROJECT)  # list items
    assert not follows_directly(BOARDS, SALARY)  # another chunk
