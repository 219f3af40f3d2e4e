"""The `advisor eval` command: scores the advisor on a question set, compares retrievers, writes reports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from advisor.cli.app import app
from advisor.settings import get_settings

QuestionsOpt = Annotated[list[Path] | None, typer.Option(
    "--questions", metavar="PATH",
    help="Question file (default: evals/questions.jsonl in the working directory). Repeat it to evaluate "
         "several sets: --compare runs on the first, each further set with the first retriever only, and its "
         "reports get the set's name (REPORT.md -> REPORT_users.md for questions_users.jsonl).")]
RetrieverOpt = Annotated[str | None, typer.Option("--retriever", help="hybrid, dense, bm25 or baseline.")]
AnswererOpt = Annotated[str | None, typer.Option("--answerer", help="Answerer name (default: settings).")]
JsonOpt = Annotated[Path | None, typer.Option("--json", help="Write {summary, questions} as JSON here.")]
MdOpt = Annotated[Path | None, typer.Option("--md", help="Write a Markdown report (charts go next to it).")]
CompareOpt = Annotated[str | None, typer.Option("--compare", help="Retrievers to run side by side, e.g. "
                                                                  "hybrid,dense,bm25,baseline.")]
JudgeOpt = Annotated[bool, typer.Option("--judge/--no-judge", help="Run the LLM judge if one is configured.")]
FloorsOpt = Annotated[bool, typer.Option("--check-floors", help="Exit 1 when a quality floor is not met.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")]
AnswersOpt = Annotated[Path | None, typer.Option(
    "--answers-md", help="Write 25 representative questions of all sets with their full answers here.")]
ProfilesOpt = Annotated[Path | None, typer.Option(
    "--profiles", metavar="PATH", help="Score readiness reports on this labelled profile set instead of "
                                       "answers (evals/profiles.jsonl); --md defaults to PROFILES.md there.")]


@app.command("eval")
def evaluate(questions: QuestionsOpt = None, retriever: RetrieverOpt = None, answerer: AnswererOpt = None,
             json_out: JsonOpt = None, md_out: MdOpt = None, compare: CompareOpt = None,
             judge: JudgeOpt = True, check_floors: FloorsOpt = False, quiet: QuietOpt = False,
             answers_md: AnswersOpt = None, profiles: ProfilesOpt = None) -> None:
    """Score answers on the evaluation question set(s): retrieval, key facts, citations, refusals, answer
    quality (lead, filler, near-domain, small talk), latency. With --profiles, score readiness reports."""
    if profiles is not None:
        from advisor.cli.plan import evaluate_profiles

        evaluate_profiles(profiles, json_out, md_out, check_floors, quiet)
        return
    from advisor.answering.base import UnknownAnswererError
    from advisor.evaluation.filler import FillerListError
    from advisor.evaluation.floors import failure_lines
    from advisor.evaluation.harness import EvalRun, default_filler, run_eval
    from advisor.evaluation.questions import DEFAULT_QUESTIONS, QuestionSetError, load_questions
    from advisor.evaluation.report import comparison_table, render_answers, render_markdown
    from advisor.retrieval.base import UnknownRetrieverError
    from advisor.retrieval.registry import RETRIEVERS
    from advisor.service import Advisor

    settings = get_settings()
    paths = list(questions or [DEFAULT_QUESTIONS])
    labels = _set_labels(paths)
    try:
        loaded_sets = [load_questions(path, settings.corpus_dir) for path in paths]
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
    service = Advisor(settings)
    if not service.sources():
        typer.echo("error: nothing is indexed yet; run `advisor ingest` first", err=True)
        raise typer.Exit(2)
    try:
        filler = default_filler(service)
    except FillerListError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc

    def progress(i: int, total: int, qid: str) -> None:
        if not quiet:
            typer.echo(f"\r  {i}/{total} {qid[:40]:<40}", nl=False, err=True)

    all_failures: list[str] = []
    primaries: list[tuple[str, Path, EvalRun]] = []
    for index, (path, label, loaded) in enumerate(zip(paths, labels, loaded_sets, strict=True)):
        runs: list[EvalRun] = []
        for name in names if index == 0 else names[:1]:
            if not quiet:
                typer.echo(f"Evaluating retriever={name} on {len(loaded)} questions ({label} set)", err=True)
            # A fresh, warmed-up service per configuration: no run profits from another's caches (latency).
            advisor = Advisor(settings)
            advisor.warm_up()
            try:
                run = run_eval(advisor, loaded, retriever=name, answerer=answerer, name=name,
                               progress=progress, question_set=label, filler=filler)
            except (UnknownAnswererError, UnknownRetrieverError) as exc:
                typer.echo(f"error: {exc}", err=True)
                raise typer.Exit(2) from exc
            if not quiet:
                typer.echo("", err=True)
            failed = [row for row in run.rows if row.get("error")]
            if failed:
                typer.echo(f"warning: {len(failed)} question(s) raised with retriever={name} (scored as "
                           f"failed); first: {failed[0]['id']}: {failed[0]['error']}", err=True)
            if judge:
                from advisor.evaluation.judge import judge_run

                run.summary["judge"] = judge_run(run, settings)
            runs.append(run)

        if len(paths) > 1:
            typer.echo(f"\n{label} set ({_display_path(path)}):")
        typer.echo(comparison_table(runs))
        primary = runs[0]
        primaries.append((label, _display_path(path), primary))
        if json_out:
            out = _for_set(json_out, index, label)
            payload = primary.to_json()
            if len(runs) > 1:
                payload["runs"] = {r.name: r.to_json() for r in runs}
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(payload, indent=2, ensure_ascii=False), encoding="utf-8")
            typer.echo(f"wrote {out}")
        if md_out:
            out = _for_set(md_out, index, label)
            _write_markdown(runs, out, path, render_markdown)
            typer.echo(f"wrote {out}")
        all_failures += [f"{label}: {line}" for line in failure_lines(primary.summary["floors"])]
    if answers_md:
        answers_md.parent.mkdir(parents=True, exist_ok=True)
        answers_md.write_text(render_answers(primaries), encoding="utf-8")
        typer.echo(f"wrote {answers_md}")
    if check_floors and all_failures:
        typer.echo("floors not met:\n  " + "\n  ".join(all_failures), err=True)
        raise typer.Exit(1)


def _set_labels(paths: list[Path]) -> list[str]:
    """A short name per question file: "shipped" for questions.jsonl, the rest of the name for
    questions_<name>.jsonl, else the file's stem; made unique by a number."""
    labels: list[str] = []
    for path in paths:
        stem = path.stem
        label = "shipped" if stem == "questions" else stem.removeprefix("questions_") or stem
        base, n = label, 2
        while label in labels:
            label, n = f"{base}{n}", n + 1
        labels.append(label)
    return labels


def _for_set(path: Path, index: int, label: str) -> Path:
    """Where the report of the index-th set goes: `path` for the first set, `<stem>_<label><suffix>` next to
    it for the others (evals/REPORT.md -> evals/REPORT_users.md)."""
    return path if index == 0 else path.with_name(f"{path.stem}_{label}{path.suffix}")


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
    """The question file relative to the working directory when it is inside it (no machine paths in
    reports)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return Path(path.name)
