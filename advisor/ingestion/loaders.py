"""Reads source files (.txt, .md, .html, .pdf) into cleaned `Document`s, with a clear error per bad file.

Every input is treated as hostile: decoding, parsing and cleaning take time linear in the file's size,
nesting depth never reaches Python's recursion limit, and whatever cannot be read becomes a
`DocumentError` whose message a user can act on.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import logging
import os
import re
import stat
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from advisor.ingestion.cleaning import clean_lines, clean_text
from advisor.models import Document
from advisor.text import BULLET

SUPPORTED_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".pdf"}
MANIFEST_NAME = "manifest.json"
MAX_MANIFEST_BYTES = 1_000_000
MAX_TITLE_CHARS = 200
# The opening marks of a Markdown heading ("## "); the title is the rest with closing #s stripped.
_MD_HEADING_MARK = re.compile(r"\s{0,3}#{1,6}\s++")
# Control characters are invisible and can rewrite a terminal; bidirectional embeddings, overrides and
# isolates reorder what a reader sees. Neither is ever content, so decoding removes them.
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_BINARY_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f]")
_BOMS = [  # UTF-32 first: its little-endian mark begins with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
]
# pypdf's own limits (75 MB per stream) let a few kilobytes expand into gigabytes across many streams.
_PDF_LIMITS = {
    "zlib_maximum_output_length": 16_000_000,
    "lzw_maximum_output_length": 16_000_000,
    "run_length_maximum_output_length": 16_000_000,
    "brotli_maximum_output_length": 16_000_000,
    "array_based_stream_maximum_output_length": 16_000_000,
    "stream_decoding_work_maximum_length": 64_000_000,
}
_PDF_MAX_DECODED_BYTES = 200_000_000  # the page content streams of one PDF, all together

SkipHandler = Callable[[Path, str], None]

_logger = logging.getLogger(__name__)


class DocumentError(ValueError):
    """A file that cannot be ingested; the message says why in words a user can act on."""


def display_path(path: Path | str) -> str:
    """`path` as printable text: undecodable bytes as \\xNN, control and bidi characters escaped."""
    return printable(os.fspath(path).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace"))


def printable(text: str, limit: int = 2000) -> str:
    """`text` with every non-printable character escaped (\\x1b, \\u202e), cut to `limit` characters."""
    if len(text) > limit:
        text = text[:limit] + "…"
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


def iter_source_files(
    paths: Iterable[Path], follow_symlinks: bool = False, on_skip: SkipHandler | None = None
) -> Iterator[Path]:
    """Every file named, and every supported file below each folder named, in a stable order.

    Symbolic links that lead out of the folder being read (for a named file: out of its own folder)
    are skipped, and so are special files and links that lead nowhere; each skip is passed to
    `on_skip(path, reason)`. With `follow_symlinks` links are followed wherever they lead (each
    folder is read once, so a link loop ends). Folders are walked without recursion.
    """
    skip = on_skip or (lambda path, reason: None)
    for path in paths:
        if path.is_dir():
            yield from sorted(_walk(path, follow_symlinks, skip))
        elif path.is_symlink() and not follow_symlinks:
            target = _link_target(path, path.parent.resolve(), skip)
            if target is not None:
                yield path
        else:
            yield path


def _walk(folder: Path, follow_symlinks: bool, skip: SkipHandler) -> Iterator[Path]:
    root = folder.resolve()
    seen = {root}
    pending = [folder]
    while pending:
        current = pending.pop()
        try:
            with os.scandir(current) as entries:
                listed = [(Path(entry.path), entry) for entry in entries]
        except OSError as exc:
            skip(current, f"cannot read folder ({exc.strerror or exc})")
            continue
        for path, entry in listed:
            supported = path.suffix.lower() in SUPPORTED_SUFFIXES
            try:
                if entry.is_symlink():
                    if follow_symlinks:
                        target = _resolve(path)
                        if target is None or not target.exists():
                            if supported:
                                skip(path, "broken symbolic link (a loop, or its target does not exist)")
                            continue
                    else:
                        target = _link_target(path, root, skip if supported or path.is_dir() else None)
                        if target is None:
                            continue
                    if target.is_dir():
                        # a folder inside is read where it is; one outside is read once, so loops end
                        if follow_symlinks and target not in seen and not target.is_relative_to(root):
                            seen.add(target)
                            pending.append(path)
                    elif supported:
                        yield path
                elif entry.is_dir(follow_symlinks=False):
                    pending.append(path)
                elif supported:
                    if entry.is_file(follow_symlinks=False):
                        yield path
                    else:
                        skip(path, "not a regular file (a device, pipe or socket)")
            except OSError as exc:
                if supported:
                    skip(path, f"cannot read file ({exc.strerror or exc})")


def _resolve(path: Path) -> Path | None:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a link loop (RuntimeError before Python 3.13)
        return None


def _link_target(path: Path, root: Path, skip: SkipHandler | None) -> Path | None:
    """The real path behind the symbolic link `path` when it stays inside `root`, else None (skipped)."""
    target = _resolve(path)
    if target is None or not target.exists():
        if skip:
            reason = "a loop" if target is None else "its target does not exist"
            skip(path, f"broken symbolic link: {reason}")
        return None
    if not target.is_relative_to(root):
        if skip:
            kind = "folder" if target.is_dir() else "file"
            skip(
                path,
                f"symbolic link to a {kind} outside {display_path(root)} ({display_path(target)}): "
                "skipped; use --follow-symlinks to ingest it",
            )
        return None
    return target


def load_manifest(folder: Path, follow_symlinks: bool = False) -> dict[str, dict[str, str]]:
    """Titles and sites by document id from `folder/manifest.json`, or {} when there is none.

    The manifest is an object mapping document ids to objects with optional string fields "title" and
    "site". Raises DocumentError, naming the problem, for anything else.
    """
    path = folder / MANIFEST_NAME
    if not path.is_file():
        return {}
    if path.is_symlink() and not follow_symlinks:
        target = _resolve(path)
        if target is None or not target.is_relative_to(folder.resolve()):
            raise DocumentError("manifest is a symbolic link out of its folder: skipped")
    try:
        data = _read_bounded(path, MAX_MANIFEST_BYTES, "manifest")
        entries = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise DocumentError(f"manifest is not valid UTF-8 (byte {exc.start})") from exc
    except json.JSONDecodeError as exc:
        raise DocumentError(f"manifest is not valid JSON ({exc})") from exc
    except RecursionError as exc:
        raise DocumentError("manifest is nested too deeply") from exc
    if not isinstance(entries, dict):
        raise DocumentError(
            f"manifest must be a JSON object of document ids, not {_json_type(entries)}: "
            '{"doc-id": {"title": "...", "site": "..."}}'
        )
    manifest: dict[str, dict[str, str]] = {}
    for doc_id, entry in entries.items():
        if not isinstance(entry, dict):
            raise DocumentError(
                f"manifest entry {printable(doc_id, 80)!r} must be an object, not {_json_type(entry)}"
            )
        info: dict[str, str] = {}
        for field in ("title", "site"):
            value = entry.get(field)
            if value is None:
                continue
            if not isinstance(value, str):
                raise DocumentError(
                    f"manifest entry {printable(doc_id, 80)!r}: {field} must be a string, "
                    f"not {_json_type(value)}"
                )
            value = _short(" ".join(_strip_invisible(value).split()))
            if value:
                info[field] = value
        manifest[doc_id] = info
    return manifest


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number",
             float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def load_document(path: Path, max_bytes: int, manifest: dict[str, dict[str, str]] | None = None) -> Document:
    """Read, clean and describe one file. Raises DocumentError for anything that cannot be ingested."""
    if not path.exists():
        raise DocumentError("file not found")
    if not path.is_file():
        raise DocumentError("not a regular file")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DocumentError(
            f"unsupported file type {printable(suffix, 40) or '(none)'}; "
            f"use one of {sorted(SUPPORTED_SUFFIXES)}"
        )
    doc_id = _document_id(path)
    size = path.stat().st_size
    if size > max_bytes:
        raise DocumentError(f"file is {size:,} bytes, over the {max_bytes:,}-byte limit")
    if size == 0:
        raise DocumentError("file is empty")
    data = _read_bounded(path, max_bytes)
    pages: list[tuple[int, int]] = []
    if suffix == ".pdf":
        text, pages, pdf_title = _pdf_text(data, max_chars=max_bytes)
        heading_title = pdf_title
    else:
        decoded = _decode(data)
        if suffix in {".html", ".htm"}:
            text, heading_title = _html_text(decoded)
        else:
            text, heading_title = _plain_text(decoded, markdown=suffix in {".md", ".markdown"})
    if not text.strip():
        if suffix == ".pdf":
            raise DocumentError("no text in the PDF (scanned pages or images need OCR first)")
        raise DocumentError("no text left after cleaning (the file holds only boilerplate or images)")
    info = (manifest or {}).get(doc_id, {})
    title = (
        info.get("title")
        or _short(heading_title or "")
        or _first_line_title(text)
        or _short(doc_id.replace("-", " ").title())
    )
    return Document(
        doc_id=doc_id,
        title=title,
        text=text,
        source_path=str(path.resolve()),
        site=info.get("site"),
        content_hash=hashlib.sha256(text.encode("utf-8") + title.encode("utf-8")).hexdigest(),
        pages=pages,
    )


def _document_id(path: Path) -> str:
    """The file name without its suffix, refused when it could not be shown or stored faithfully."""
    doc_id = path.stem
    if any(0xDC80 <= ord(ch) <= 0xDCFF for ch in doc_id):
        raise DocumentError("file name is not valid UTF-8: rename the file")
    if any(unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Zl", "Zp"} for ch in doc_id):
        raise DocumentError(
            "file name holds control or invisible formatting characters (such as a right-to-left "
            "override): rename the file"
        )
    return doc_id


def _read_bounded(path: Path, max_bytes: int, what: str = "file") -> bytes:
    """At most `max_bytes` bytes of a regular file (the size is checked again: files change, and lie)."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a pipe swapped in must not block the read
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise DocumentError("not a regular file")
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise DocumentError(f"{what} is over the {max_bytes:,}-byte limit")
    return data


