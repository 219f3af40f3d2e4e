"""Writes the hostile documents of the ingestion robustness eval (`evals/hostile/run.py`) into a folder.

Each case is a file (or a small folder) made to break a loader, a cleaning pattern or the pipeline:
empty, binary, oversized and mis-encoded files, UTF-16/32 with and without a byte-order mark, NUL and
control characters late in a file, bidi overrides, deeply nested HTML and PDF, decompression bombs,
encrypted PDFs, broken manifests, symbolic links into and out of the folder, names that are not valid
UTF-8, the store's reserved record id, and text that makes backtracking regular expressions explode.
Each case says what must happen to it: "ingested", "refused" (an error naming the file) or "ignored"
(not a document at all, passed over silently). Everything is small on disk (the 20 MB file is sparse).

    .venv/bin/python evals/hostile/make_documents.py OUT_DIR     # writes the cases and lists them
"""

from __future__ import annotations

import codecs
import io
import json
import os
import random
import sys
import zlib
from dataclasses import dataclass, field
from pathlib import Path

PARAGRAPH = (
    "A medical director oversees clinical quality, credentialing and the budget of a department, and "
    "needs both clinical credibility and management skills to lead physicians well."
)
MAX_FILE_BYTES = 20_000_000  # the default `max_file_bytes`


@dataclass
class Case:
    """One hostile input: where it is (relative, as bytes), what must happen to it, and why it is here."""

    name: str
    path: bytes
    expect: tuple[str, ...]  # acceptable outcomes: "ingested", "refused", "ignored"
    why: str
    must_contain: str | None = None  # text the indexed document must hold
    must_not_contain: list[str] = field(default_factory=list)  # text it must not

    @property
    def doc_id(self) -> str:
        return Path(os.fsdecode(os.path.basename(self.path))).stem


class _Writer:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.cases: list[Case] = []

    def add(self, name: str, relative: str | bytes, data: bytes | None, expect: str, why: str,
            **checks: object) -> Path:
        """Write `data` (None: the caller makes the file) at `relative` and record the case."""
        raw = os.fsencode(relative)
        path = Path(os.fsdecode(os.path.join(os.fsencode(self.folder), raw)))
        missing = []  # (pathlib's mkdir(parents=True) recurses, and one case is 1,200 folders deep)
        parent = path.parent
        while not parent.exists():
            missing.append(parent)
            parent = parent.parent
        for directory in reversed(missing):
            directory.mkdir()
        if data is not None:
            path.write_bytes(data)
        self.cases.append(Case(name, raw, tuple(expect.split("|")), why, **checks))  # type: ignore[arg-type]
        return path


def text(body: str = PARAGRAPH) -> bytes:
    return body.encode("utf-8")


# ---- PDFs, written by hand so that every byte of the structure is under control -------------------------


