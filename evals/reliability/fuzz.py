"""Schemathesis against a real server for a fixed time: every route, every check, no server error.

The full app (API keys set, CORS and frame ancestors configured, /metrics behind the key) runs on a real
uvicorn on 127.0.0.1 over the shipped corpus; `schemathesis run` fuzzes every operation of /openapi.json
(examples, coverage, fuzzing and stateful phases; all checks, `unsupported_method` and
`allow_header_conformance` included) until `--seconds` are spent. Its HAR report gives the counts: requests
per operation and status, and server errors (which must be 0). Per-key limits and the failed-auth throttle
are off here (they would answer 429 to the fuzzer); the auth grid checks them.

    .venv/bin/python evals/reliability/fuzz.py [--seconds 300] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

KEY = "fuzz-key-" + "f" * 24
PORTAL = "https://portal.example.org"


@dataclass
class FuzzResult:
    seconds: float = 0.0
    requests: int = 0
    server_errors: int = 0
    by_operation: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    operations: int = 0
    exit_code: int = 0
    failures: list[str] = field(default_factory=list)  # schemathesis's failed checks, as it printed them


def serve(work: Path) -> tuple[str, object, threading.Thread, socket.socket, object]:
    import uvicorn

    from advisor.server import create_server_app
    from advisor.service import Advisor
    from advisor.settings import Settings

    settings = Settings(data_dir=work / "data", corpus_dir=ROOT / "corpus", api_keys=[KEY],
                        cors_origins=[PORTAL], frame_ancestors=[PORTAL], metrics_require_key=True,
                        rate_limit_per_minute=0, auth_failures_per_minute=0,
                        database_url=f"sqlite:///{work / 'conversations.sqlite3'}",
                        _env_file=None)  # type: ignore[call-arg]
    advisor = Advisor(settings)
    advisor.ingest()
    advisor.warm_up()
    app = create_server_app(settings, advisor)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{sock.getsockname()[1]}", server, thread, sock, app


def run(seconds: int, work: Path) -> FuzzResult:
    url, server, thread, sock, app = serve(work)
    result = FuzzResult()
    started = time.perf_counter()
    try:
        command = [str(Path(sys.executable).with_name("schemathesis")), "run", f"{url}/openapi.json",
                   "--checks", "all", "--max-time", str(seconds), "--workers", "1", "--continue-on-failure",
                   "--header", f"Authorization: Bearer {KEY}", "--request-timeout", "60",
                   "--report", "har", "--report-dir", str(work / "report"), "--no-color",
                   "--phases", "examples,coverage,fuzzing,stateful"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds * 3 + 600,
                              env={**os.environ, "SCHEMATHESIS_HOOKS": ""}, cwd=work)  # its cache stays there
        result.exit_code = done.returncode
        output = done.stdout + done.stderr
        (work / "schemathesis.txt").write_text(output)
        result.failures = _failures(output)
    finally:
        result.seconds = round(time.perf_counter() - started, 1)
        server.should_exit = True  # type: ignore[attr-defined]
        thread.join(timeout=15)
        sock.close()
        app.state.api.conversations.close()  # type: ignore[attr-defined]
    _count(work / "report", result)
    return result


def _count(report_dir: Path, result: FuzzResult) -> None:
    operations: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    for har in [*report_dir.glob("*.har"), *report_dir.glob("har-*.json")]:
        for entry in json.loads(har.read_text())["log"]["entries"]:
            method = entry["request"]["method"]
            path = re.sub(r"^https?://[^/]+", "", entry["request"]["url"]).split("?")[0]
            path = re.sub(r"^/v1/(conversations|sources)/[^/]+$", r"/v1/\1/{id}", path)
            operations[f"{method} {path if len(path) < 60 else path[:60] + '…'}"] += 1
            status = int(entry["response"]["status"])
            statuses[str(status)] += 1
            result.server_errors += status >= 500
    result.requests = sum(statuses.values())
    result.by_status = dict(sorted(statuses.items()))
    result.by_operation = dict(operations.most_common())
    result.operations = len(operations)


def _failures(output: str) -> list[str]:
    """The headline of each failed check in schemathesis's output."""
    return [line.strip() for line in output.splitlines()
            if re.match(r"^\s*(?:\d+\.\s+)?[A-Z][\w -]+ \(.*\)$|^_+ .+ _+$|^\s*- ", line)][:60]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fuzz-") as scratch:
        result = run(args.seconds, Path(scratch))
        output = (Path(scratch) / "schemathesis.txt").read_text()
        print(output[-4000:])
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.with_suffix(".txt").write_text(output)  # every failure, with a curl to reproduce it
    print(f"schemathesis: {result.requests} requests over {result.operations} method+path pairs in "
          f"{result.seconds} s; {result.server_errors} server errors; statuses {result.by_status}; "
          f"exit {result.exit_code}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(asdict(result), indent=2))
    return 1 if result.server_errors or result.requests == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
