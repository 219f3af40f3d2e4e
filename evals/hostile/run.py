"""Ingestion robustness eval: the hostile documents of `make_documents.py` and the shipped corpus, together.

    .venv/bin/python evals/hostile/run.py [--keep DIR]

Writes every case into a temporary folder, ingests it with the shipped corpus in one run of the real
pipeline (real model, real Chroma, fresh data directory) and prints each case's outcome: ingested, or
refused with the message a user sees. It fails (exit 1) when the ingest raised, when a case ends
otherwise than it expects, when one of the five shipped documents is missing, when anything from
outside the folder or any control or bidi-override character was indexed, or when `advisor ingest`
on a few bad files does not exit 1 with one named error per file and no traceback. About a minute on
2 cores.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_documents import PARAGRAPH, Case, make_documents, remove_documents  # noqa: E402

from advisor.ingestion.loaders import display_path  # noqa: E402
from advisor.models import IngestReport  # noqa: E402
from advisor.service import Advisor  # noqa: E402
from advisor.settings import Settings  # noqa: E402

CORPUS = ROOT / "corpus"
SHIPPED = sorted(p.stem for p in CORPUS.glob("*.txt"))
INVISIBLE = [chr(c) for c in [*range(0, 9), 0x0B, *range(0x0E, 0x20), *range(0x7F, 0xA0)]] + [
    "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
NEVER_INDEXED = ["Outside secret", "root:x:0:0", "outside-folder-doc"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", type=Path, help="write the cases and the data directory here and keep them")
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="hostile-") as scratch:
        work = args.keep or Path(scratch)
        try:
            failures = run(work)
        finally:
            if not args.keep:
                remove_documents(work / "hostile")
    print(f"\n{time.perf_counter() - started:.0f} s in all")
    if failures:
        print(f"\nFAILED ({len(failures)}):\n  " + "\n  ".join(failures))
        return 1
    print("OK: nothing crashed, every case ended as expected, the 5 shipped documents are indexed")
    return 0


def run(work: Path) -> list[str]:
    folder = work / "hostile"
    cases = make_documents(folder, work / "outside")
    settings = Settings(data_dir=work / "data", corpus_dir=CORPUS)
    advisor = Advisor(settings)
    failures: list[str] = []
    t0 = time.perf_counter()
    try:
        report = advisor.ingest([CORPUS, folder])
    except BaseException as exc:  # the point of the eval: this must never happen
        return [f"the ingest raised {type(exc).__name__}: {exc}"]
    print(f"ingested {len(cases)} hostile cases and the corpus in {time.perf_counter() - t0:.0f} s: "
          f"{len(report.added_documents)} documents, {report.chunks_written} chunks, "
          f"{len(report.errors)} errors")

    errors: dict[str, list[str]] = {}
    for error in report.errors:
        errors.setdefault(error.path, []).append(error.error)
        if "Traceback" in error.error or "\n" in error.error or not error.path.isprintable():
            failures.append(f"error not fit to print: {error.path!r}: {error.error!r}")
    indexed = {s.doc_id: s for s in advisor.sources()}
    chunks = advisor.store.all_chunks()

    print(f"\n{'outcome':9} {'expected':17} {'case':48} message")
    counts: dict[str, int] = {}
    matched: set[str] = set()
    for case in cases:
        shown = display_path(Path(os.fsdecode(os.path.join(os.fsencode(folder), case.path))))
        messages = errors.get(shown)
        if messages:
            outcome, note = "refused", " / ".join(messages)
            matched.add(shown)
        elif case.doc_id in indexed:
            outcome, note = "ingested", f"{indexed[case.doc_id].chunk_count} chunks"
            failures += _content_failures(case, advisor)
        else:
            outcome, note = "ignored", ""
        counts[outcome] = counts.get(outcome, 0) + 1
        flag = "" if outcome in case.expect else "  <-- UNEXPECTED"
        if flag:
            failures.append(f"{case.name}: {outcome}, expected {'|'.join(case.expect)} ({note})")
        print(f"{outcome:9} {'|'.join(case.expect):17} {case.name[:48]:48} {note[:150]}{flag}")
    for path, messages in errors.items():  # errors no case accounts for
        if path not in matched and not path.startswith(str(CORPUS)):
            failures.append(f"unexpected error for {path}: {messages}")
    print(f"\n{len(cases)} cases: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))

    failures += _shipped_failures(report, indexed)
    failures += _index_failures(chunks)
    failures += _reserved_id_failures(advisor, folder)
    failures += _cli_failures(work)
    return failures


def _content_failures(case: Case, advisor: Advisor) -> list[str]:
    document = advisor.document(case.doc_id)
    if document is None:
        return [f"{case.name}: listed but its document cannot be read"]
    failures = []
    if case.must_contain and case.must_contain not in document.text:
        failures.append(f"{case.name}: indexed text lacks {case.must_contain!r}")
    for text in case.must_not_contain:
        if text in document.text or text in document.title:
            failures.append(f"{case.name}: indexed text holds {text!r}")
    return failures


def _shipped_failures(report: IngestReport, indexed: dict) -> list[str]:
    failures = []
    for doc_id in SHIPPED:
        source = indexed.get(doc_id)
        if source is None or source.chunk_count == 0 or doc_id not in report.added_documents:
            failures.append(f"shipped document {doc_id} is not indexed")
    if not failures:
        print(f"the {len(SHIPPED)} shipped documents are indexed: "
              + ", ".join(f"{d} ({indexed[d].chunk_count} chunks)" for d in SHIPPED))
    return failures


def _index_failures(chunks: list) -> list[str]:
    failures = []
    for chunk in chunks:
        for text in (chunk.text, chunk.title, chunk.section):
            bad = [c for c in INVISIBLE if c in text]
            if bad:
                failures.append(f"chunk {chunk.chunk_id} holds invisible characters {bad!r}")
            leaked = [s for s in NEVER_INDEXED if s in text]
            if leaked:
                failures.append(f"chunk {chunk.chunk_id} holds text from outside the folder: {leaked}")
    print(f"{len(chunks)} chunks indexed, {'none' if not failures else 'some'} with invisible characters "
          "or text from outside the folder")
    return failures


def _reserved_id_failures(advisor: Advisor, folder: Path) -> list[str]:
    """A document named like the store's old reserved record is listed, and unchanged on a second ingest."""
    again = advisor.ingest([folder / "__index_meta__.txt"])
    listed = "__index_meta__" in {s.doc_id for s in advisor.sources()}
    if not listed or again.unchanged_documents != ["__index_meta__"] or again.errors:
        return [f"reserved id: listed={listed}, second ingest {again.model_dump()}"]
    print("__index_meta__ is listed among the sources and unchanged on a second ingest")
    return []


