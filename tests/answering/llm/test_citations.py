"""Citation enforcement on model text: markers in every shape, renumbering, support, verbatim snippets."""

from __future__ import annotations

import pytest

from advisor.answering.citations import CitationEnforcer, NumberedContext
from advisor.models import Chunk, RetrievedChunk

DOC = ("Medical directors need five to ten years of clinical experience. An MBA or MHA degree helps many "
       "candidates.\n\n- Leadership training in quality improvement\n\n"
       "- Board certification in a specialty\n\nRead more at https://example.org/guide today.")
OTHER = "Health systems hire medical directors to oversee quality programs. Salaries vary widely by region."


def make_context(max_chars: int = 5000) -> NumberedContext:
    first = Chunk(chunk_id="c1", doc_id="d1", title="Guide", section="Steps", text=DOC, start=40,
                  end=40 + len(DOC), page=2)
    second = Chunk(chunk_id="c2", doc_id="d2", title="Jobs", section="Pay", text=OTHER, start=0,
                   end=len(OTHER))
    return NumberedContext.build([RetrievedChunk(chunk=second, score=0.5, rank=1),
                                  RetrievedChunk(chunk=first, score=0.9, rank=0)], max_chars)


def enforce(raw: str, piece: int = 3, context: NumberedContext | None = None) -> CitationEnforcer:
    """Feed `raw` in `piece`-character deltas; the deltas must add up to the final text."""
    enforcer = CitationEnforcer(context or make_context(), canary="ZZ-CANARY-1")
    deltas = [enforcer.feed(raw[i : i + piece]) for i in range(0, len(raw), piece)] + [enforcer.finish()]
    assert "".join(deltas) == enforcer.text
    return enforcer


def test_context_numbers_units_best_chunk_first_with_exact_spans():
    context = make_context()
    assert [u.chunk.chunk_id for u in context.units][:5] == ["c1"] * 5
    assert context.units[0].unit.text == "Medical directors need five to ten years of clinical experience."
    for item in context.units:
        assert item.chunk.text[item.unit.start - item.chunk.start : item.unit.end - item.chunk.start] == \
            item.unit.text
    rendered = context.render()
    assert rendered.count("<passage ") == 2 and "[1] Medical directors" in rendered
    assert len(make_context(max_chars=80)) == 1  # the budget keeps at least one unit


@pytest.mark.parametrize("raw", [
    "Experience matters [2][1]. Degrees help [1, 2].",
    "Experience matters 【2】【1】. Degrees help [1,2].",
    "Experience matters [2] [1]. Degrees help [1-2].",
    "Experience matters [Passage 2][1]. Degrees help [^1][2].",
])
def test_marker_shapes_are_parsed_and_renumbered_by_first_appearance(raw):
    enforcer = enforce(raw)
    assert enforcer.text == "Experience matters [1][2]. Degrees help [2][1]."
    assert [c.snippet for c in enforcer.citations] == [
        "An MBA or MHA degree helps many candidates.",
        "Medical directors need five to ten years of clinical experience."]
    assert enforcer.report.renumbered


def test_out_of_range_markers_are_dropped_and_reported():
    enforcer = enforce("You need experience [0][42]. An MBA helps [2, 99].")
    assert "[42]" not in enforcer.text and "[0]" not in enforcer.text
    assert enforcer.report.dropped_markers == [0, 42, 99]
    assert enforcer.text.endswith("An MBA helps [1].")
    assert [c.n for c in enforcer.citations] == [1]


def test_citations_quote_the_document_verbatim_with_offsets():
    enforcer = enforce("Board certification matters [4]. Leaders train [3].")
    document_text = " " * 40 + DOC  # the chunk starts at offset 40 of its document
    for citation in enforcer.citations:
        assert document_text[citation.start : citation.end] == citation.snippet
        assert citation.doc_id == "d1" and citation.page == 2 and citation.chunk_id == "c1"
    assert [c.snippet for c in enforcer.citations] == ["Board certification in a specialty",
                                                       "Leadership training in quality improvement"]


def test_uncited_sentence_is_attached_to_the_unit_that_supports_it():
    enforcer = enforce("Medical directors usually need five to ten years of clinical experience.")
    assert enforcer.text == "Medical directors usually need five to ten years of clinical experience. [1]"
    assert enforcer.report.attached == 1
    assert enforcer.citations[0].snippet.startswith("Medical directors need five to ten years")


def test_unsupported_sentence_is_flagged_not_cited():
    enforcer = enforce("An MBA helps [2]. Pilots should practise crosswind landings every single month.")
    assert enforcer.report.unsupported_sentences == [
        "Pilots should practise crosswind landings every single month."]
    assert enforcer.text.count("[") == 1


def test_garbage_gives_no_citations():
    enforcer = enforce("]]]] [[[ ((( 12 ### [abc] [ ] \x00 ✓✓")
    assert enforcer.citations == []


def test_marker_on_its_own_line_and_bullets_keep_layout():
    raw = "What helps:\n\n- Quality training [3]\n- Board certification\n[4]\n\nThat is all."
    enforcer = enforce(raw, piece=1)
    assert enforcer.text == "What helps:\n\n- Quality training [1]\n- Board certification [2]\n\nThat is all."


def test_same_text_whatever_the_delta_size():
    raw = "Experience matters [2][1]. See https://example.org/guide. An MBA helps [2, 7]!\n\n- Train [3]"
    texts = {enforce(raw, piece=n).text for n in (1, 2, 5, 17, len(raw))}
    assert len(texts) == 1
