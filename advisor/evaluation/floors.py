"""The quality floors the question sets must meet with the default offline pipeline.

One source of truth for the floor test (tests/evaluation/test_floors.py), `advisor eval --check-floors` and
the reports. `FLOORS` are the original floors of the shipped set (never lowered); `QUALITY_FLOORS` are the
answer-quality floors (leading with the answer, no filler, near-domain honesty, small talk); every question
set's floors (`SET_FLOORS`) are both, the stricter bound winning where a metric is in both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

Op = Literal[">=", "<="]
Floors = Mapping[str, tuple[Op, float]]

# metric -> (comparison, bound). ">=" means at least, "<=" at most.
FLOORS: dict[str, tuple[Op, float]] = {
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

# The answer-quality issue's floors, on the shipped set and on the users' set each.
QUALITY_FLOORS: dict[str, tuple[Op, float]] = {
    "key_fact_coverage": (">=", 0.92),
    "all_facts_rate": (">=", 0.85),
    "lead_fact_rate": (">=", 0.85),
    "filler_rate": ("<=", 0.0),
    "false_refusal_rate": ("<=", 0.0),
    "refusal_accuracy": (">=", 1.0),
    "near_domain_accuracy": (">=", 1.0),
    "small_talk_accuracy": (">=", 1.0),
    "mean_answer_words": ("<=", 120.0),
}

# A floor on a category's own metric applies to a set only when the set has questions of that category
# (the shipped set has no near-domain or small-talk questions); there it is reported as not applicable.
CATEGORY_METRICS: dict[str, str] = {"near_domain_accuracy": "near_domain",
                                    "small_talk_accuracy": "small_talk"}


def combine(*tables: Floors) -> dict[str, tuple[Op, float]]:
    """The floors of all tables; where a metric is in several, the strictest bound."""
    combined: dict[str, tuple[Op, float]] = {}
    for table in tables:
        for metric, (op, bound) in table.items():
            if metric in combined:
                old_op, old = combined[metric]
                if old_op != op:
                    raise ValueError(f"floor {metric} is '{old_op}' in one table and '{op}' in another")
                bound = max(old, bound) if op == ">=" else min(old, bound)
            combined[metric] = (op, bound)
    return combined


ALL_FLOORS = combine(FLOORS, QUALITY_FLOORS)
SET_FLOORS: dict[str, dict[str, tuple[Op, float]]] = {
    "shipped": ALL_FLOORS,  # evals/questions.jsonl
    "users": ALL_FLOORS,  # evals/questions_users.jsonl
}


def floors_for(question_set: str | None) -> dict[str, tuple[Op, float]]:
    """The floors of a named question set; every floor for a set that has none of its own."""
    return SET_FLOORS.get(question_set or "", ALL_FLOORS)


def check_floors(overall: Mapping[str, Any], floors: Floors | None = None,
                 categories: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
    """For each floor (every floor by default): the bound, the measured value and whether it is met.

    A missing value fails, except for a category metric (`CATEGORY_METRICS`) when `categories` (the
    categories the set holds) is given and lacks its category: then the floor is not applicable
    (`applicable` False, `ok` True).
    """
    present = set(categories) if categories is not None else None
    results: dict[str, dict[str, Any]] = {}
    for metric, (op, bound) in (ALL_FLOORS if floors is None else floors).items():
        value = overall.get(metric)
        applicable = present is None or metric not in CATEGORY_METRICS or CATEGORY_METRICS[metric] in present
        ok = not applicable or (value is not None
                                and (value >= bound - 1e-9 if op == ">=" else value <= bound + 1e-9))
        results[metric] = {"op": op, "bound": bound, "value": value, "ok": ok, "applicable": applicable}
    return results


def floor_failures(overall: Mapping[str, Any], floors: Floors | None = None,
                   categories: Iterable[str] | None = None) -> list[str]:
    """Human-readable lines for the floors that are not met; [] when all are."""
    return failure_lines(check_floors(overall, floors, categories))


def failure_lines(results: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The unmet floors of a `check_floors` result (e.g. a summary's "floors") as readable lines."""
    return [f"{metric} = {r['value']} (floor {r['op']} {r['bound']})" for metric, r in results.items()
            if not r["ok"]]
