"""The hand-annotated filler sentences of the corpus (`evals/filler.jsonl`), validated against the documents.

One JSON object per line: `{"doc": id, "kind": ..., "text": verbatim sentence}`. `kind` is one of `KINDS`
(rhetoric, encouragement, call to action, intro, outro, reader-flattery, aside). The list is made by
reading the articles, not by a rule, so that the metric does not share the answerer's idea of filler (see
evals/EVALUATION.md). Like evidence quotes, every text must be verbatim in the raw file and in the cleaned
text of its document, so a typo cannot silently turn an entry into one that never matches.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from advisor.evaluation.questions import QuestionSetError, load_corpus_texts

DEFAULT_FILLER = Path("evals/filler.jsonl")  # relative to the working directory, like the question set
KINDS = frozenset({"rhetoric", "encouragement", "call_to_action", "intro", "outro", "flattery", "aside"})


class FillerListError(QuestionSetError):
    """The filler list is malformed; the message names the line and the problem."""


@dataclass(frozen=True)
class FillerSentence:
    doc: str
    kind: str
    text: str
    line: int = 0


def load_filler(path: Path | None = None, corpus_dir: Path | None = None,
                corpus: dict[str, tuple[str, str]] | None = None,
                skip_unknown_docs: bool = False) -> tuple[FillerSentence, ...]:
    """Read and validate the filler list against the corpus (`corpus`, or the files in `corpus_dir`, or the
    configured corpus folder).

    With `skip_unknown_docs`, entries of documents that are not in the corpus are left out (an evaluation
    over a subset of the documents); otherwise they are an error. Raises FillerListError naming the line.
    """
    path = path or DEFAULT_FILLER
    if not path.is_file():
        raise FillerListError(f"filler list {path.resolve()} does not exist")
    if corpus is None:
        if corpus_dir is None:
            from advisor.settings import get_settings

            corpus_dir = get_settings().corpus_dir
        corpus = load_corpus_texts(corpus_dir)
    items: list[FillerSentence] = []
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path.name}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise FillerListError(f"{where}: not valid JSON ({exc.msg})") from exc
        if not isinstance(row, dict) or set(row) != {"doc", "kind", "text"}:
            raise FillerListError(f'{where}: each line must be an object with exactly "doc", "kind" and '
                                  '"text"')
        doc, kind, text = row["doc"], row["kind"], row["text"]
        if not isinstance(text, str) or not text.strip() or text != text.strip():
            raise FillerListError(f"{where}: 'text' must be non-empty text without surrounding spaces")
        if kind not in KINDS:
            raise FillerListError(f"{where}: unknown kind {kind!r}; use one of {', '.join(sorted(KINDS))}")
        if not isinstance(doc, str) or doc not in corpus:
            if skip_unknown_docs and isinstance(doc, str):
                continue
            raise FillerListError(f"{where}: unknown document id {doc!r}")
        raw, cleaned = corpus[doc]
        if raw and text not in raw:
            raise FillerListError(f"{where}: text is not verbatim in {doc}: {text[:60]!r}")
        if text not in cleaned:
            raise FillerListError(f"{where}: text is not in the cleaned text of {doc}: {text[:60]!r}")
        if text in seen:
            raise FillerListError(f"{where}: the same sentence is listed twice: {text[:60]!r}")
        seen.add(text)
        items.append(FillerSentence(doc=doc, kind=kind, text=text, line=number))
    return tuple(items)