def _decode(data: bytes) -> str:
    """UTF-8 (UTF-16 and UTF-32 with a byte-order mark), without control or bidi-override characters."""
    encoding, name = next(((enc, name) for bom, enc, name in _BOMS if data.startswith(bom)), (None, "UTF-8"))
    if encoding is None:
        if b"\x00" in data:
            raise DocumentError(
                "binary content (NUL bytes): this is not a text file "
                "(UTF-16 or UTF-32 text needs a byte-order mark)"
            )
        encoding = "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise DocumentError(f"not valid {name} (byte {exc.start}): save the file as UTF-8") from exc
    if "\x00" in text:
        raise DocumentError("binary content (NUL characters): this is not a text file")
    head = text[:8192]
    if (
        len(_BINARY_CONTROLS.findall(head)) > 0.01 * max(1, len(head))
        or sum(1 for _ in _BINARY_CONTROLS.finditer(text)) > 0.01 * max(1, len(text))
    ):
        raise DocumentError("binary content (control characters): this is not a text file")
    return _strip_invisible(text)


def _strip_invisible(text: str) -> str:
    """`text` without control and bidi-override characters (those that are whitespace become spaces)."""
    if not _INVISIBLE.search(text):
        return text
    return _INVISIBLE.sub(lambda m: " " if m.group().isspace() else "", text)