def _cli_failures(work: Path) -> list[str]:
    """`advisor ingest` on a good file and some bad ones: exit 1, one line per bad file, no traceback."""
    small = work / "cli"
    small.mkdir()
    (small / "good.txt").write_text(PARAGRAPH, encoding="utf-8")
    (small / "latin1.txt").write_bytes("Qualité".encode("latin-1"))
    Path(os.fsdecode(os.fsencode(small) + b"/bad-\xff.txt")).write_text(PARAGRAPH, encoding="utf-8")
    os.symlink("/etc/passwd", small / "passwd.txt")
    (small / "bomb.md").write_text("# a" + " " * 50_000 + "###x\n\n" + "login to " * 2_000, encoding="utf-8")
    env = {**os.environ, "ADVISOR_DATA_DIR": str(work / "cli-data")}
    advisor_cli = Path(sys.executable).with_name("advisor")
    command = [str(advisor_cli), "ingest", "--quiet", str(small)]
    done = subprocess.run(command, env=env, capture_output=True, timeout=300)
    stderr = done.stderr.decode("utf-8", "replace")
    stdout = done.stdout.decode("utf-8", "replace")
    print(f"\n$ advisor ingest --quiet {small.name}/   (exit {done.returncode})\n{stderr}{stdout}".rstrip())
    failures = []
    if done.returncode != 1:
        failures.append(f"advisor ingest exited {done.returncode}, not 1")
    if "Traceback" in stderr:
        failures.append("advisor ingest printed a traceback")
    for name in ["latin1.txt", "bad-\\xff.txt", "passwd.txt"]:
        if f"{name}: " not in stderr:
            failures.append(f"advisor ingest did not name {name}")
    if "2 added" not in stdout:
        failures.append("advisor ingest did not add good.txt and bomb.md")
    return failures


if __name__ == "__main__":
    sys.exit(main())
