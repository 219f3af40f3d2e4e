"""Reads source files (.txt, .md, .html, .pdf) into cleaned `Document`s, with a clear error per bad file."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from advisor.ingestion.cleaning import clean_lines, clean_text
from advisor.models import Document
from advisor.text import BULLET

SUPPORTED_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".pdf"}
MANIFEST_NAME = "manifest.json"
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")


class DocumentError(ValueError):
    """A file that cannot be ingested; the message says why in words a user can act on."""


def iter_source_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Every file named, and every supported file below each folder named, in a stable order."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in SUPPORTED_SUFFIXES:
                    yield child
        else:
            yield path


def load_manifest(folder: Path) -> dict[str, dict[str, str]]:
    """Titles and sites by document id from `folder/manifest.json`, or {} when there is none."""
    path = folder / MANIFEST_NAME
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DocumentError(f"{path}: manifest is not valid JSON ({exc})") from exc
    return {str(k): dict(v) for k, v in data.items()}


def load_document(path: Path, max_bytes: int, manifest: dict[str, dict[str, str]] | None = None) -> Document:
    """Read, clean and describe one file. Raises DocumentError for anything that cannot be ingested."""
    if not path.exists():
        raise DocumentError("file not found")
    if not path.is_file():
        raise DocumentError("not a regular file")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DocumentError(
            f"unsupported file type {suffix or '(none)'}; use one of {sorted(SUPPORTED_SUFFIXES)}"
        )
    size = path.stat().st_size
    if size > max_bytes:
        raise DocumentError(f"file is {size:,} bytes, over the {max_bytes:,}-byte limit")
    if size == 0:
        raise DocumentError("file is empty")
    data = path.read_bytes()
    pages: list[tuple[int, int]] = []
    if suffix == ".pdf":
        text, pages, pdf_title = _pdf_text(data)
        heading_title = pdf_title
    else:
        decoded = _decode(data)
        if suffix in {".html", ".htm"}:
            text, heading_title = _html_text(decoded)
        else:
            text, heading_title = _plain_text(decoded, markdown=suffix in {".md", ".markdown"})
    if not text.strip():
        raise DocumentError("no text left after cleaning (the file holds only boilerplate or images)")
    doc_id = path.stem
    info = (manifest or {}).get(doc_id, {})
    title = info.get("title") or heading_title or _first_line_title(text) or doc_id.replace("-", " ").title()
    return Document(
        doc_id=doc_id,
        title=title,
        text=text,
        source_path=str(path.resolve()),
        site=info.get("site"),
        content_hash=hashlib.sha256(text.encode("utf-8") + title.encode("utf-8")).hexdigest(),
        pages=pages,
    )


def _decode(data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise DocumentError("binary content (NUL bytes): this is not a text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(f"not valid UTF-8 (byte {exc.start}): save the file as UTF-8") from exc
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > 0.01 * max(1, min(len(text), 8192)):
        raise DocumentError("binary content (control characters): this is not a text file")
    return text


def _first_line_title(text: str) -> str | None:
    first = text.split("\n", 1)[0].strip()
    return first if 0 < len(first.split()) <= 14 and not first.endswith(".") else None


def _plain_text(raw: str, markdown: bool) -> tuple[str, str | None]:
    """Plain text or Markdown: unwrap hard-wrapped paragraphs, strip Markdown heading marks."""
    lines: list[str] = []
    title = None
    previous_joinable = False
    for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        heading = _MD_HEADING.match(line) if markdown else None
        if heading:
            lines.append(heading.group(1))
            title = title or heading.group(1)
            previous_joinable = False
        elif not line.strip():
            lines.append("")
            previous_joinable = False
        elif previous_joinable and not BULLET.match(line):
            lines[-1] = f"{lines[-1]} {line.strip()}"
        else:
            lines.append(line)
            previous_joinable = True
    return clean_text("\n".join(lines)), title


_BLOCK_TAGS = ["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "blockquote", "pre", "td", "th", "dt", "dd"]
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
    """HTML through BeautifulSoup: visible block text, headings and list items as their own lines."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(raw, "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else None
    for tag in soup(_DROP_TAGS):
        tag.decompose()
    body = soup.body or soup
    lines: list[str] = []
    for element in body.find_all(_BLOCK_TAGS):
        if element.find(_BLOCK_TAGS):  # the innermost blocks carry the text
            continue
        text = " ".join(element.get_text(" ", strip=True).split())
        if text:
            lines.append(f"• {text}" if element.name == "li" else text)
    if not lines:  # text not inside block tags
        lines = [" ".join(s.split()) for s in body.get_text("\n").split("\n") if s.strip()]
    h1 = soup.find("h1")
    return "\n\n".join(clean_lines(lines)), (h1.get_text(" ", strip=True) if h1 else None) or title


def _pdf_text(data: bytes) -> tuple[str, list[tuple[int, int]], str | None]:
    """PDF through pypdf: cleaned text of each page, with the offset where each page starts."""
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise DocumentError("PDF is encrypted: remove the password and try again")
        page_texts = [page.extract_text() or "" for page in reader.pages]
        meta_title = reader.metadata.title if reader.metadata else None
    except DocumentError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
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
    return "\n\n".join(pieces), pages, (str(meta_title) if meta_title else None)
