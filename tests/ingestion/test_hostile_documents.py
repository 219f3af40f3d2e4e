"""Hostile files never stop an ingest: each failure is one error naming its file, and the rest are indexed.

Covers the review's findings: a decompression-bomb or deeply nested PDF, a file name that is not UTF-8,
a manifest that is a list or holds numbers, symbolic links out of the corpus, a document named like the
store's own record, UTF-16/32 text, NULs late in a file, control and bidi characters, and a wrapped
paragraph that was taken for a sign-up prompt. `evals/hostile/run.py` runs 139 such cases at once.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from advisor.ingestion import pipeline
from advisor.ingestion.cleaning import clean_text, is_boilerplate
from advisor.ingestion.loaders import (
    MAX_TITLE_CHARS,
    DocumentError,
    display_path,
    iter_source_files,
    load_document,
    load_manifest,
)
from advisor.service import Advisor
from tests.ingestion.conftest import make_pdf

PARAGRAPH = (
    "A medical director oversees clinical quality, credentialing and the budget of a department, and "
    "needs both clinical credibility and management skills to lead physicians well."
)


def hand_made_pdf(contents: bytes, flate: bool = False) -> bytes:
    """A one-page PDF whose page content stream is exactly `contents`."""
    if flate:
        contents = zlib.compress(contents, 9)
    stream = (b"<< /Length %d%s >>\nstream\n" % (len(contents), b" /Filter /FlateDecode" if flate else b"")
              + contents + b"\nendstream")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        stream,
    ]
    out, offsets = bytearray(b"%PDF-1.7\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def bytes_path(folder: Path, name: bytes) -> Path:
    return Path(os.fsdecode(os.fsencode(folder) + b"/" + name))


# ---- PDFs --------------------------------------------------------------------------------------------------


def test_a_flate_decompression_bomb_is_refused_not_raised(tmp_path: Path):
    bomb = write(tmp_path / "bomb.pdf", hand_made_pdf(b" " * 80_000_000, flate=True))
    assert bomb.stat().st_size < 200_000
    with pytest.raises(DocumentError, match="safety limit"):
        load_document(bomb, 10**7)


def test_bombs_under_the_stream_limit_are_refused_by_the_document_budget(tmp_path: Path):
    from pypdf import PdfReader, PdfWriter

    page = PdfReader(write(tmp_path / "one.pdf", hand_made_pdf(b" " * 12_000_000, flate=True))).pages[0]
    writer = PdfWriter()
    for _ in range(20):  # 20 pages of 12 MB: each page under the 16 MB per-stream limit
        writer.add_page(page)
    pages = tmp_path / "pages.pdf"
    with pages.open("wb") as handle:
        writer.write(handle)
    with pytest.raises(DocumentError, match="decompression bomb"):
        load_document(pages, 10**7)


NESTED = b"[" * 100_000 + b"]" * 100_000 + b" pop BT /F1 11 Tf 40 740 Td (Text after the nesting) Tj ET"


def test_a_pdf_nested_100000_deep_is_refused_as_too_deep(tmp_path: Path):
    nested = write(tmp_path / "nested.pdf", hand_made_pdf(NESTED, flate=True))
    with pytest.raises(DocumentError, match="nested too deeply"):
        load_document(nested, 10**7)


def test_a_pdf_without_text_says_so_and_what_pypdf_found(tmp_path: Path):
    blank = write(tmp_path / "blank.pdf", hand_made_pdf(b"[" * 100_000 + b"]" * 100_000, flate=True))
    with pytest.raises(DocumentError, match="no text in the PDF"):  # no text operator: nothing is parsed
        load_document(blank, 10**7)
    damaged = write(tmp_path / "damaged.pdf", hand_made_pdf(b"").replace(b"0000000009 00000 n",
                                                                         b"0000099999 00000 n"))
    with pytest.raises(DocumentError, match=r"no text could be read from the PDF \(pypdf: Ignoring wrong"):
        load_document(damaged, 10**7)


def test_an_encrypted_pdf_without_a_reading_password_is_read(tmp_path: Path):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(write(tmp_path / "plain.pdf", make_pdf([PARAGRAPH]))))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    restricted = tmp_path / "restricted.pdf"
    with restricted.open("wb") as handle:
        writer.write(handle)
    assert "credentialing" in load_document(restricted, 10**7).text
    with pytest.raises(DocumentError, match="encrypted"):
        load_document(write(tmp_path / "secret.pdf", make_pdf([PARAGRAPH], password="pw")), 10**7)


# ---- text: encodings, NULs, invisible characters -----------------------------------------------------------


@pytest.mark.parametrize("codec, bom", [
    ("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"),
    ("utf-32-le", b"\xff\xfe\x00\x00"), ("utf-32-be", b"\x00\x00\xfe\xff"),
])
def test_utf16_and_utf32_with_a_byte_order_mark_are_decoded(tmp_path: Path, codec: str, bom: bytes):
    note = write(tmp_path / "note.md", bom + f"# Wide Note\n\n{PARAGRAPH}\n".encode(codec))
    document = load_document(note, 10**6)
    assert document.title == "Wide Note" and PARAGRAPH in document.text


def test_utf16_without_a_mark_is_refused_with_a_hint(tmp_path: Path):
    note = write(tmp_path / "note.txt", PARAGRAPH.encode("utf-16-le"))
    with pytest.raises(DocumentError, match="byte-order mark"):
        load_document(note, 10**6)


def test_a_nul_byte_after_the_first_8_kb_is_refused(tmp_path: Path):
    late = write(tmp_path / "late.txt", (PARAGRAPH + "\n\n") * 60 + "\x00" + PARAGRAPH)
    with pytest.raises(DocumentError, match="NUL"):
        load_document(late, 10**6)


def test_control_and_bidi_override_characters_are_removed(tmp_path: Path):
    text = f"Pay \u202e00001$\u202c now.\x1b[31m {PARAGRAPH * 2}\x07 Line\x0bbreak."
    document = load_document(write(tmp_path / "odd.txt", text), 10**6)
    entities = f"<p>Pay &#x202E;1&#x202C; now &#27;[0m. {PARAGRAPH}</p>"
    html = load_document(write(tmp_path / "odd.html", entities), 10**6)
    for loaded in (document, html):
        assert not any(ch in loaded.text for ch in "\u202e\u202c\x1b\x07\x0b"), loaded.text
    assert "Line break." in document.text and PARAGRAPH in html.text


def test_mostly_control_characters_late_in_a_file_are_binary(tmp_path: Path):
    late = write(tmp_path / "late.txt", ((PARAGRAPH + "\n\n") * 50).encode() + bytes(range(1, 9)) * 20_000)
    with pytest.raises(DocumentError, match="control characters"):
        load_document(late, 10**7)


def test_titles_are_capped(tmp_path: Path):
    page = write(tmp_path / "long.html", f"<h1>{'Title ' * 10_000}</h1><p>{PARAGRAPH}</p>")
    title = load_document(page, 10**6).title
    assert len(title) <= MAX_TITLE_CHARS + 1 and title.endswith("…")


# ---- cleaning ----------------------------------------------------------------------------------------------


def test_a_hard_wrapped_paragraph_with_register_to_access_is_kept(tmp_path: Path):
    note = write(tmp_path / "onboarding.md", (
        "Before the first day, a new medical director must register with the state licensing board,\n"
        "and it can take several weeks to gain access to the credentialing database, so start early.\n"))
    assert "register with the state licensing board" in load_document(note, 10**6).text


CALLS_TO_ACTION = ["Sign up to comment", "Log in for updates", "Please register to access this page",
                   "Login or register for our newsletter"]


@pytest.mark.parametrize("line", CALLS_TO_ACTION)
def test_short_calls_to_action_are_still_dropped(line: str):
    assert is_boilerplate(line)
    assert clean_text(f"{PARAGRAPH}\n{line}\n{PARAGRAPH}").count(line) == 0


# ---- names and manifests -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [b"bad-\xff\xfe.txt", b"escape-\x1b[31m.txt", b"new\nline.txt",
                                  "invoice-\u202etxt.md".encode()])
def test_file_names_that_cannot_be_shown_faithfully_are_refused(tmp_path: Path, name: bytes):
    path = bytes_path(tmp_path, name)
    path.write_text(PARAGRAPH, encoding="utf-8")
    with pytest.raises(DocumentError, match="file name"):
        load_document(path, 10**6)
    shown = display_path(path)
    assert shown.isprintable() and shown.encode("utf-8")
    assert display_path(bytes_path(tmp_path, b"bad-\xff.txt")).endswith("bad-\\xff.txt")


@pytest.mark.parametrize("manifest, message", [
    (b"[1, 2]", "not a list"),
    (b'{"doc": "A title"}', "entry 'doc' must be an object"),
    (b'{"doc": {"title": 5}}', "title must be a string"),
    (b'{"doc": {"site": {"a": 1}}}', "site must be a string"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ('{"doc": {"title": "Qualité"}}'.encode("latin-1"), "not valid UTF-8"),
    (b'{"doc": ', "not valid JSON"),
])
def test_manifest_problems_are_named(tmp_path: Path, manifest: bytes, message: str):
    write(tmp_path / "manifest.json", manifest)
    with pytest.raises(DocumentError, match=message):
        load_manifest(tmp_path)


def test_manifest_values_are_cleaned(tmp_path: Path):
    write(tmp_path / "manifest.json", '{"doc": {"title": "Odd \\u202etitle\\u001b", "site": null}}')
    assert load_manifest(tmp_path) == {"doc": {"title": "Odd title"}}


# ---- folders and symbolic links ----------------------------------------------------------------------------


@pytest.fixture
def linked(tmp_path: Path) -> Path:
    corpus, outside = tmp_path / "corpus", tmp_path / "outside"
    write(corpus / "real.txt", PARAGRAPH)
    write(outside / "secret.txt", "Outside secret.")
    write(outside / "folder" / "deep.txt", "Outside folder.")
    os.symlink("/etc/passwd", corpus / "passwd.txt")
    os.symlink(outside / "secret.txt", corpus / "secret.txt")
    os.symlink(outside / "folder", corpus / "folder")
    os.symlink("real.txt", corpus / "alias.txt")
    os.symlink(".", corpus / "self")
    os.symlink("loop-b.txt", corpus / "loop-a.txt")
    os.symlink("loop-a.txt", corpus / "loop-b.txt")
    return corpus


def listed(paths: list[Path], follow: bool = False) -> tuple[list[str], dict[str, str]]:
    skipped: dict[str, str] = {}
    found = iter_source_files(paths, follow_symlinks=follow,
                              on_skip=lambda path, why: skipped.update({path.name: why}))
    return [p.name for p in found], skipped


def test_symbolic_links_out_of_the_folder_are_skipped_with_a_message(linked: Path):
    names, skipped = listed([linked])
    assert names == ["alias.txt", "real.txt"]
    assert set(skipped) == {"passwd.txt", "secret.txt", "folder", "loop-a.txt", "loop-b.txt"}
    assert "outside" in skipped["passwd.txt"] and "--follow-symlinks" in skipped["passwd.txt"]
    assert "loop" in skipped["loop-a.txt"]


def test_a_named_link_out_of_its_folder_is_skipped_too(linked: Path):
    names, skipped = listed([linked / "passwd.txt"])
    assert names == [] and "outside" in skipped["passwd.txt"]
    assert listed([linked / "alias.txt"])[0] == ["alias.txt"]


def test_following_symbolic_links_reads_them_once(linked: Path):
    names, skipped = listed([linked], follow=True)
    assert sorted(names) == ["alias.txt", "deep.txt", "passwd.txt", "real.txt", "secret.txt"]
    assert set(skipped) == {"loop-a.txt", "loop-b.txt"}


def test_folders_deeper_than_the_recursion_limit_are_walked(tmp_path: Path):
    deep = tmp_path
    for _ in range(1_200):
        deep = deep / "d"
        deep.mkdir()
    write(deep / "bottom.txt", PARAGRAPH)
    try:
        assert listed([tmp_path])[0] == ["bottom.txt"]
    finally:  # pytest's own cleanup recurses per level
        (deep / "bottom.txt").unlink()
        while deep != tmp_path:
            deep.rmdir()
            deep = deep.parent


# ---- the pipeline ------------------------------------------------------------------------------------------


def test_one_ingest_of_hostile_files_indexes_all_the_good_ones(fresh_settings, embedder, tmp_path: Path):
    corpus = tmp_path / "corpus"
    write(corpus / "good.txt", PARAGRAPH)
    write(corpus / "wide.txt", b"\xff\xfe" + f"Wide text. {PARAGRAPH}".encode("utf-16-le"))
    write(corpus / "__index_meta__.md", f"# Reserved\n\n{PARAGRAPH}")
    write(corpus / "bomb.pdf", hand_made_pdf(b" " * 80_000_000, flate=True))
    write(corpus / "nested.pdf", hand_made_pdf(NESTED, flate=True))
    write(bytes_path(corpus, b"bad-\xff.txt"), PARAGRAPH)
    write(corpus / "listed" / "manifest.json", b"[1, 2]")
    write(corpus / "listed" / "in-listed.txt", PARAGRAPH)
    write(corpus / "numbers" / "manifest.json", b'{"in-numbers": {"title": 5}}')
    write(corpus / "numbers" / "in-numbers.txt", PARAGRAPH)
    write(corpus / "bombs.md", "# a" + " " * 20_000 + "###x\n\n" + "login to " * 1_000 + f"\n\n{PARAGRAPH}")
    os.symlink("/etc/passwd", corpus / "passwd.txt")

    service = Advisor(fresh_settings, embedder=embedder)
    report = service.ingest([corpus])
    assert sorted(report.added_documents) == [
        "__index_meta__", "bombs", "good", "in-listed", "in-numbers", "wide"]
    errors = {Path(e.path).name: e.error for e in report.errors}
    assert set(errors) == {"bomb.pdf", "nested.pdf", "bad-\\xff.txt", "manifest.json", "passwd.txt"}
    assert [e.path for e in report.errors if e.path.endswith("manifest.json")] == [
        display_path(corpus / "listed" / "manifest.json"), display_path(corpus / "numbers" / "manifest.json")]
    for error in report.errors:
        assert error.path.isprintable() and error.error.isprintable() and "Traceback" not in error.error
    assert "root:x:0" not in " ".join(c.text for c in service.store.all_chunks())


def test_a_document_named_like_the_store_record_is_listed_and_not_reindexed(fresh_settings, embedder,
                                                                            tmp_path: Path):
    write(tmp_path / "__index_meta__.txt", PARAGRAPH)
    service = Advisor(fresh_settings, embedder=embedder)
    assert service.ingest([tmp_path]).added_documents == ["__index_meta__"]
    version = service.store.version()
    assert "__index_meta__" in [s.doc_id for s in service.sources()]
    again = service.ingest([tmp_path])
    assert again.unchanged_documents == ["__index_meta__"] and again.chunks_written == 0
    assert service.store.version() == version != "empty"
    document = service.document("__index_meta__")
    assert document is not None and document.text == PARAGRAPH


def test_prune_drops_a_document_whose_file_became_a_link_out_of_the_folder(fresh_settings, embedder,
                                                                           tmp_path: Path):
    corpus = tmp_path / "corpus"
    write(corpus / "kept.txt", PARAGRAPH)
    write(corpus / "moved.txt", f"Moved. {PARAGRAPH}")
    service = Advisor(fresh_settings, embedder=embedder)
    service.ingest([corpus])
    (corpus / "moved.txt").unlink()
    os.symlink("/etc/passwd", corpus / "moved.txt")
    report = service.ingest([corpus], prune=True)
    assert report.removed_documents == ["moved"] and [s.doc_id for s in service.sources()] == ["kept"]


def test_an_unexpected_loader_failure_is_an_error_for_that_file(fresh_settings, embedder, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch):
    write(tmp_path / "good.txt", PARAGRAPH)
    write(tmp_path / "trigger.txt", PARAGRAPH)
    real = pipeline.load_document

    def buggy(path: Path, *args: object, **kwargs: object):  # a parser bug only this file reaches
        if path.name == "trigger.txt":
            raise RecursionError("maximum recursion depth exceeded")
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "load_document", buggy)
    report = Advisor(fresh_settings, embedder=embedder).ingest([tmp_path])
    assert report.added_documents == ["good"]
    assert [(Path(e.path).name, e.error) for e in report.errors] == [("trigger.txt",
                                                                     "cannot read file (nested too deeply)")]


def test_the_command_names_each_bad_file_and_exits_1(tmp_path: Path):
    corpus = tmp_path / "corpus"
    write(corpus / "good.txt", PARAGRAPH)
    write(corpus / "latin1.txt", "Qualité".encode("latin-1"))
    write(bytes_path(corpus, b"bad-\xff.txt"), PARAGRAPH)
    write(corpus / "bomb.pdf", hand_made_pdf(b" " * 80_000_000, flate=True))
    os.symlink("/etc/passwd", corpus / "passwd.txt")
    env = {**os.environ, "ADVISOR_DATA_DIR": str(tmp_path / "data"), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-m", "advisor", "ingest", "--quiet", str(corpus)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 4, done.stderr
    for name in ["latin1.txt", "bad-\\xff.txt", "bomb.pdf", "passwd.txt"]:
        assert any(f"/{name}: " in line for line in errors), name
    assert "1 added" in done.stdout and "4 failed" in done.stdout


def test_the_command_offers_to_follow_symbolic_links():
    from typer.testing import CliRunner

    from advisor.cli import app

    assert "--follow-symlinks" in CliRunner().invoke(app, ["ingest", "--help"]).output

