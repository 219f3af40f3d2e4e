"""Chunking keeps a document's structure: headings become sections, list items stay whole, chunks are exact
slices of the document packed up to the chunk size, long paragraphs split evenly, and ids are stable."""

from __future__ import annotations

import pytest

from advisor.ingestion.chunking import make_chunk_id, split_into_blocks, split_into_chunks
from advisor.models import Chunk, Document

GUIDE = """How to Become a Medical Director

A medical director leads the clinical side of an organisation and answers for the quality of care.

1. Hospital Medical Director

Hospital directors oversee departments, budgets and credentialing.

1. Medical Expertise: a broad clinical background earns the respect of the staff you lead.

2. Leadership Skills: running meetings, budgets and projects.

What does the job pay?

Salaries range from $200,000 to $400,000 a year.

Is it worth it?

How long does it take?

Most directors practise for five to ten years first.
"""


def document(text: str = GUIDE, **fields: object) -> Document:
    return Document(doc_id="guide", title="How to Become a Medical Director", text=text, **fields)  # type: ignore[arg-type]


def assert_exact_slices(chunks: list[Chunk], text: str) -> None:
    assert all(text[c.start : c.end] == c.text for c in chunks)
    assert all(a.end <= b.start for a, b in zip(chunks, chunks[1:], strict=False))  # in order, no overlap


def test_blocks_are_headings_list_items_or_paragraphs():
    kinds = [(b.kind, " ".join(b.text.split()[:3])) for b in split_into_blocks(GUIDE)]
    assert kinds == [
        ("heading", "How to Become"),
        ("paragraph", "A medical director"),
        ("heading", "1. Hospital Medical"),  # a short numbered line: a numbered heading
        ("paragraph", "Hospital directors oversee"),
        ("item", "1. Medical Expertise:"),  # a numbered line that goes on after a colon: a list item
        ("item", "2. Leadership Skills:"),
        ("heading", "What does the"),  # a question the next block answers heads it (an FAQ)
        ("paragraph", "Salaries range from"),
        ("paragraph", "Is it worth"),  # a question followed by another question heads nothing
        ("heading", "How long does"),
        ("paragraph", "Most directors practise"),
    ]
    assert all(GUIDE[b.start : b.end] == b.text for b in split_into_blocks(GUIDE))


def test_headings_become_sections_and_are_not_chunk_text():
    chunks = split_into_chunks(document(), chunk_size=900)
    assert [c.section for c in chunks] == ["How to Become a Medical Director", "Hospital Medical Director",
                                           "What does the job pay?", "How long does it take?"]
    assert [" ".join(c.text.split()[:3]) for c in chunks] == [
        "A medical director", "Hospital directors oversee", "Salaries range from", "Most directors practise"]
    assert chunks[2].text.endswith("\n\nIs it worth it?")  # a paragraph of the section before
    assert_exact_slices(chunks, GUIDE)
    assert all(c.index_text() == f"{c.section}\n{c.text}" for c in chunks)


def test_blocks_are_packed_up_to_the_chunk_size_and_list_items_stay_whole():
    small = split_into_chunks(document(), chunk_size=120)
    big = split_into_chunks(document(), chunk_size=900)
    assert len(small) > len(big)
    assert_exact_slices(small, GUIDE)
    items = ["1. Medical Expertise: a broad clinical background earns the respect of the staff you lead.",
             "2. Leadership Skills: running meetings, budgets and projects."]
    for item in items:  # each list item lies whole inside one chunk
        assert sum(item in c.text for c in small) == 1
    assert all(len(c.text) <= 120 for c in small)


def test_a_paragraph_longer_than_a_chunk_is_split_into_even_pieces():
    sentence = "Directors review budgets with the finance team every quarter. "
    long = (sentence * 12).strip()  # about 750 characters
    text = f"Budgets\n\n{long}\n"
    chunks = split_into_chunks(document(text), chunk_size=300)
    assert len(chunks) == 3 and {c.section for c in chunks} == {"Budgets"}
    sizes = [len(c.text) for c in chunks]
    assert max(sizes) - min(sizes) < 80  # even pieces, not two full chunks and a crumb
    assert all(s <= -(-len(long) // 3) + 40 for s in sizes)
    assert_exact_slices(chunks, text)
    assert text[chunks[0].start : chunks[-1].end] == long  # from the paragraph's start to its end
    assert all(not text[a.end : b.start].strip() for a, b in zip(chunks, chunks[1:], strict=False))  # no gap


def test_chunks_carry_the_page_their_text_starts_on():
    text = "Handbook\n\nPage one explains the credentialing committee.\n\nPage two explains budgeting rules."
    paged = document(text, pages=[(1, 0), (2, text.index("Page two"))])
    chunks = split_into_chunks(paged, chunk_size=50)
    assert [(c.text[:8], c.page) for c in chunks] == [("Page one", 1), ("Page two", 2)]
    assert all(c.page is None for c in split_into_chunks(document(text), chunk_size=50))


def test_chunk_ids_are_stable_and_change_with_the_content():
    first, again = split_into_chunks(document()), split_into_chunks(document())
    assert [c.chunk_id for c in first] == [c.chunk_id for c in again]
    assert len({c.chunk_id for c in first}) == len(first)
    assert all(c.chunk_id.startswith("guide-") for c in first)
    edited = split_into_chunks(document(GUIDE.replace("$400,000", "$450,000")))
    changed = [a.chunk_id != b.chunk_id for a, b in zip(first, edited, strict=True)]
    assert changed == [c.section == "What does the job pay?" for c in first]  # only the edited chunk's id


@pytest.mark.parametrize("field", ["doc_id", "title", "section", "start", "text"])
def test_every_part_of_a_chunk_goes_into_its_id(field: str):
    parts = {"doc_id": "guide", "title": "Guide", "section": "Pay", "start": 10, "text": "Salaries vary."}
    changed = {**parts, field: parts[field] * 2}
    assert make_chunk_id(**parts) != make_chunk_id(**changed)  # type: ignore[arg-type]
    assert make_chunk_id("x" * 60, "T", "S", 0, "t").startswith("x" * 40 + "-")
