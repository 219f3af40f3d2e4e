"""Structure-preserving chunking: headings stay with their sections, list items stay whole."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

from advisor.ingestion.roles import encode_roles, unit_roles
from advisor.models import Chunk, Document
from advisor.text import is_list_item

_HEADING_END = re.compile(r"[.!,;:]$")
_NUMBERED = re.compile(r"^\d+[.)]\s+")


@dataclass
class _Block:
    text: str
    start: int
    kind: str  # "heading" | "item" | "paragraph"

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def _classify(line: str, next_line: str | None) -> str:
    words = len(line.split())
    if is_list_item(line):
        # "1. Hospital Medical Director" is a numbered heading; "1. Medical Expertise: ..." an item.
        body = _NUMBERED.sub("", line)
        if _NUMBERED.match(line) and len(body.split()) <= 10 and not _HEADING_END.search(body):
            return "heading"
        return "item"
    if words <= 14 and not _HEADING_END.search(line):
        if line.endswith("?"):  # an FAQ question heads the answer that follows it
            return "heading" if next_line and not next_line.endswith("?") else "paragraph"
        return "heading"
    return "paragraph"


def split_into_blocks(text: str) -> list[_Block]:
    """The cleaned text's blocks (separated by blank lines) with their offsets and kinds."""
    raw: list[tuple[str, int]] = []
    for match in re.finditer(r"[^\n]+(?:\n[^\n]+)*", text):
        block = match.group(0).strip()
        if block:
            raw.append((block, match.start() + match.group(0).index(block)))
    blocks = []
    for i, (block, start) in enumerate(raw):
        nxt = raw[i + 1][0] if i + 1 < len(raw) else None
        blocks.append(_Block(block, start, _classify(block, nxt)))
    return blocks


def make_chunk_id(doc_id: str, title: str, section: str, start: int, text: str) -> str:
    """A stable content hash: the same document content always yields the same ids."""
    digest = hashlib.sha256("\x1f".join([doc_id, title, section, str(start), text]).encode("utf-8"))
    return f"{doc_id[:40]}-{digest.hexdigest()[:16]}"


def split_into_chunks(document: Document, chunk_size: int = 900) -> list[Chunk]:
    """Chunks of a document: sections packed up to `chunk_size` characters at block boundaries."""
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=chunk_size, chunk_overlap=0, add_start_index=True,
        separators=["\n", ". ", "? ", "! ", "; ", ", ", " "], keep_separator="end",
    )
    chunks: list[Chunk] = []
    section = document.title
    group: list[_Block] = []

    def flush() -> None:
        if group:
            _emit(document, section, group[0].start, group[-1].end, chunks)
            group.clear()

    for block in split_into_blocks(document.text):
        if block.kind == "heading":
            flush()
            section = _NUMBERED.sub("", block.text) if not block.text.endswith("?") else block.text
            continue
        if len(block.text) > chunk_size and block.kind == "paragraph":
            flush()
            pieces = -(-len(block.text) // chunk_size)  # even pieces, not a full chunk and a crumb
            splitter._chunk_size = -(-len(block.text) // pieces) + 40
            for piece in splitter.create_documents([block.text]):
                start = block.start + int(piece.metadata["start_index"])
                _emit(document, section, start, start + len(piece.page_content), chunks)
            continue
        if group and block.end - group[0].start > chunk_size:
            flush()
        group.append(block)
    flush()
    return chunks


def _emit(document: Document, section: str, start: int, end: int, chunks: list[Chunk]) -> None:
    text = document.text[start:end]
    chunks.append(
        Chunk(
            chunk_id=make_chunk_id(document.doc_id, document.title, section, start, text),
            doc_id=document.doc_id,
            title=document.title,
            section=section,
            text=text,
            start=start,
            end=end,
            page=document.page_at(start),
            roles=encode_roles(unit_roles(text, start, section, document.title)),
        )
    )
