"""`make reliability`: the whole reliability suite, each part in its own process, and evals/RELIABILITY.md.

Parts (each also runs alone; see its module):
  hostile     evals/hostile/run.py: hostile files through the real ingestion pipeline
  kill        kill_trials.py: SIGKILL during `advisor ingest`, then an exact recovery
  injections  injections.py --llm: planted instructions vs the extractive answerer and the local LLM
  xss         xss.py: payloads in Chromium on /, /embed and /demo
  fuzz        fuzz.py: schemathesis on every route of a real server for five minutes
  auth        auth_grid.py: every route against every credential, and the failed-auth throttle

    .venv/bin/python evals/reliability/run.py [--only kill,xss] [--md evals/RELIABILITY.md]
    .venv/bin/python evals/reliability/run.py --render       # the report again from evals/out/reliability/

Counts go to evals/out/reliability/<part>.json (and the console output to <part>.log); the report is
written from whatever is there, so a part run alone updates its own section. Exit 1 if any part failed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
OUT = ROOT / "evals" / "out" / "reliability"

PARTS: dict[str, list[str]] = {
    "auth": [str(HERE / "auth_grid.py")],
    "hostile": [str(ROOT / "evals" / "hostile" / "run.py")],
    "injections": [str(HERE / "injections.py"), "--llm"],
    "xss": [str(HERE / "xss.py")],
    "kill": [str(HERE / "kill_trials.py"), "--trials", "12"],
    "fuzz": [str(HERE / "fuzz.py"), "--seconds", "300"],
}


def run_part(name: str) -> dict[str, Any]:
    """Run one part in its own process; its counts (JSON), exit code and time."""
    OUT.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, *PARTS[name]]
    if name != "hostile":  # the hostile eval prints its counts; the others write them
        command += ["--json", str(OUT / f"{name}.json")]
    print(f"== {name}: {' '.join(Path(c).name if c.startswith('/') else c for c in command[1:])}", flush=True)
    started = time.perf_counter()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False",
           "PYTHONPATH": str(ROOT)}
    with (OUT / f"{name}.log").open("w") as log:
        done = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    meta = {"exit_code": done.returncode, "seconds": round(time.perf_counter() - started),
            "finished": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")}
    if name == "hostile":
        meta.update(_hostile_counts((OUT / "hostile.log").read_text(errors="replace")))
        (OUT / "hostile.json").write_text(json.dumps({}, indent=2))
    (OUT / f"{name}.meta.json").write_text(json.dumps(meta, indent=2))
    print(f"   exit {done.returncode} in {meta['seconds']} s", flush=True)
    return meta


def _hostile_counts(log: str) -> dict[str, Any]:
    found = re.search(r"^(\d+) cases: (.+)$", log, re.M)
    counts: dict[str, Any] = {"cases": int(found.group(1)) if found else 0}
    if found:
        for part in found.group(2).split(", "):
            number, _, outcome = part.partition(" ")
            counts[outcome] = int(number)
    failed = re.search(r"^FAILED \((\d+)\):\n((?:  .+\n?)+)", log, re.M)
    counts["failures"] = failed.group(2).strip().splitlines() if failed else []
    counts["ok"] = "OK: nothing crashed" in log
    return counts


# ---- the report -------------------------------------------------------------------------------------------
def _load(name: str) -> tuple[Any, dict[str, Any]] | None:
    data, meta = OUT / f"{name}.json", OUT / f"{name}.meta.json"
    if not meta.exists():
        return None
    return (json.loads(data.read_text()) if data.exists() else None), json.loads(meta.read_text())


def _status(ok: bool) -> str:
    return "pass" if ok else "**FAIL**"


def _hostile(data: Any, meta: dict[str, Any]) -> tuple[list[str], bool]:
    ok = meta["exit_code"] == 0
    outcomes = ", ".join(f"{meta[k]} {k}" for k in ("ingested", "refused", "ignored") if k in meta)
    lines = [f"- {meta['cases']} hostile files and folders (`evals/hostile/make_documents.py`) ingested "
             f"with the shipped corpus in one run of the real pipeline: {outcomes}; every case ended as it "
             "must, the five shipped documents are indexed, nothing from outside the folder and no control "
             "or bidi character was indexed, and `advisor ingest` on bad files exits 1 naming each one."]
    lines += [f"  - failure: {f}" for f in meta.get("failures", [])[:20]]
    return lines, ok


def _kill(data: Any, meta: dict[str, Any]) -> tuple[list[str], bool]:
    trials = data["trials"]
    running = sum(t["killed_while_running"] for t in trials)
    left = {k: sum(t["left"] == k for t in trials) for k in ("nothing", "part", "all")}
    recovered = sum(t["recovered"] for t in trials)
    ok = meta["exit_code"] == 0 and recovered == len(trials)
    lines = [f"- {len(trials)} trials of `kill -9` during `advisor ingest` ({running} while it was still "
             f"running; the write phase of a clean run took {data['write_seconds']} s). The killed runs left "
             f"{left['part']} partial indexes, {left['nothing']} with nothing new and {left['all']} "
             "complete; "
             f"**{recovered}/{len(trials)} recovered exactly** on the next run (same chunk ids per document, "
             "same document records, BM25 over exactly the stored chunks, no stale lock, and a further run "
             "found everything unchanged). Half the trials were updates (a third of the documents edited)."]
    lines += [f"  - trial {t['number']}: {p}" for t in trials for p in t["problems"]]
    return lines, ok


def _injections(data: Any, meta: dict[str, Any]) -> tuple[list[str], bool]:
    lines, ok = [], meta["exit_code"] == 0
    for r in data:
        lines.append(
            f"- {r['answerer']}: {r['questions']} questions over {r['documents']} planted documents "
            f"({r['planted_sentences']} planted sentences; {r['flagged']} flagged at ingest); "
            f"**{r['planted_in_answer']} answers with a planted instruction, {r['canary_leaks']} canary "
            f"leaks**; {r['cited_planted_document']} answers cite the planted document, {r['refused']} "
            f"refused, {r.get('fallbacks', 0)} fell back to the extractive answer ({r['seconds']} s).")
        lines += [f"  - {f}" for f in r["failures"][:15]]
        ok &= r["planted_in_answer"] == 0 and r["canary_leaks"] == 0
    if data:
        missed = data[0]["missed_detection"]
        if missed:
            lines.append(f"- Planted sentences not flagged at ingest ({len(missed)}; an LLM may see them):")
            kinds: dict[str, int] = {}
            for m in missed:
                sentence = re.sub(r"\d{4}", "NNNN", m.split(": ", 1)[1])
                kinds[sentence] = kinds.get(sentence, 0) + 1
            lines += [f"  - {n} x `{s}`" for s, n in sorted(kinds.items(), key=lambda x: -x[1])]
    return lines, ok


def _xss(data: Any, meta: dict[str, Any]) -> tuple[list[str], bool]:
    lines = [f"- {data['payloads']} payloads (`evals/reliability/xss.py`), each in a question, in the "
             "article the question is about (text and title) and in page addresses:"]
    ok = meta["exit_code"] == 0
    for s in data["surfaces"]:
        lines.append(f"  - {s['surface']}: {s['deliveries']} deliveries, {s['shown_as_text']} shown as text "
                     f"({s['answers_quoting_payload']} answers quoting one); **executed {s['executed']}**, "
                     f"dialogs {s['dialogs']}, injected elements {s['injected_elements']}; "
                     f"{s['csp_reports']} CSP reports")
        lines += [f"    - {f}" for f in s["failures"][:10]]
        ok &= not (s["executed"] or s["dialogs"] or s["injected_elements"])
    return lines, ok


def _fuzz(data: Any, meta: dict[str, Any]) -> tuple[list[str], bool]:
    ok = meta["exit_code"] == 0 and data["server_errors"] == 0
    statuses = ", ".join(f"{n} x {s}" for s, n in data["by_status"].items())
    completions = sum(n for op, n in data["by_operation"].items() if "/v1/chat/completions" in op)
    lines = [f"- schemathesis (all checks; examples, coverage, fuzzing and stateful phases) for "
             f"{data['seconds']} s against a real server with keys: {data['requests']} requests to "
             f"{data['operations']} method and path pairs ({completions} to `/v1/chat/completions`); "
             f"**{data['server_errors']} server errors**. Statuses: {statuses}."]
    if data["failures"]:
        lines.append(f"- Other checks schemathesis reported (exit {data['exit_code']}):")
        lines += [f"  - {f}" for f in data["failures"][:20]]
    return lines, ok


def _auth(data: Any, meta: dict[str, Any]) -> tuple[list[str], bool]:
    ok = meta["exit_code"] == 0 and not data["mismatches"]
    throttle = "429 after 30 failures, as set" if data["throttle_checked"] else "WRONG"
    lines = [f"- {data['cells']} requests: 14 routes x 13 credentials (none, wrong key, key A, key B, widget "
             "tokens from the right and a wrong origin, expired, forged, of a removed key...) on a keyed and "
             f"a key-less server, and 300 wrong keys from one address; **{len(data['mismatches'])} answered "
             f"otherwise than the rules say**; throttle {throttle}."]
    lines += [f"  - {m}" for m in data["mismatches"][:20]]
    return lines, ok


SECTIONS: dict[str, tuple[str, Callable[[Any, dict[str, Any]], tuple[list[str], bool]]]] = {
    "hostile": ("Hostile documents", _hostile),
    "kill": ("kill -9 during ingestion", _kill),
    "injections": ("Planted injections", _injections),
    "xss": ("XSS in the browser", _xss),
    "fuzz": ("Schemathesis", _fuzz),
    "auth": ("Auth grid", _auth),
}


def render(md: Path) -> bool:
    summary, body, all_ok = [], [], True
    for name, (title, section) in SECTIONS.items():
        loaded = _load(name)
        if loaded is None:
            summary.append(f"| {title} | not run | | |")
            all_ok = False
            continue
        data, meta = loaded
        lines, ok = section(data, meta) if data is not None or name == "hostile" else (["- no counts"], False)
        all_ok &= ok
        summary.append(f"| {title} | {_status(ok)} | {meta['seconds']} s | {meta['finished']} |")
        body += [f"## {title}", "", *lines, ""]
    planted = _load("injections")
    xss = _load("xss")
    hostile = _load("hostile")
    total = (hostile[1].get("cases", 0) if hostile else 0) \
        + (planted[0][0]["documents"] if planted and planted[0] else 0) \
        + (xss[0]["payloads"] if xss and xss[0] else 0)
    text = [
        "# Reliability", "",
        "What `make reliability` (`evals/reliability/run.py`) found, part by part. Written by the run; "
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}.", "",
        f"Hostile documents in all: **{total}** (the hostile files, the planted-injection articles and the "
        "XSS articles). Fast, deterministic parts also run in `make test`: `tests/api/test_hardening.py`, "
        "`tests/reliability/` (auth grid, planted injections vs the extractive answerer) and "
        "`tests/web/test_xss_payloads.py`.", "",
        "| part | result | time | finished |", "|---|---|---|---|", *summary, "", *body,
    ]
    md.write_text("\n".join(text).rstrip() + "\n", encoding="utf-8")
    return all_ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="comma-separated parts: " + ",".join(PARTS))
    parser.add_argument("--render", action="store_true", help="only write the report from earlier counts")
    parser.add_argument("--md", type=Path, default=ROOT / "evals" / "RELIABILITY.md")
    args = parser.parse_args()
    if not args.render:
        names = args.only.split(",") if args.only else list(PARTS)
        unknown = [n for n in names if n not in PARTS]
        if unknown:
            parser.error(f"unknown parts {unknown}; choose from {', '.join(PARTS)}")
        for name in names:
            run_part(name)
    ok = render(args.md)
    print(f"wrote {args.md}: {'all parts pass' if ok else 'SOME PARTS FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
