"""The `advisor eval` command: scores the advisor on a question set, compares retrievers, writes reports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from advisor.cli.app import app
from advisor.settings import get_settings

QuestionsOpt = Annotated[Path | None, typer.Option(
    "--questions", help="Question file (default: evals/questions.jsonl in the working directory).")]
RetrieverOpt = Annotated[str | None, typer.Option("--retriever", help="hybrid, dense, bm25 or baseline.")]
AnswererOpt = Annotated[str | None, typer.Option("--answerer", help="Answerer name (default: settings).")]
JsonOpt = Annotated[Path | None, typer.Option("--json", help="Write {summary, questions} as JSON here.")]
MdOpt = Annotated[Path | None, typer.Option("--md", help="Write a Markdown report (charts go next to it).")]
CompareOpt = Annotated[str | None, typer.Option("--compare", help="Retrievers to run side by side, e.g. "
                                                                  "hybrid,dense,bm25,baseline.")]
JudgeOpt = Annotated[bool, typer.Option("--judge/--no-judge", help="Run the LLM judge if one is configured.")]
FloorsOpt = Annotated[bool, typer.Option("--check-floors", help="Exit 1 when a quality floor is not met.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")]


@app.command("eval")
def evaluate(questions: QuestionsOpt = None, retriever: RetrieverOpt = None, answerer: AnswererOpt = None,
             json_out: JsonOpt = None, md_out: MdOpt = None, compare: CompareOpt = None,
             judge: JudgeOpt = True, check_floors: FloorsOpt = False, quiet: QuietOpt = False) -> None:
    """Score answers on the evaluation question set: retrieval, key facts, citations, refusals, latency."""
    from advisor.answering.base import UnknownAnswererError
    from advisor.evaluation.floors import floor_failures
    from advisor.evaluation.harness import EvalRun, run_eval
    from advisor.evaluation.questions import DEFAULT_QUESTIONS, QuestionSetError, load_questions
    from advisor.evaluation.report import comparison_table, render_markdown
    from advisor.retrieval.base import UnknownRetrieverError
    from advisor.retrieval.registry import RETRIEVERS
    from advisor.service import Advisor

    settings = get_settings()
    try:
        loaded = load_questions(questions, settings.corpus_dir)
    except QuestionSetError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    names = [n.strip() for n in compare.split(",") if n.strip()] if compare else [
        retriever or settings.retriever]
    unknown = [n for n in names if n not in RETRIEVERS]
    if unknown:
        typer.echo(f"error: unknown retriever {unknown[0]!r}; choose one of {', '.join(RETRIEVERS)}",
                   err=True)
        raise typer.Exit(2)
    if not Advisor(settings).sources():
        typer.echo("error: nothing is indexed yet; run `advisor ingest` first", err=True)
        raise typer.Exit(2)

    def progress(i: int, total: int, qid: str) -> None:
        if not quiet:
            typer.echo(f"\r  {i}/{total} {qid[:40]:<40}", nl=False, err=True)

    runs: list[EvalRun] = []
    for name in names:
        if not quiet:
            typer.echo(f"Evaluating retriever={name} on {len(loaded)} questions", err=True)
        # A fresh, warmed-up service per configuration: no run profits from another's caches (latency).
        advisor = Advisor(settings)
        advisor.warm_up()
        try:
            run = run_eval(advisor, loaded, retriever=name, answerer=answerer, name=name, progress=progress)
        except (UnknownAnswererError, UnknownRetrieverError) as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from exc
        if not quiet:
            typer.echo("", err=True)
        failed = [row for row in run.rows if row.get("error")]
        if failed:
            typer.echo(f"warning: {len(failed)} question(s) raised with retriever={name} (scored as failed); "
                       f"first: {failed[0]['id']}: {failed[0]['error']}", err=True)
        if judge:
            from advisor.evaluation.judge import judge_run

            run.summary["judge"] = judge_run(run, settings)
        runs.append(run)

    typer.echo(comparison_table(runs))
    primary = runs[0]
    if json_out:
        payload = primary.to_json()
        if len(runs) > 1:
            payload["runs"] = {r.name: r.to_json() for r in runs}
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(payload, indent=2, ensure_ascii=False), encoding="utf-8")
        typer.echo(f"wrote {json_out}")
    if md_out:
        _write_markdown(runs, md_out, questions or DEFAULT_QUESTIONS, render_markdown)
        typer.echo(f"wrote {md_out}")
    failures = floor_failures(primary.summary["overall"])
    if check_floors and failures:
        typer.echo("floors not met:\n  " + "\n  ".join(failures), err=True)
        raise typer.Exit(1)


def _write_markdown(runs, md_out: Path, questions: Path, render_markdown) -> None:  # noqa: ANN001
    """The report, with the comparison chart next to it when several runs are compared."""
    md_out.parent.mkdir(parents=True, exist_ok=True)
    charts: list[Path] = []
    if len(runs) > 1:
        from advisor.evaluation.charts import write_comparison_chart

        charts = [write_comparison_chart(runs, md_out.with_name(f"{md_out.stem}_comparison.png"))]
    text = render_markdown(runs, _display_path(questions), charts, md_out.parent)
    md_out.write_text(text, encoding="utf-8")


def _display_path(path: Path) -> Path:
    """The question file relative to the working directory when it is inside it (no machine paths in reports)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return Path(path.name)
