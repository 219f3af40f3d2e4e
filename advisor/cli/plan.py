"""`advisor plan`: a profile's readiness report and cited 90-day plan, or a check of the rubric; and the
profile evaluation behind `advisor eval --profiles`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from advisor.cli.app import app

if TYPE_CHECKING:
    from advisor.readiness import Rubric
    from advisor.service import Advisor

ProfileOpt = Annotated[Path | None, typer.Option(
    "--profile", metavar="PATH", help="The profile as JSON (every field optional), e.g. "
                                      '{"degree": "MD", "years_in_practice": 8, "committees": []}.')]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the report as JSON.")]
MdOpt = Annotated[Path | None, typer.Option("--md", metavar="PATH",
                                            help="Also write the report as Markdown.")]
RubricOpt = Annotated[Path | None, typer.Option(
    "--rubric", metavar="PATH", help="A rubric file instead of the shipped one (see README: editing the "
                                     "readiness rubric).")]
CheckOpt = Annotated[bool, typer.Option(
    "--check-rubric", help="Check the rubric against the index: list what the documents do not support "
                           "(exit 1 if anything is not).")]


@app.command("plan")
def plan(profile: ProfileOpt = None, as_json: JsonOpt = False, md: MdOpt = None, rubric: RubricOpt = None,
         check_rubric: CheckOpt = False) -> None:
    """Measure a profile against the articles' requirements: each one met, partly, not yet or unknown with its
    cited sentence, the top gaps, and a 30/60/90-day plan whose every step is cited."""
    from pydantic import ValidationError

    from advisor.cli.core import make_advisor
    from advisor.readiness import Profile, RubricError, load_rubric

    if profile is None and not check_rubric:
        typer.echo("error: give --profile PATH (or --check-rubric)", err=True)
        raise typer.Exit(2)
    try:
        loaded_rubric = load_rubric(rubric) if rubric else None
    except RubricError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    facts = None
    if profile is not None:
        try:
            facts = Profile.model_validate_json(profile.read_bytes())
        except OSError as exc:
            typer.echo(f"error: cannot read {profile}: {exc.strerror or exc}", err=True)
            raise typer.Exit(2) from exc
        except ValidationError as exc:
            problems = "\n  ".join(f"{'.'.join(str(p) for p in e['loc']) or 'profile'}: {e['msg']}"
                                   for e in exc.errors())
            typer.echo(f"error: {profile} is not a valid profile:\n  {problems}", err=True)
            raise typer.Exit(2) from exc
    advisor = make_advisor()
    if not advisor.sources():
        typer.echo("error: nothing is indexed yet; run `advisor ingest` first", err=True)
        raise typer.Exit(2)
    if check_rubric:
        _check(advisor, loaded_rubric, quiet=facts is not None)
    if facts is None:
        return
    report = advisor.readiness(facts, loaded_rubric)
    from advisor.readiness.markdown import render_markdown, render_text

    if md is not None:
        md.parent.mkdir(parents=True, exist_ok=True)
        md.write_text(render_markdown(report), encoding="utf-8")
    if as_json:
        typer.echo(json.dumps(report.model_dump(mode="json", exclude={"timings_ms"}), indent=2,
                              ensure_ascii=False))
    else:
        typer.echo(render_text(report))
        if md is not None:
            typer.echo(f"\nwrote {md}")


def _check(advisor: Advisor, rubric: Rubric | None, quiet: bool) -> None:
    """Print what the index does not support; exit 1 when anything is not (unless a report follows)."""
    from advisor.readiness.report import check_rubric

    found = check_rubric(advisor, rubric)
    missing = [*(f"requirement {r}" for r in found.unsupported_requirements),
               *(f"step {s}" for s in found.unsupported_steps)]
    if missing:
        typer.echo("not supported by the indexed documents (left out of reports):\n  " + "\n  ".join(missing),
                   err=True)
    elif not quiet:
        typer.echo(f"every requirement ({len(found.requirements)}) and step ({len(found.steps)}) is "
                   "supported")
    if missing and not quiet:
        raise typer.Exit(1)


def evaluate_profiles(path: Path, json_out: Path | None, md_out: Path | None, check_floors: bool,
                      quiet: bool) -> None:
    """`advisor eval --profiles PATH`: score readiness reports on a labelled profile set and write the
    Markdown report (PROFILES.md beside the set unless --md says where)."""
    from advisor.evaluation.profiles import (
        ProfileSetError,
        failures,
        load_profiles,
        render_profiles_markdown,
        run_profile_eval,
    )
    from advisor.service import Advisor
    from advisor.settings import get_settings

    try:
        labelled = load_profiles(path)
    except ProfileSetError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    advisor = Advisor(get_settings())
    if not advisor.sources():
        typer.echo("error: nothing is indexed yet; run `advisor ingest` first", err=True)
        raise typer.Exit(2)
    if not quiet:
        typer.echo(f"Scoring readiness reports on {len(labelled)} profiles", err=True)
    advisor.warm_up()
    run = run_profile_eval(advisor, labelled)
    summary = run.summary
    for key in ("status_accuracy", "gap_precision", "gap_recall", "plan_citation_validity", "contradictions",
                "plan_mentions", "plan_p50_ms", "plan_p95_ms", "first_report_ms"):
        typer.echo(f"{key:<24} {summary[key]}")
    shown = _display(path)
    out = md_out or path.with_name("PROFILES.md")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_profiles_markdown(run, shown, f"advisor eval --profiles {shown}"), encoding="utf-8")
    typer.echo(f"wrote {out}")
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(run.to_json(), indent=2, ensure_ascii=False), encoding="utf-8")
        typer.echo(f"wrote {json_out}")
    failed = failures(summary)
    if check_floors and failed:
        typer.echo("floors not met:\n  " + "\n  ".join(failed), err=True)
        raise typer.Exit(1)


def _display(path: Path) -> Path:
    """The path relative to the working directory when it is inside it (no machine paths in reports)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return Path(path.name)
