"""Fixture files for the loaders: good documents of every type and every class of bad file."""

from __future__ import annotations

import io
from pathlib import Path

import pytest


def make_pdf(pages: list[str], password: str | None = None) -> bytes:
    """A real PDF with one text line per page, written with pypdf."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    font_ref = writer._add_object(font)
    for text in pages:
        page = writer.add_blank_page(width=612, height=792)
        stream = DecodedStreamObject()
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        stream.set_data(f"BT /F1 11 Tf 40 740 Td ({escaped}) Tj ET".encode("latin-1"))
        page[NameObject("/Contents")] = writer._add_object(stream)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font_ref})}
        )
    if password:
        writer.encrypt(password)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.fixture
def bad_files(tmp_path: Path) -> Path:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (folder / "latin1.txt").write_bytes("Médecin directeur: qualité des soins.".encode("latin-1"))
    (folder / "malformed.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\ngarbage without xref\n")
    (folder / "encrypted.pdf").write_bytes(
        make_pdf(["A secret page about medical directors."], password="pw")
    )
    (folder / "huge.txt").write_bytes(b"word " * 5_000_000)
    (folder / "only-boilerplate.html").write_text(
        "<html><body><nav>Home</nav><p>Subscribe</p><p>Views: 12</p>"
        "<footer>© 2024 All Rights Reserved</footer>"
        "</body></html>",
        encoding="utf-8",
    )
    return folder
