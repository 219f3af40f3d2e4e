"""Aggregates per-question rows into the metrics table: overall, per category, with failing question ids.

A metric is averaged over the questions it applies to (see `METRICS`); where none applies it is None
(shown as "—"), never NaN. Refusals always get a real score.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from advisor.evaluation.floors import check_floors, floors_for


@dataclass(frozen=True)
class Metric:
    """A summary metric: the row field it averages and when a question counts as failing it."""

    key: str
    field: str
    label: str
    fails: Callable[[Any], bool]


LONG_ANSWER_WORDS = 120  # an answer longer than this is listed under "Mean answer words"
COVERAGE_VALUES = ("full", "partial", "none")


def _below_one(value: Any) -> bool:
    return float(value) < 1.0 - 1e-9


METRICS: tuple[Metric, ...] = (
    Metric("hit_at_1", "hit_at_1", "Hit@1", _below_one),
    Metric("recall_at_3", "recall_at_3", "Recall@3", _below_one),
    Metric("mrr", "mrr", "MRR", _below_one),
    Metric("evidence_recall_at_5", "evidence_recall_at_5", "Evidence recall@5", _below_one),
    Metric("key_fact_coverage", "key_fact_coverage", "Key-fact coverage", _below_one),
    Metric("all_facts_rate", "all_facts", "All-facts rate", lambda v: not v),
    Metric("lead_fact_rate", "lead_fact", "Lead with a key fact", lambda v: not v),
    Metric("citation_validity", "citation_valid", "Citation validity", lambda v: not v),
    Metric("citation_support", "citation_support", "Citation support", _below_one),
    Metric("refusal_accuracy", "refused_correctly", "Refusal accuracy", lambda v: not v),
    Metric("false_refusal_rate", "false_refusal", "False-refusal rate", bool),
    Metric("near_domain_accuracy", "near_domain_right", "Near-domain handled", lambda v: not v),
    Metric("small_talk_accuracy", "small_talk_right", "Small talk answered", lambda v: not v),
    Metric("filler_rate", "filler", "Answers with filler", bool),
    Metric("mean_answer_words", "answer_words", "Mean answer words", lambda v: v > LONG_ANSWER_WORDS),
)
LATENCY_KEYS = ("latency_p50_ms", "latency_p95_ms")
LABELS = {m.key: m.label for m in METRICS} | {"latency_p50_ms": "Latency p50 (ms)",
                                              "latency_p95_ms": "Latency p95 (ms)"}


def metric_values(rows: Sequence[dict[str, Any]]) -> dict[str, float | None]:
    """Each metric's mean over the rows it applies to, and latency percentiles (None: nothing applies)."""
    values: dict[str, float | None] = {}
    for metric in METRICS:
        applicable = [float(r[metric.field]) for r in rows if r.get(metric.field) is not None]
        values[metric.key] = round(float(np.mean(applicable)), 4) if applicable else None
    latencies = [float(r["latency_ms"]) for r in rows if not r.get("error")]
    values["latency_p50_ms"] = round(float(np.percentile(latencies, 50)), 1) if latencies else None
    values["latency_p95_ms"] = round(float(np.percentile(latencies, 95)), 1) if latencies else None
    return values


def failing_ids(rows: Sequence[dict[str, Any]]) -> dict[str, list[str]]:
    """For each metric, the ids of the questions that fail it (plus "errors": questions that raised)."""
    failing = {metric.key: [r["id"] for r in rows
                            if r.get(metric.field) is not None and metric.fails(r[metric.field])]
               for metric in METRICS}
    failing["errors"] = [r["id"] for r in rows if r.get("error")]
    return failing


def coverage_counts(rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """How many answered (not refused) rows the answerer marked full / partial / none coverage, and how many
    it did not mark ("unset": small talk, errors, rows from before the field existed)."""
    answered = [r for r in rows if not r.get("refused")]
    counts = {c: sum(r.get("coverage") == c for r in answered) for c in COVERAGE_VALUES}
    counts["unset"] = len(answered) - sum(counts.values())
    return counts


def summarize(rows: Sequence[dict[str, Any]], config: dict[str, Any] | None = None) -> dict[str, Any]:
    """The summary block of a run: overall and per-category metrics, counts, failing ids and the floors of
    the run's question set (`config["question_set"]`)."""
    config = config or {}
    categories = sorted({r["category"] for r in rows})
    overall = metric_values(rows)
    return {
        "config": config,
        "overall": overall,
        "by_category": {c: metric_values([r for r in rows if r["category"] == c]) for c in categories},
        "counts": {"questions": len(rows), **{c: sum(r["category"] == c for r in rows) for c in categories},
                   "should_refuse": sum(bool(r["should_refuse"]) for r in rows),
                   "refused": sum(bool(r["refused"]) for r in rows),
                   "errors": sum(bool(r.get("error")) for r in rows)},
        "coverage": coverage_counts(rows),
        "coverage_by_category": {c: coverage_counts([r for r in rows if r["category"] == c])
                                 for c in categories},
        "failing": failing_ids(rows),
        "failing_by_category": {c: failing_ids([r for r in rows if r["category"] == c]) for c in categories},
        "floors": check_floors(overall, floors_for(config.get("question_set")), categories),
        "judge": "not run",
    }
