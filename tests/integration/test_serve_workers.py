"""`advisor serve --workers 2` over the Chroma server and PostgreSQL: every worker reads what any wrote.

A client cannot pick a worker, so every request goes on a fresh connection and the test makes enough of
them for both workers to answer (the kernel spreads new connections over the workers' shared socket).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from advisor.service import Advisor
from tests.integration.conftest import run_cli
from tests.integration.services import AdvisorServer, ChromaServer, free_port
from tests.integration.test_conversation_db import _fresh_postgres_db
from tests.integration.test_shared_api import FOLLOW_UP, KEY_A, KEY_B, QUESTION, call, shared_env

pytestmark = pytest.mark.slow  # `advisor serve --workers`, a Chroma server and PostgreSQL

WORKERS = 2
REQUESTS = 16


@pytest.fixture(scope="module")
def served(server_advisor: Advisor, chroma_server: ChromaServer, postgres_server,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[AdvisorServer]:
    if run_cli(["serve", "--help"], {}, timeout=60).returncode != 0:
        pytest.skip("this tree has no `advisor serve` command yet")
    data_dir = tmp_path_factory.mktemp("serve-workers")
    env = shared_env(server_advisor, chroma_server, data_dir, _fresh_postgres_db(postgres_server))
    port = free_port()
    command = [sys.executable, "-m", "advisor", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(WORKERS)]
    server = AdvisorServer(env, data_dir / "serve.log", port=port, command=command)
    server.start()
    try:
        _wait_until_every_worker_is_ready(server)
        yield server
    finally:
        server.stop()


def _wait_until_every_worker_is_ready(server: AdvisorServer, timeout: float = 240.0) -> None:
    """/readyz answers 200 from whichever worker takes the connection: ask until many in a row do."""
    deadline, streak = time.monotonic() + timeout, 0
    while streak < 3 * WORKERS and time.monotonic() < deadline:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            streak = streak + 1 if client.get("/readyz").status_code == 200 else 0
        time.sleep(0.1)
    assert streak >= 3 * WORKERS, "the workers did not all become ready"


def test_every_worker_reads_and_continues_the_conversation(served: AdvisorServer):
    started = call(served, "POST", "/v1/chat", KEY_A, json={"message": QUESTION})
    assert started.status_code == 200, started.text
    conversation_id = started.json()["conversation_id"]
    path = f"/v1/conversations/{conversation_id}"
    for n in range(REQUESTS):
        got = call(served, "GET", path, KEY_A)
        assert got.status_code == 200, (n, got.text)
        assert len(got.json()["messages"]) == 2
        assert call(served, "GET", path, KEY_B).status_code == 404
    for _ in range(3):
        continued = call(served, "POST", "/v1/chat", KEY_A,
                         json={"message": FOLLOW_UP, "conversation_id": conversation_id})
        assert continued.status_code == 200, continued.text
    messages = call(served, "GET", path, KEY_A).json()["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant"] * 4


def test_workers_are_separate_processes(served: AdvisorServer):
    assert served.process is not None
    children = Path(f"/proc/{served.process.pid}/task/{served.process.pid}/children").read_text().split()
    advisor_workers = [pid for pid in children
                       if "advisor" in Path(f"/proc/{pid}/cmdline").read_text(errors="replace")
                       or "multiprocessing" in Path(f"/proc/{pid}/cmdline").read_text(errors="replace")]
    assert len(advisor_workers) >= WORKERS, json.dumps(children)