def _short(title: str) -> str:
    """A title cut to MAX_TITLE_CHARS at a word boundary (it is stored with, and embedded in, every chunk)."""
    if len(title) <= MAX_TITLE_CHARS:
        return title
    cut = title[:MAX_TITLE_CHARS].rstrip()
    words = cut.rsplit(None, 1)
    return (words[0] if len(words) > 1 else cut).rstrip() + "…"


def _first_line_title(text: str) -> str | None:
    first = text.split("\n", 1)[0].strip()
    return _short(first) if 0 < len(first.split()) <= 14 and not first.endswith(".") else None


def _markdown_heading(line: str) -> str | None:
    """The text of a Markdown heading line ("## Title ##" -> "Title"), or None for any other line.

    The same as matching r"^\\s{0,3}#{1,6}\\s+(.*?)\\s*#*\\s*$", without that pattern's cubic backtracking.
    """
    mark = _MD_HEADING_MARK.match(line)
    if mark is None:
        return None
    return line[mark.end() :].rstrip().rstrip("#").rstrip()


def _plain_text(raw: str, markdown: bool) -> tuple[str, str | None]:
    """Plain text or Markdown: unwrap hard-wrapped paragraphs, strip Markdown heading marks."""
    lines: list[list[str]] = []  # each line as its wrapped pieces, joined once at the end
    title = None
    previous_joinable = False
    for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        heading = _markdown_heading(line) if markdown else None
        if heading is not None:
            lines.append([heading])
            title = title or heading
            previous_joinable = False
        elif not line.strip():
            if lines and lines[-1] != [""]:  # a run of blank lines is one (cleaning drops them all)
                lines.append([""])
            previous_joinable = False
        elif previous_joinable and not BULLET.match(line):
            lines[-1].append(line.strip())
        else:
            lines.append([line])
            previous_joinable = True
    return clean_text("\n".join(" ".join(pieces) for pieces in lines)), title