def pdf_file(objects: dict[int, bytes], trailer: bytes = b"") -> bytes:
    """A PDF of the numbered objects (1 is the catalog) with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    size = max(objects) + 1
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        out += b"%010d 00000 n \n" % offsets[number] if number in offsets else b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (size, trailer, xref)
    return bytes(out)


def stream(data: bytes, flate: bool = False) -> bytes:
    if flate:
        data = zlib.compress(data, 9)
        return b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"
    return b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def show(line: str) -> bytes:
    escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return f"BT /F1 11 Tf 40 740 Td ({escaped}) Tj ET".encode("latin-1")


def one_page_pdf(contents: bytes, resources: bytes = b"<< /Font << /F1 4 0 R >> >>",
                 extra: dict[int, bytes] | None = None, trailer: bytes = b"") -> bytes:
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources " + resources
        + b" /Contents 5 0 R >>",
        4: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        5: contents,
    }
    objects.update(extra or {})
    return pdf_file(objects, trailer)


def pages_pdf(page_contents: list[bytes]) -> bytes:
    """One page per content stream (already wrapped by `stream`)."""
    first = 4
    kids = b" ".join(b"%d 0 R" % (first + 2 * i) for i in range(len(page_contents)))
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % len(page_contents),
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    }
    for i, contents in enumerate(page_contents):
        page, body = first + 2 * i, first + 2 * i + 1
        objects[page] = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                         b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % body)
        objects[body] = contents
    return pdf_file(objects)


def nested_page_tree_pdf(depth: int) -> bytes:
    """A page tree `depth` levels deep, a single page at the bottom."""
    objects = {1: b"<< /Type /Catalog /Pages 2 0 R >>", 3: b"<< /Type /Font /Subtype /Type1 /BaseFont "
               b"/Helvetica >>", 4: stream(show(PARAGRAPH))}
    node = 10
    objects[2] = b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % node
    parent = 2
    for _ in range(depth):
        objects[node] = b"<< /Type /Pages /Parent %d 0 R /Kids [%d 0 R] /Count 1 >>" % (parent, node + 1)
        parent, node = node, node + 1
    objects[node] = (b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] "
                     b"/Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>" % parent)
    return pdf_file(objects)


def nested_forms_pdf(depth: int) -> bytes:
    """A page drawing a form that draws a form ... `depth` deep."""
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> "
        b"/XObject << /X 10 0 R >> >> /Contents 5 0 R >>",
        4: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        5: stream(b"/X Do " + show(PARAGRAPH)),
    }
    for i in range(depth):
        last = i == depth - 1
        body = (b"" if last else b"/X Do ") + show("Form text.")
        inner = b"" if last else b" /XObject << /X %d 0 R >>" % (11 + i)
        objects[10 + i] = (b"<< /Type /XObject /Subtype /Form /BBox [0 0 612 792] "
                           b"/Resources << /Font << /F1 4 0 R >>" + inner
                           + b" >> /Length %d >>\nstream\n" % len(body) + body + b"\nendstream")
    return pdf_file(objects)


def pypdf_encrypted(user_password: str, owner_password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(one_page_pdf(stream(show(PARAGRAPH))))))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


# ---- the cases -------------------------------------------------------------------------------------------


def make_documents(folder: Path, outside: Path) -> list[Case]:
    """Write every case into `folder` (symbolic-link targets that must stay outside go to `outside`)."""
    folder.mkdir(parents=True, exist_ok=True)
    outside.mkdir(parents=True, exist_ok=True)
    w = _Writer(folder)
    for make in (_plain_files, _encodings, _names, _regex_bombs, _html, _pdfs, _manifests):
        make(w)
    _links_and_special_files(w, outside)
    return w.cases


def _plain_files(w: _Writer) -> None:
    rng = random.Random(7)
    w.add("empty", "empty.txt", b"", "refused", "0 bytes")
    w.add("whitespace only", "whitespace.md", b"  \n\n\t \r\n  ", "refused", "no text at all")
    w.add("binary", "binary.txt", bytes(rng.randrange(256) for _ in range(20_000)), "refused", "random bytes")
    w.add("binary without NUL", "binary-no-nul.txt", bytes(rng.randrange(1, 256) for _ in range(20_000)),
          "refused", "random bytes, none of them NUL")
    huge = w.add("huge", "huge.txt", None, "refused", "one byte over the size limit (a sparse file)")
    with huge.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)
    w.add("only boilerplate", "only-boilerplate.txt",
          text("Subscribe\nViews: 118\nPrivacy Policy | Terms of Service\n© 2024 All Rights Reserved\n"),
          "refused", "every line is page furniture")
    w.add("many blank lines", "many-blank-lines.txt", b"\n" * 3_000_000 + text(), "ingested",
          "3 million empty lines before a paragraph", must_contain=PARAGRAPH)
    w.add("old Mac line ends", "cr-only.txt", text(f"Line ends\r\r{PARAGRAPH}\rSecond line of it."),
          "ingested", "CR alone ends lines", must_contain="Second line of it.")
    w.add("one giant word", "giant-word.txt", b"x" * 1_000_000, "ingested|refused",
          "a 1 MB line without a space")
    w.add("hard-wrapped register paragraph", "register-paragraph.md", text(
        "Before the first day, a new medical director must register with the state licensing board,\n"
        "and it can take several weeks to gain access to the credentialing database, so start early.\n"
        "Hospitals also expect you to log in to the quality portal for monthly updates."),
          "ingested", "a paragraph with 'register ... to ... access' is not a sign-up prompt",
          must_contain="register with the state licensing board")
    w.add("wrapped lines", "wrapped-lines.txt", text("word\n" * 5_000), "ingested",
          "5,000 hard-wrapped lines joined into one paragraph")
    w.add("long paragraph", "long-paragraph.txt", text((PARAGRAPH + " ") * 150), "ingested",
          "a 36 KB line of prose")


def _encodings(w: _Writer) -> None:
    body = f"Encoding test. {PARAGRAPH}"
    w.add("UTF-8 with BOM", "utf8-bom.txt", codecs.BOM_UTF8 + text(body), "ingested", "UTF-8 BOM",
          must_contain=PARAGRAPH)
    for name, codec, bom in [("utf16le", "utf-16-le", codecs.BOM_UTF16_LE), ("utf16be", "utf-16-be",
                             codecs.BOM_UTF16_BE), ("utf32le", "utf-32-le", codecs.BOM_UTF32_LE),
                             ("utf32be", "utf-32-be", codecs.BOM_UTF32_BE)]:
        w.add(f"{name} with BOM", f"{name}-bom.md", bom + f"# {name}\n\n{body}".encode(codec), "ingested",
              "decoded by its byte-order mark", must_contain=PARAGRAPH)
        w.add(f"{name} without BOM", f"{name}-no-bom.txt", body.encode(codec), "refused",
              "without a mark it is binary-looking (NUL bytes)")
    w.add("UTF-16 with BOM, odd length", "utf16-odd.txt", codecs.BOM_UTF16_LE + body.encode("utf-16-le")
          + b"\x41", "refused", "a truncated UTF-16 code unit")
    w.add("UTF-16 with BOM, lone surrogate", "utf16-surrogate.txt", codecs.BOM_UTF16_LE
          + body.encode("utf-16-le") + b"\x00\xd8" + "x".encode("utf-16-le"), "refused", "invalid UTF-16")
    w.add("UTF-16 text with NUL", "utf16-nul.txt", codecs.BOM_UTF16_LE + (body + "\x00").encode("utf-16-le"),
          "refused", "a NUL character, not just NUL bytes")
    w.add("latin-1", "latin1.txt", "Médecin directeur: qualité des soins.".encode("latin-1"), "refused",
          "not UTF-8")
    w.add("UTF-8 surrogate bytes", "utf8-surrogate.txt", text(body) + b" \xed\xa0\x80", "refused",
          "an encoded surrogate is invalid UTF-8")
    w.add("overlong UTF-8", "utf8-overlong.txt", text(body) + b" \xc0\xaf", "refused", "overlong encoding")
    w.add("NUL after 8 KB", "nul-late.txt", text((PARAGRAPH + "\n\n") * 60) + b"\x00" + text(body), "refused",
          "the first 8 KB look like text")
    w.add("few control characters", "controls-few.txt",
          text(f"Terminal \x1b[31mred\x1b[0m text and a bell\x07. {PARAGRAPH * 3}\x0bvertical tab."),
          "ingested", "stray controls are removed, not indexed", must_contain=PARAGRAPH,
          must_not_contain=["\x1b", "\x07", "\x0b"])
    w.add("many control characters", "controls-many.txt", bytes(range(1, 9)) * 500, "refused",
          "only control characters")
    w.add("control characters after 8 KB", "controls-late.txt",
          text((PARAGRAPH + "\n\n") * 50) + bytes(range(1, 9)) * 20_000, "refused",
          "the first 8 KB look like text, the rest is control characters")
    w.add("bidi overrides", "rtl-override.txt",
          text(f"Salary \u202e00001$ si\u202c and {PARAGRAPH} \u2066isolate\u2069."), "ingested",
          "overrides reorder what a reader sees; they are removed", must_contain=PARAGRAPH,
          must_not_contain=["\u202e", "\u2066"])
    w.add("zero-width characters", "zero-width.txt", text(f"Medi\u200bcal dir\u200dector. {PARAGRAPH}"),
          "ingested", "invisible but harmless", must_contain=PARAGRAPH)


def _names(w: _Writer) -> None:
    w.add("name not UTF-8", b"bad-\xff\xfe-name.txt", text(), "refused", "file name with invalid UTF-8 bytes")
    w.add("name with escape", "escape-\x1b[31m-name.txt", text(), "refused",
          "a terminal escape sequence in the name")
    w.add("name with newline", "new\nline.txt", text(), "refused", "a newline in the name")
    w.add("name with RTL override", "invoice-\u202etxt.md", text(), "refused",
          "a name that displays reversed")
    w.add("reserved id", "__index_meta__.txt", text(f"Reserved id. {PARAGRAPH}"), "ingested",
          "the store's old reserved record id", must_contain="Reserved id.")
    w.add("duplicate id of a shipped document", "career-as-medical-director.md", text(), "refused",
          "the shipped .txt document has this id")
    w.add("duplicate id, first", "dup-id.md", text(f"First. {PARAGRAPH}"), "ingested",
          "same id as dup-id.txt")
    w.add("duplicate id, second", "dup-id.txt", text(f"Second. {PARAGRAPH}"), "refused",
          "same id as dup-id.md")
    w.add("unicode name with spaces", " spaced ünïcödé name .txt", text(), "ingested", "unusual but valid")
    w.add("long name", "n" * 240 + ".txt", text(), "ingested", "a 244-byte file name")
    w.add("dot stem", "..txt", text(), "ingested", "the document id is '.'")
    w.add("hidden file", ".hidden.md", text(), "ingested", "a leading dot")
    w.add("unsupported type", "notes.docx", text(), "ignored", "not a supported suffix")
    w.add("no suffix", "README", text(), "ignored", "not a supported suffix")
    w.add("folder named like a file", "folder.txt/inside-folder.txt", text(), "ingested",
          "a folder with a .txt name is walked, not read")
    deep = "/".join(["d"] * 1200)
    w.add("1,200 nested folders", f"{deep}/deep-folder-doc.txt", text(), "ingested",
          "deeper than Python's recursion limit")


def _regex_bombs(w: _Writer) -> None:
    # 100 KB each, except the lines that are prose to the chunker (10 KB: they are embedded, chunk by chunk);
    # the old patterns took a minute on 9 KB of "login to ". tests/ingestion/test_regex_budget.py times them.
    n, prose = 100_000, 10_000
    bombs = {
        "login-to": "login to " * (prose // 9),
        "register-for": "register " + "for " * (prose // 4) + "x",
        "views-spaces": "views" + " " * n + "x",
        "views-colon-spaces": "Views" + " " * n + ":" + " " * n + "x",
        "rss-spaces": "rss" + " " * n + "feeds",
        "copyright-spaces": "(c)" + " " * n + "20",
        "join-words": "join" + " a" * (prose // 2),
        "previous-post": "previous post" + " x" * (n // 2) + "\n",
        "published-by": "published by" + " " * n + "x",
        "bare-url": "https://" + "a" * n + " b",
        "bullet-digits": "1" * n + "x",
        "bullet-spaces": " " * n + "x",
        "sentence-end": "a" * n,
    }
    for name, line in bombs.items():
        w.add(f"regex bomb: {name}", f"bomb-{name}.txt", text(f"{line}\n\n{PARAGRAPH}"), "ingested",
              "a pathological line beside a normal paragraph", must_contain=PARAGRAPH)
    headings = {
        "spaces-then-hashes": "# a" + " " * n + "###x",
        "hashes": "# " + "#" * n + " x",
        "space-hash-pairs": "# a" + " #" * (prose // 2) + "x",
        "leading-spaces": " " * n + "# x",
    }
    for name, line in headings.items():
        w.add(f"Markdown heading bomb: {name}", f"bomb-heading-{name}.md", text(f"{line}\n\n{PARAGRAPH}"),
              "ingested", "the heading pattern backtracked cubically", must_contain=PARAGRAPH)
    w.add("regex bomb in HTML", "bomb-login.html", text(f"<p>{'login to ' * 2000}</p><p>{PARAGRAPH}</p>"),
          "ingested", "the sign-up pattern inside a paragraph element", must_contain=PARAGRAPH)


def _html(w: _Writer) -> None:
    def page(body: str, title: str = "Hostile page") -> bytes:
        return text(f"<html><head><title>{title}</title></head><body>{body}</body></html>")

    deep = 100_000
    w.add("100,000 nested blockquotes", "nested-blockquote.html",
          page("<blockquote>" * deep + PARAGRAPH + "</blockquote>" * deep), "ingested",
          "quadratic in the old innermost-block search", must_contain=PARAGRAPH)
    w.add("5,000 nested divs with paragraphs", "nested-div-p.html",
          page("<div><p>Level text.</p>" * 5_000 + f"<p>{PARAGRAPH}</p>" + "</div>" * 5_000), "ingested",
          "a block at every level", must_contain=PARAGRAPH)
    w.add("100,000 nested inline tags", "nested-inline.html",
          page("<p>" + "<b>" * deep + PARAGRAPH + "</b>" * deep + "</p>"), "ingested",
          "get_text over a deep inline tree", must_contain=PARAGRAPH)
    w.add("50,000 nested lists", "nested-lists.html",
          page("<ul><li>" * 50_000 + PARAGRAPH + "</li></ul>" * 50_000), "ingested", "deep list items",
          must_contain=PARAGRAPH)
    w.add("nested dropped tags", "nested-nav.html",
          page("<nav>" * 50_000 + "menu" + "</nav>" * 50_000 + f"<p>{PARAGRAPH}</p>"), "ingested",
          "navigation inside navigation", must_contain=PARAGRAPH, must_not_contain=["menu"])
    w.add("unclosed tags", "unclosed-tags.html", page("<div><p><span>" * 30_000 + f"<p>{PARAGRAPH}"),
          "ingested", "never closed", must_contain=PARAGRAPH)
    w.add("unclosed comment", "unclosed-comment.html", page(f"<p>{PARAGRAPH}</p><!--" + "x" * 1_000_000),
          "ingested", "a 1 MB comment that never ends", must_contain=PARAGRAPH)
    w.add("unclosed CDATA", "unclosed-cdata.html", page(f"<p>{PARAGRAPH}</p><![CDATA[" + "x" * 1_000_000),
          "ingested|refused", "a 1 MB CDATA section that never ends")
    w.add("many angle brackets", "angle-brackets.html", page(f"<p>{PARAGRAPH}</p>" + "<" * 1_000_000),
          "ingested", "a million '<'", must_contain=PARAGRAPH)
    w.add("many attributes", "many-attributes.html",
          page("<p " + 'a="b" ' * 100_000 + f">{PARAGRAPH}</p>"), "ingested", "100,000 attributes",
          must_contain=PARAGRAPH)
    w.add("huge title", "huge-title.html", page(f"<p>{PARAGRAPH}</p>", title="Title " * 20_000), "ingested",
          "a 120 KB <title> (titles are capped)", must_contain=PARAGRAPH)
    w.add("control characters as entities", "entity-controls.html",
          page(f"<p>Text &#x202E;reversed&#x202C; with &#27;[31m escape &#0; and &#x7f; DEL. "
               f"{PARAGRAPH}</p>"),
          "ingested", "entities that decode to invisible characters", must_contain=PARAGRAPH,
          must_not_contain=["\u202e", "\x1b", "\x7f", "\x00"])
    w.add("script only", "script-only.html", page("<script>" + "var x = 1;" * 1000 + "</script>"), "refused",
          "no visible text")
    w.add("HTML in UTF-16", "utf16.html", codecs.BOM_UTF16_LE + f"<p>{PARAGRAPH}</p>".encode("utf-16-le"),
          "ingested", "UTF-16 with a BOM", must_contain=PARAGRAPH)
    w.add("HTML not UTF-8", "latin1.html", "<p>Qualité des soins.</p>".encode("latin-1"), "refused",
          "latin-1")
    w.add("10,000 nested tables", "nested-tables.html",
          page("<table><tr><td>" * 10_000 + PARAGRAPH + "</td></tr></table>" * 10_000), "ingested",
          "deep table cells", must_contain=PARAGRAPH)


def _pdfs(w: _Writer) -> None:
    w.add("PDF with text", "pdf-good.pdf", one_page_pdf(stream(show(PARAGRAPH))), "ingested",
          "the hand-written PDFs are readable", must_contain="credentialing")
    w.add("Flate bomb (80 MB)", "pdf-bomb.pdf", one_page_pdf(stream(b" " * 80_000_000, flate=True)),
          "refused", "a ~80 KB stream that inflates to 80 MB (pypdf's LimitReachedError)")
    w.add("Flate bombs across pages", "pdf-bomb-pages.pdf",
          pages_pdf([stream(b" " * 12_000_000, flate=True)] * 20), "refused",
          "20 pages of 12 MB each: under the per-stream limit, over the document's")
    w.add("text bomb", "pdf-text-bomb.pdf",
          pages_pdf([stream((show("w " * 2_000) + b"\n") * 2_000, flate=True)] * 6), "refused",
          "six pages of 8 MB of text each: more text than the size limit")
    w.add("nested arrays (100,000)", "pdf-nested-array.pdf",
          one_page_pdf(stream(show(PARAGRAPH) + b" " + b"[" * 100_000 + b"]" * 100_000, flate=True)),
          "ingested|refused", "a content stream nested 100,000 deep")
    w.add("nested dictionaries in the resources (100,000)", "pdf-nested-dict.pdf",
          one_page_pdf(stream(show(PARAGRAPH)), resources=b"6 0 R",
                       extra={6: b"<< /Font << /F1 4 0 R >> /X " + b"<< /A " * 100_000 + b">>" * 100_000
                              + b" >>"}),
          "ingested|refused", "pypdf logs tens of thousands of warnings recovering from it")
    w.add("nested arrays in the font (100,000)", "pdf-nested-font.pdf",
          one_page_pdf(stream(show(PARAGRAPH)), resources=b"<< /Font << /F1 6 0 R >> >>",
                       extra={6: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /W " + b"[" * 100_000
                              + b"]" * 100_000 + b" >>"}), "refused", "an object nested 100,000 deep")
    w.add("nested graphics states (100,000)", "pdf-nested-q.pdf",
          one_page_pdf(stream(b"q " * 100_000 + show(PARAGRAPH) + b" Q" * 100_000, flate=True)), "ingested",
          "q ... Q 100,000 deep", must_contain="credentialing")
    w.add("nested form XObjects (3,000)", "pdf-nested-forms.pdf", nested_forms_pdf(3_000), "ingested|refused",
          "each form draws the next")
    w.add("nested page tree (2,000)", "pdf-nested-pages.pdf", nested_page_tree_pdf(2_000), "refused",
          "a page tree far deeper than any real one")
    w.add("encrypted", "pdf-encrypted.pdf", pypdf_encrypted("secret", "owner"), "refused", "needs a password")
    w.add("encrypted, empty user password", "pdf-owner-only.pdf", pypdf_encrypted("", "owner"), "ingested",
          "restrictions only: opens without a password", must_contain="credentialing")
    w.add("not a PDF", "not-a-pdf.pdf", text(), "refused", "text with a .pdf name")
    good = one_page_pdf(stream(show(PARAGRAPH)))
    w.add("truncated PDF", "pdf-truncated.pdf", good[: len(good) // 2], "ingested|refused", "half a file")
    bad_xref = good.replace(b"0000000015 00000 n", b"0000099999 00000 n")
    w.add("wrong xref offsets", "pdf-bad-xref.pdf", bad_xref, "ingested|refused",
          "pypdf may recover by scanning")
    w.add("blank pages", "pdf-blank.pdf", pages_pdf([stream(b"")] * 3), "refused", "no text")
    w.add("contents refer to themselves", "pdf-self-reference.pdf", one_page_pdf(b"5 0 R"), "refused",
          "an indirect object pointing at itself")
    w.add("huge title", "pdf-huge-title.pdf",
          one_page_pdf(stream(show(PARAGRAPH)), extra={6: b"<< /Title (" + b"Title " * 20_000 + b") >>"},
                       trailer=b"/Info 6 0 R "), "ingested", "a 120 KB title", must_contain="credentialing")
    w.add("control characters in PDF text", "pdf-controls.pdf",
          one_page_pdf(stream(show(f"Bell \x07 and escape \x1b[31m. {PARAGRAPH}"))), "ingested",
          "controls removed from page text", must_contain="credentialing", must_not_contain=["\x1b", "\x07"])
    w.add("5,000 pages", "pdf-many-pages.pdf", pages_pdf([stream(b"")] * 4_999 + [stream(show(PARAGRAPH))]),
          "ingested", "page count", must_contain="credentialing")
    garbage = b"%PDF-1.7\n" + bytes(random.Random(3).randrange(256) for _ in range(50_000))
    w.add("garbage", "pdf-garbage.pdf", garbage, "refused", "random bytes after a PDF header")


def _manifests(w: _Writer) -> None:
    bad = {
        "list": b"[1, 2, 3]",
        "null": b"null",
        "string-entry": b'{"manifest-string-entry-doc": "A title"}',
        "number-title": b'{"manifest-number-title-doc": {"title": 5}}',
        "object-site": b'{"manifest-object-site-doc": {"title": "T", "site": {"a": 1}}}',
        "invalid-json": b'{"manifest-invalid-json-doc": {"title": ',
        "not-utf8": '{"manifest-not-utf8-doc": {"title": "Qualité"}}'.encode("latin-1"),
        "deep": b"[" * 100_000 + b"]" * 100_000,
        "huge": b'{"x": "' + b"a" * 1_100_000 + b'"}',
    }
    for name, data in bad.items():
        w.add(f"manifest: {name}", f"manifest-{name}/manifest.json", data, "refused",
              "a broken manifest is one error; its folder's documents are still read")
        w.add(f"manifest: {name}, its document", f"manifest-{name}/manifest-{name}-doc.txt", text(),
              "ingested", "read without the manifest", must_contain=PARAGRAPH)
    w.add("manifest with invisible characters", "manifest-odd/manifest.json",
          json.dumps({"manifest-odd-doc": {"title": "Odd \u202etitle\x1b[0m", "site": None}}).encode(),
          "ignored", "a valid manifest: no error of its own")
    w.add("manifest with invisible characters, its document", "manifest-odd/manifest-odd-doc.txt", text(),
          "ingested", "its title is cleaned", must_contain=PARAGRAPH)


def _links_and_special_files(w: _Writer, outside: Path) -> None:
    secret = outside / "secret.txt"
    secret.write_text(f"Outside secret. {PARAGRAPH}", encoding="utf-8")
    (outside / "secret-folder").mkdir(exist_ok=True)
    (outside / "secret-folder" / "outside-folder-doc.txt").write_text(PARAGRAPH, encoding="utf-8")
    (outside / "manifest.json").write_text('{"manifest-link-doc": {"title": "Outside"}}', encoding="utf-8")

    def link(name: str, relative: str, target: str | Path, expect: str, why: str, **checks: object) -> None:
        path = w.add(name, relative, None, expect, why, **checks)
        os.symlink(target, path)

    link("link to /etc/passwd", "passwd.txt", "/etc/passwd", "refused", "leaves the folder")
    link("link to a file outside", "outside-secret.txt", secret, "refused", "leaves the folder",
         must_not_contain=["Outside secret"])
    link("link to a folder outside", "outside-folder", outside / "secret-folder", "refused",
         "a folder link leaving the folder")
    link("link to the parent folder", "up", "..", "refused", "leaves the folder")
    w.add("link target inside", "inside-target.txt", text(f"Inside target. {PARAGRAPH}"), "ingested",
          "an ordinary file", must_contain="Inside target.")
    link("link to a file inside", "inside-link.txt", "inside-target.txt", "ingested", "stays in the folder",
         must_contain="Inside target.")
    link("chain of links leading out", "chain.txt", "passwd.txt", "refused", "inside, then out")
    link("dangling link", "dangling.txt", "does-not-exist.txt", "refused", "its target does not exist")
    link("link loop", "loop-a.txt", "loop-b.txt", "refused", "a -> b -> a")
    link("link loop, other end", "loop-b.txt", "loop-a.txt", "refused", "b -> a -> b")
    link("link to its own folder", "self", ".", "ignored", "walking it would never end")
    w.add("manifest link out, its document", "manifest-link/manifest-link-doc.txt", text(), "ingested",
          "read without the manifest", must_contain=PARAGRAPH)
    link("manifest link out", "manifest-link/manifest.json", outside / "manifest.json", "refused",
         "a manifest read from outside the folder")
    fifo = w.add("named pipe", "pipe.txt", None, "refused", "reading it would block for ever")
    os.mkfifo(fifo)
    unreadable = w.add("unreadable file", "unreadable.txt", text(), "ingested" if os.geteuid() == 0 else
                       "refused", "no read permission (root reads it anyway)")
    unreadable.chmod(0)


def remove_documents(folder: Path) -> None:
    """Delete what `make_documents` wrote (shutil.rmtree recurses per folder level, and 1,200 is too deep)."""
    folders, pending = [], [folder]
    while pending:
        current = pending.pop()
        folders.append(current)
        with os.scandir(current) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(Path(entry.path))
                else:
                    os.unlink(entry.path)
    for current in reversed(folders):
        os.rmdir(current)


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: make_documents.py OUT_DIR")
    out = Path(sys.argv[1])
    cases = make_documents(out / "hostile", out / "outside")
    for case in cases:
        print(f"{'|'.join(case.expect):17} {case.name:45} {os.fsdecode(case.path)!r}")
    print(f"{len(cases)} cases in {out / 'hostile'}")


if __name__ == "__main__":
    main()
