"""Bar charts comparing evaluation runs: a subplot per metric, bars grouped by category (matplotlib, Agg)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from advisor.evaluation.summary import LABELS

if TYPE_CHECKING:
    from advisor.evaluation.harness import EvalRun

CHART_METRICS: tuple[str, ...] = (
    "hit_at_1", "recall_at_3", "mrr", "evidence_recall_at_5", "key_fact_coverage", "all_facts_rate",
    "lead_fact_rate", "citation_validity", "citation_support", "refusal_accuracy", "false_refusal_rate",
    "filler_rate", "mean_answer_words", "latency_p50_ms",
)


def write_comparison_chart(runs: Sequence[EvalRun], path: Path) -> Path:
    """One PNG, a subplot per metric; in it, per category (and overall) a bar per run. Returns `path`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    categories = ["overall", *runs[0].summary["by_category"]]
    columns = 3
    rows = -(-len(CHART_METRICS) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(5.2 * columns, 3.2 * rows), squeeze=False)
    width = 0.8 / max(len(runs), 1)
    for ax, key in zip(axes.flat, CHART_METRICS, strict=False):
        for i, run in enumerate(runs):
            values = []
            for category in categories:
                table = run.summary["by_category"].get(category, run.summary["overall"])
                value = table.get(key)
                values.append(float("nan") if value is None else float(value))
            positions = [c + (i - (len(runs) - 1) / 2) * width for c in range(len(categories))]
            ax.bar(positions, values, width=width, label=run.name)
        ax.set_title(LABELS[key], fontsize=10)
        ax.set_xticks(range(len(categories)))
        ax.set_xticklabels([c.replace("_", "\n") for c in categories], fontsize=7)
        if not key.endswith("_ms") and key != "mean_answer_words":
            ax.set_ylim(0, 1.05)
        ax.grid(axis="y", alpha=0.3)
    for ax in list(axes.flat)[len(CHART_METRICS):]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=len(runs), frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
