"""HTML, Markdown, text and PDF files load into cleaned documents with titles, structure and pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.ingestion.chunking import split_into_chunks
from advisor.ingestion.loaders import DocumentError, load_document, load_manifest
from advisor.service import Advisor
from tests.conftest import CORPUS_DIR
from tests.ingestion.conftest import make_pdf


def test_html_goes_through_a_parser_dropping_scripts_navigation_and_footers(tmp_path: Path):
    page = tmp_path / "leadership-fellowships.html"
    page.write_text(
        """<html><head><title>Leadership Fellowships</title><script>var x = "<p>not text</p>";</script>
        <style>p {color: red}</style></head><body><nav><a href="/">Home</a></nav>
        <h1>Leadership Fellowships for Physicians</h1>
        <p>A leadership fellowship gives physicians &amp; surgeons protected time to learn operations.</p>
        <ul><li>Fellows rotate through the finance office.</li><li>Fellows lead one quality project.</li></ul>
        <footer>© 2024 Example Health. All rights reserved.</footer></body></html>""",
        encoding="utf-8",
    )
    document = load_document(page, 10**6)
    assert document.title == "Leadership Fellowships for Physicians"
    assert "physicians & surgeons protected time" in document.text
    assert "• Fellows rotate through the finance office." in document.text
    assert "not text" not in document.text and "color" not in document.text
    assert "Home" not in document.text and "rights reserved" not in document.text
    chunks = split_into_chunks(document)
    assert chunks[0].section == "Leadership Fellowships for Physicians"


def test_markdown_headings_become_sections_and_wrapped_lines_are_joined(tmp_path: Path):
    note = tmp_path / "negotiation.md"
    note.write_text(
        "# Negotiating the Offer\n\nAsk for protected administrative\ntime in writing.\n\n"
        "## Clinical Hours\n\n- Keep some clinical shifts to stay credible.\n",
        encoding="utf-8",
    )
    document = load_document(note, 10**6)
    assert document.title == "Negotiating the Offer"
    assert "Ask for protected administrative time in writing." in document.text
    chunks = split_into_chunks(document)
    assert [c.section for c in chunks] == ["Negotiating the Offer", "Clinical Hours"]
    assert chunks[1].text == "- Keep some clinical shifts to stay credible."


def test_pdf_keeps_page_numbers_on_chunks(tmp_path: Path):
    pdf = tmp_path / "handbook.pdf"
    pdf.write_bytes(
        make_pdf(
            [
                "Chapter one explains the credentialing committee in detail.",
                "Chapter two explains budgeting for a clinical department.",
            ]
        )
    )
    document = load_document(pdf, 10**6)
    assert [number for number, _ in document.pages] == [1, 2]
    chunks = split_into_chunks(document, chunk_size=60)
    pages = {c.page for c in chunks if "budgeting" in c.text}
    assert pages == {2}
    assert document.page_at(document.text.index("credentialing")) == 1


def test_manifest_titles_and_sites_are_used():
    manifest = load_manifest(CORPUS_DIR)
    document = load_document(CORPUS_DIR / "recruitingblogs-become-medical-director.txt", 10**6, manifest)
    assert document.title == "How to Become a Medical Director"
    assert document.site == "RecruitingBlogs"


@pytest.mark.parametrize("name", ["notes.docx", "README"])
def test_unsupported_types_are_rejected_with_the_reason(tmp_path: Path, name: str):
    path = tmp_path / name
    path.write_text("text", encoding="utf-8")
    with pytest.raises(DocumentError, match="unsupported file type"):
        load_document(path, 10**6)


def test_user_documents_of_every_type_are_ingested_and_answerable(fresh_settings, embedder, tmp_path: Path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "fellowship.html").write_text(
        "<h1>Physician Leadership Fellowship</h1>"
        "<p>The Hartwell leadership fellowship lasts eighteen months and "
        "pairs each physician with an executive sponsor.</p>",
        encoding="utf-8",
    )
    (folder / "offer.md").write_text(
        "# Offer Letters\n\nA strong offer letter lists the stipend for "
        "administrative duties separately from clinical pay.\n",
        encoding="utf-8",
    )
    (folder / "handbook.pdf").write_bytes(
        make_pdf(["The Brightwater handbook requires two years on the credentialing committee."])
    )
    service = Advisor(fresh_settings, embedder=embedder)
    report = service.ingest([folder])
    assert report.ok and sorted(report.added_documents) == ["fellowship", "handbook", "offer"]
    answer = service.ask("How long does the Hartwell leadership fellowship last?")
    assert not answer.refused
    assert answer.citations[0].doc_id == "fellowship" and "eighteen months" in answer.text
    pdf_answer = service.ask(
        "How long must I serve on the credentialing committee per the Brightwater handbook?"
    )
    assert pdf_answer.citations and pdf_answer.citations[0].page == 1
