"""Commands for indexing documents and asking questions: ingest, ask, chat, sources."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, cast

import typer

from advisor.cli.app import app
from advisor.formatting import with_sources
from advisor.models import Answer, Turn
from advisor.settings import get_settings

if TYPE_CHECKING:
    from advisor.service import Advisor
    from advisor.settings import RetrieverName


def make_advisor(prepared: bool = False) -> Advisor:
    """The service configured from the environment (imported late: nothing heavy at CLI start-up).

    `prepared`: for a command answering a question or two, which reads what `advisor ingest` left in the data
    directory (saved vectors, the ONNX question encoder) instead of loading the model and warming up.
    """
    from advisor.service import Advisor

    advisor = Advisor(get_settings())
    if prepared:
        advisor.embedder.use_prepared(advisor.settings.data_dir)
    return advisor


def show_progress(quiet: bool = False) -> bool:
    """Progress bars only for a person watching: never with --quiet, nor when stderr is not a terminal."""
    return not quiet and sys.stderr.isatty()


@app.command()
def ingest(
    paths: list[Path] = typer.Argument(  # noqa: B008  (Typer declares arguments this way)
        None, help="Files or folders to index (default: the configured corpus)."
    ),
    prune: bool = typer.Option(
        False, "--prune", help="Also remove indexed documents that are not among PATHS."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
    follow_symlinks: bool = typer.Option(
        False, "--follow-symlinks", help="Also read symbolic links that lead out of the folders given."
    ),
) -> None:
    """Index documents (.txt, .md, .html, .pdf); unchanged ones are skipped, edited ones replaced."""
    from advisor.retrieval.store import StoreLockedError

    advisor = make_advisor()
    try:
        report = advisor.ingest(paths or None, prune=prune, progress=show_progress(quiet),
                                follow_symlinks=follow_symlinks)
    except StoreLockedError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(3) from exc
    _export_query_encoder(advisor)
    for error in report.errors:
        typer.echo(f"error: {error.path}: {error.error}", err=True)
    typer.echo(
        f"{len(report.added_documents)} added, {len(report.updated_documents)} updated, "
        f"{len(report.unchanged_documents)} unchanged, {len(report.removed_documents)} removed; "
        f"{report.chunks_written} chunks written, {report.chunks_deleted} deleted; "
        f"{len(report.errors)} failed ({report.seconds:.1f}s)"
    )
    if report.errors:
        raise typer.Exit(1)


@app.command()
def ask(
    question: str = typer.Argument(..., help="The question to answer."),
    as_json: bool = typer.Option(False, "--json", help="Print the whole Answer as JSON."),
    retriever: str = typer.Option(None, "--retriever", help="hybrid, dense or bm25 (default: settings)."),
    answerer: str = typer.Option(None, "--answerer", help="Answerer name (default: settings)."),
) -> None:
    """Answer one question with numbered, verbatim citations."""
    answer = _ask(make_advisor(prepared=True), question, [], retriever, answerer)
    typer.echo(answer.model_dump_json(indent=2) if as_json else with_sources(answer.text, answer.citations))


@app.command()
def chat(
    answerer: str = typer.Option(None, "--answerer", help="Answerer name (default: settings)."),
) -> None:
    """A conversation in the terminal; follow-up questions use the history. Empty line or Ctrl-D quits."""
    advisor = make_advisor(prepared=True)
    history: list[Turn] = []
    typer.echo("Ask about becoming a medical director (empty line to quit).")
    while True:
        try:
            question = input("\nyou> ").strip() if sys.stdin.isatty() else sys.stdin.readline()
        except (EOFError, KeyboardInterrupt):
            break
        question = question.strip()
        if not question:
            break
        answer = _ask(advisor, question, history, None, answerer)
        typer.echo(f"\nadvisor> {with_sources(answer.text, answer.citations)}")
        history += [Turn(role="user", content=question), Turn(role="assistant", content=answer.text)]


@app.command()
def sources(
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
    flagged: bool = typer.Option(
        False, "--flagged", help="Also list each document's flagged sentences: read as instructions (to an "
        "AI, or asking readers for credentials, money or contact elsewhere), never used in an answer."),
) -> None:
    """List the indexed documents (with --flagged, the sentences no answer uses, for their owners)."""
    advisor = make_advisor()
    listed = advisor.sources()
    rows: list[dict[str, object]] = [s.model_dump() for s in listed]
    if flagged:
        for row in rows:
            document = advisor.document(str(row["doc_id"]))
            text = document.text if document else ""
            row["flagged"] = [{"start": r.start, "end": r.end, "text": text[r.start:r.end], "role": r.role}
                              for r in advisor.flagged_sentences(str(row["doc_id"]))]
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not listed:
        typer.echo("No documents indexed yet: run `advisor ingest`.")
    for s, row in zip(listed, rows, strict=True):
        site = f" ({s.site})" if s.site else ""
        sentences = cast("list[dict[str, object]]", row.get("flagged", []))
        count = f", {len(sentences)} flagged" if flagged else ""
        typer.echo(f"{s.doc_id}: {s.title}{site} — {s.chunk_count} chunks{count}")
        for sentence in sentences:
            typer.echo(f"  [{sentence['role']} {sentence['start']}-{sentence['end']}] {sentence['text']!r}")


def _export_query_encoder(advisor: Advisor) -> None:
    """Leave the ONNX question encoder in the data directory for `advisor ask` and `advisor chat` (see
    `Advisor.embedder.use_prepared`); without it they still answer, loading torch first."""
    from advisor.retrieval.onnx_export import OnnxExportError

    try:
        check = advisor.embedder.export_query_encoder(advisor.settings.data_dir)
    except OnnxExportError as exc:
        typer.echo(f"note: questions will load torch: {exc}", err=True)
        return
    if not check.passed:
        typer.echo(f"note: questions will load torch: the ONNX export differs from it by "
                   f"{check.max_difference:.1e}", err=True)


def _ask(advisor: Advisor, question: str, history: list[Turn], retriever: str | None,
         answerer: str | None) -> Answer:
    from advisor.answering.base import AnswererUnavailableError, UnknownAnswererError
    from advisor.retrieval.base import UnknownRetrieverError

    try:
        # Any name is passed on: an unknown one raises UnknownRetrieverError, listing the valid ones.
        mode = cast("RetrieverName | None", retriever)
        return advisor.ask(question, history=history, retriever=mode, answerer=answerer)
    except (UnknownAnswererError, UnknownRetrieverError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    except AnswererUnavailableError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(3) from exc
