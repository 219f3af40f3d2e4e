"""Several processes on one store: the embedded store's single writer, and readers following other
processes' ingests (BM25 rebuilt from the version record, dense search reloaded)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import PROJECT_ROOT, run_cli, unique_collection
from tests.integration.services import ChromaServer

pytestmark = pytest.mark.slow  # processes sharing a store, a Chroma server

NEW_DOCUMENT = (
    "Quillbrook fellowship for physician executives\n\n"
    "The Quillbrook fellowship is a one-year programme in which practising physicians shadow a chief "
    "medical officer, lead a quality-improvement project and present it to the hospital board. Fellows "
    "who finish the Quillbrook programme often move into associate medical director roles within two "
    "years, because the board has already seen their work on budgets, staffing and patient safety.\n"
)
WAIT_SECONDS = 60.0  # a bound on the wait, not a timing assertion: the refresh interval is 2 s

HOLD_LOCK = """
import sys
from advisor.retrieval.store import ChunkStore
from advisor.settings import get_settings
store = ChunkStore(get_settings())
with store.writer_lock():
    print("locked", flush=True)
    sys.stdin.readline()
"""


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("ADVISOR_")}
    return {**base, "HF_HUB_OFFLINE": "1", "ADVISOR_DATA_DIR": str(data_dir), **extra}


@pytest.fixture
def new_document(tmp_path: Path) -> Path:
    folder = tmp_path / "incoming"
    folder.mkdir()
    (folder / "quillbrook-fellowship.txt").write_text(NEW_DOCUMENT)
    return folder


class Reader:
    """tests/integration/reader_process.py in its own process."""

    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen([sys.executable, str(Path(__file__).with_name("reader_process.py"))],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
                                        cwd=PROJECT_ROOT)
        ready = json.loads(self._line())
        self.chunk_count = int(ready["ready"])

    def _line(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line, f"reader exited with {self.process.poll()}"
        return line

    def doc_ids(self, question: str, mode: str) -> list[str]:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({"q": question, "mode": mode}) + "\n")
        self.process.stdin.flush()
        return list(json.loads(self._line()))

    def wait_for(self, question: str, mode: str, doc_id: str) -> list[str]:
        deadline = time.monotonic() + WAIT_SECONDS
        found = self.doc_ids(question, mode)
        while doc_id not in found and time.monotonic() < deadline:
            time.sleep(0.5)
            found = self.doc_ids(question, mode)
        return found

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def ingested_env(request, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The shipped corpus ingested by a CLI process, embedded or in the Chroma server."""
    extra: dict[str, str] = {}
    if request.param == "server":
        server: ChromaServer = request.getfixturevalue("chroma_server")
        extra = {"ADVISOR_CHROMA_URL": server.url, "ADVISOR_COLLECTION_NAME": unique_collection()}
    env = _env(tmp_path / "data", **extra)
    result = run_cli(["ingest", "--quiet"], env)
    assert result.returncode == 0, result.stderr
    yield env


@pytest.mark.parametrize("ingested_env", ["embedded", "server"], indirect=True)
def test_reader_finds_document_ingested_by_another_process(ingested_env: dict[str, str], new_document: Path):
    reader = Reader(ingested_env)
    try:
        question = "What is the Quillbrook fellowship?"
        assert "quillbrook-fellowship" not in reader.doc_ids(question, "bm25")

        result = run_cli(["ingest", "--quiet", str(new_document)], ingested_env)
        assert result.returncode == 0, result.stderr
        assert "1 added" in result.stdout

        assert "quillbrook-fellowship" in reader.wait_for(question, "bm25", "quillbrook-fellowship")
        # the dense side follows too: no keyword hit without its vector (embedded mode reloads its index)
        assert reader.doc_ids(question, "dense")[0] == "quillbrook-fellowship"
        assert reader.doc_ids(question, "hybrid")[0] == "quillbrook-fellowship"
    finally:
        reader.close()


def test_second_writer_of_embedded_store_is_refused(tmp_path: Path, new_document: Path):
    env = _env(tmp_path / "data")
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env=env, cwd=PROJECT_ROOT)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        refused = run_cli(["ingest", "--quiet", str(new_document)], env)
        assert refused.returncode == 3
        assert "another process is writing" in refused.stderr and "ADVISOR_CHROMA_URL" in refused.stderr
        assert "Traceback" not in refused.stderr
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
    accepted = run_cli(["ingest", "--quiet", str(new_document)], env)
    assert accepted.returncode == 0, accepted.stderr
    assert "1 added" in accepted.stdout
