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


def make_advisor() -> Advisor:
    """The service configured from the environment (imported late: nothing heavy at CLI start-up)."""
    from advisor.service import Advisor

    return Advisor(get_settings())


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
    # (passed only when set until Advisor.ingest forwards `follow_symlinks` to the pipeline)
    follow = {"follow_symlinks": True} if follow_symlinks else {}
    try:
        report = advisor.ingest(paths or None, prune=prune, progress=not quiet, **follow)
    except StoreLockedError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(3) from exc
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
    answer = _ask(make_advisor(), question, [], retriever, answerer)
    typer.echo(answer.model_dump_json(indent=2) if as_json else with_sources(answer.text, answer.citations))


@app.command()
def chat(
    answerer: str = typer.Option(None, "--answerer", help="Answerer name (default: settings)."),
) -> None:
    """A conversation in the terminal; follow-up questions use the history. Empty line or Ctrl-D quits."""
    advisor = make_advisor()
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
def sources(as_json: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """List the indexed documents."""
    listed = make_advisor().sources()
    if as_json:
        typer.echo(json.dumps([s.model_dump() for s in listed], indent=2))
        return
    if not listed:
        typer.echo("No documents indexed yet: run `advisor ingest`.")
    for s in listed:
        site = f" ({s.site})" if s.site else ""
        typer.echo(f"{s.doc_id}: {s.title}{site} — {s.chunk_count} chunks")


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
