"""The quality floors the shipped question set must meet with the default offline pipeline.

One source of truth for the floor test (tests/evaluation/test_floors.py) and the report.
"""

from __future__ import annotations

from typing import Any, Literal

# metric -> (comparison, bound). ">=" means at least, "<=" at most.
FLOORS: dict[str, tuple[Literal[">=", "<="], float]] = {
    "hit_at_1": (">=", 0.90),
    "recall_at_3": (">=", 0.95),
    "mrr": (">=", 0.90),
    "key_fact_coverage": (">=", 0.90),
    "all_facts_rate": (">=", 0.80),
    "citation_validity": (">=", 1.00),
    "citation_support": (">=", 0.90),
    "refusal_accuracy": (">=", 0.95),
    "false_refusal_rate": ("<=", 0.05),
    "mean_answer_words": ("<=", 150.0),
}


def check_floors(overall: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """For each floor: the bound, the measured value and whether it is met (a missing value fails)."""
    results: dict[str, dict[str, Any]] = {}
    for metric, (op, bound) in FLOORS.items():
        value = overall.get(metric)
        ok = value is not None and (value >= bound - 1e-9 if op == ">=" else value <= bound + 1e-9)
        results[metric] = {"op": op, "bound": bound, "value": value, "ok": ok}
    return results


def floor_failures(overall: dict[str, Any]) -> list[str]:
    """Human-readable lines for the floors that are not met; [] when all are."""
    return [f"{metric} = {r['value']} (floor {r['op']} {r['bound']})"
            for metric, r in check_floors(overall).items() if not r["ok"]]
