"""A readiness report as Markdown (the CLI's `--md`, the "My path" tab's download) and as plain lines."""

from __future__ import annotations

from advisor.readiness.report import ReadinessReport
from advisor.readiness.rubric import PHASES, Status

STATUS_LABELS: dict[Status, str] = {"met": "Met", "partly": "Partly", "not_yet": "Not yet",
                                    "unknown": "Unknown"}


def area_bar(points: int, possible: int, width: int = 10) -> str:
    """A text bar of an area's points (met 2, partly 1, of 2 each): "██████░░░░"."""
    filled = round(points / possible * width) if possible else 0
    return f"{'█' * filled}{'░' * (width - filled)}"


def render_markdown(report: ReadinessReport, title: str = "My path to a medical director role") -> str:
    """The report as a Markdown document: areas at a glance, each requirement with its note, the top gaps,
    the 90-day plan by phase, and the numbered sources quoted in full."""
    titles = {r.id: r.title for r in report.requirements}
    lines = [f"# {title}", ""]
    if report.requirements:
        lines += ["## At a glance", "", "| area | requirements met |", "|---|---|"]
        for area, (points, possible) in report.area_scores().items():
            statuses = [r.status for r in report.requirements if r.area == area]
            met = sum(s == "met" for s in statuses)
            lines.append(f"| {area} | `{area_bar(points, possible)}` {met} of {len(statuses)} |")
        lines += ["", "## Requirements", ""]
        for r in report.requirements:
            lines.append(f"- **{STATUS_LABELS[r.status]}**: {r.title}. {r.note}")
    else:
        lines.append("The indexed documents state none of the requirements this report checks.")
    if report.conflicts:
        lines += ["", "## Read with care", ""] + [f"- {c}" for c in report.conflicts]
    lines += ["", "## Most important gaps", ""]
    lines += [f"{n}. {titles[g]}" for n, g in enumerate(report.gaps, start=1)] or ["None of the requirements "
                                                                                 "checked is a gap."]
    lines += ["", "## Your 90-day plan", ""]
    for phase in PHASES:
        steps = [s for s in report.plan if s.phase == phase]
        if steps:
            lines += [f"### {phase.capitalize()}", ""]
            lines += [f"- {s.step} [{s.citation.n}]" for s in steps]
            lines.append("")
    lines += ["## Sources", ""]
    for c in report.citations():
        where = f"{c.title}, {c.section}" if c.section and c.section != c.title else c.title
        lines.append(f"[{c.n}] {where}: “{c.snippet}”")
    return "\n".join(lines).rstrip() + "\n"


def render_text(report: ReadinessReport) -> str:
    """The report for a terminal: statuses, gaps, the plan and the sources, without Markdown tables."""
    titles = {r.id: r.title for r in report.requirements}
    width = max((len(r.title) for r in report.requirements), default=0)
    lines = ["Readiness"]
    lines += [f"  {STATUS_LABELS[r.status]:<8} {r.title:<{width}}  {r.note}" for r in report.requirements]
    lines += ["", "Top gaps: " + (", ".join(titles[g] for g in report.gaps) or "none"), "", "90-day plan"]
    for phase in PHASES:
        for s in (s for s in report.plan if s.phase == phase):
            lines.append(f"  {phase:<11} {s.step} [{s.citation.n}]")
    lines += ["", "Sources"]
    lines += [f"  [{c.n}] {c.title}: “{c.snippet}”" for c in report.citations()]
    lines += [f"note: {c}" for c in report.conflicts]
    return "\n".join(lines)