_BLOCK_TAGS = frozenset(
    ["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "blockquote", "pre", "td", "th", "dt", "dd"]
)
_DROP_TAGS = [
    "script",
    "style",
    "noscript",
    "template",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "iframe",
    "svg",
    "button",
    "select",
    "input",
]


def _html_text(raw: str) -> tuple[str, str | None]:
    """HTML through BeautifulSoup: visible block text, headings and list items as their own lines.

    The innermost block elements carry the text. They are found in one pass over the tree with an
    explicit stack, so nesting depth costs neither recursion nor quadratic time.
    """
    from bs4 import BeautifulSoup, Tag

    soup = BeautifulSoup(raw, "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else None
    for tag in soup(_DROP_TAGS):
        if not tag.decomposed:  # already gone with a dropped ancestor
            tag.decompose()
    body = soup.body or soup
    blocks: list[Tag] = []
    has_inner_block: set[int] = set()
    stack: list[tuple[Tag, Tag | None]] = [(child, None) for child in reversed(body.contents)
                                           if isinstance(child, Tag)]
    while stack:  # pre-order, as find_all would list them
        element, enclosing = stack.pop()
        if element.name in _BLOCK_TAGS:
            blocks.append(element)
            if enclosing is not None:
                has_inner_block.add(id(enclosing))
            enclosing = element
        stack.extend((child, enclosing) for child in reversed(element.contents) if isinstance(child, Tag))
    lines: list[str] = []
    for element in blocks:
        if id(element) in has_inner_block:
            continue
        text = " ".join(_strip_invisible(element.get_text(" ", strip=True)).split())
        if text:
            lines.append(f"• {text}" if element.name == "li" else text)
    if not lines:  # text not inside block tags
        lines = [" ".join(_strip_invisible(s).split()) for s in body.get_text("\n").split("\n") if s.strip()]
    h1 = soup.find("h1")
    heading = (h1.get_text(" ", strip=True) if h1 else None) or title
    return "\n\n".join(clean_lines(lines)), (_strip_invisible(heading) if heading else None)


def _pdf_text(data: bytes, max_chars: int) -> tuple[str, list[tuple[int, int]], str | None]:
    """PDF through pypdf: cleaned text of each page, with the offset where each page starts.

    pypdf runs under tighter limits than its own defaults, and the page content streams of the whole
    document may decode to at most _PDF_MAX_DECODED_BYTES, so a small file cannot expand without end.
    What pypdf recovers from it logs, by the thousand for a hostile file: those warnings are kept here,
    and the first one explains a PDF that yields no text.
    """
    import io

    from pypdf import PdfReader, apply_configuration, get_configuration
    from pypdf.errors import DependencyError, LimitReachedError, PyPdfError

    with _PypdfWarnings() as warnings:
        try:
            with apply_configuration(get_configuration().with_overwrites(**_PDF_LIMITS)):
                reader = PdfReader(io.BytesIO(data))
                if reader.is_encrypted and not _decrypt_without_password(reader):
                    raise DocumentError("PDF is encrypted: remove the password and try again")
                page_texts: list[str] = []
                chars = decoded = 0
                for page in reader.pages:
                    decoded += _decoded_content_bytes(page)  # decoded once, before the costly parse
                    if decoded > _PDF_MAX_DECODED_BYTES:
                        raise DocumentError(
                            f"PDF content expands beyond {_PDF_MAX_DECODED_BYTES:,} bytes "
                            "(a decompression bomb?)"
                        )
                    page_text = page.extract_text() or ""
                    chars += len(page_text)
                    if chars > max_chars:
                        raise DocumentError(f"PDF holds more than {max_chars:,} characters of text")
                    page_texts.append(_strip_invisible(page_text))
                meta_title = reader.metadata.title if reader.metadata else None
        except DocumentError:
            raise
        except LimitReachedError as exc:
            raise DocumentError(f"PDF exceeds a safety limit ({exc})") from exc
        except RecursionError as exc:
            raise DocumentError("PDF is nested too deeply to read") from exc
        except DependencyError as exc:
            raise DocumentError(f"PDF needs a library this installation lacks ({exc})") from exc
        except (PyPdfError, ValueError, LookupError, TypeError, AttributeError, OSError, EOFError) as exc:
            raise DocumentError(f"malformed PDF ({exc})") from exc
    pieces: list[str] = []
    pages: list[tuple[int, int]] = []
    offset = 0
    for number, page_text in enumerate(page_texts, start=1):
        cleaned, _ = _plain_text(page_text, markdown=False)
        if not cleaned:
            continue
        if pieces:
            offset += 2
        pages.append((number, offset))
        pieces.append(cleaned)
        offset += len(cleaned)
    if not pieces and warnings.first:
        raise DocumentError(f"no text could be read from the PDF (pypdf: {warnings.first})")
    title = _strip_invisible(str(meta_title)).strip() if isinstance(meta_title, str) else None
    return "\n\n".join(pieces), pages, title or None


class _PypdfWarnings(logging.Handler):
    """Collects what pypdf logs while it reads one file, instead of letting it reach the console."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.first: str | None = None
        self.count = 0
        self._logger = logging.getLogger("pypdf")
        self._propagate = True

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        if self.first is None:
            self.first = printable(record.getMessage(), 300)

    def __enter__(self) -> _PypdfWarnings:
        self._propagate = self._logger.propagate
        self._logger.addHandler(self)
        self._logger.propagate = False
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._logger.removeHandler(self)
        self._logger.propagate = self._propagate
        if self.count:
            _logger.debug("pypdf logged %d warnings, the first: %s", self.count, self.first)


def _decrypt_without_password(reader: Any) -> bool:
    """Whether an encrypted PDF opens with the empty password (restrictions only, no reading password)."""
    try:
        return bool(reader.decrypt(""))
    except Exception:  # an unsupported cipher or a broken encryption dictionary: still encrypted
        return False


def _decoded_content_bytes(page: Any) -> int:
    """Bytes the page's content streams decoded to (pypdf caches them, so this decodes nothing)."""
    contents = page.get("/Contents")
    if contents is None:
        return 0
    contents = contents.get_object()
    streams = contents if isinstance(contents, list) else [contents]
    total = 0
    for stream in streams:
        stream = stream.get_object()
        get_data = getattr(stream, "get_data", None)
        if get_data is not None:
            total += len(get_data())
    return total
