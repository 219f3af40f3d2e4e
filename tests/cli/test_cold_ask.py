"""A data directory ready at once: `advisor ingest` leaves the warm-up vectors (so a server's first start
embeds none) and the ONNX question encoder checked against torch (so a cold `advisor ask` or `advisor chat`
imports neither torch nor sentence-transformers), answers stay those of the served path, and no progress bar
is printed when stderr is not a terminal."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from advisor.answering.evidence import scored_texts
from advisor.answering.scope import ScopeGuard
from advisor.formatting import with_sources
from advisor.models import Turn
from advisor.retrieval.embeddings import SentenceTransformerEmbedder
from advisor.retrieval.index import SearchIndex
from advisor.retrieval.onnx_query import QUERY_ENCODER_DIR, read_check
from advisor.retrieval.vector_cache import digest, read_vectors, warm_vectors_path
from advisor.service import Advisor
from advisor.settings import Settings
from tests.conftest import CORPUS_DIR

pytestmark = pytest.mark.slow  # `advisor` in subprocesses, and an ONNX export of the model

HEAVY = ("torch", "sentence_transformers", "transformers")
# `advisor` as the console script runs it, writing at exit which heavy libraries were imported
RUN = f"""
import atexit, json, os, sys
atexit.register(lambda: open(os.environ["IMPORTED_REPORT"], "w").write(
    json.dumps([name for name in {HEAVY!r} if name in sys.modules])))
from advisor.cli import app
app()
"""
QUESTION = "What does a medical director earn?"
FOLLOW_UP = "and in government agencies?"


def run_cli(args: list[str], data_dir: Path, home: Path, stdin: str | None = None
            ) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """`advisor ARGS` in a new process (its stderr a pipe, not a terminal); its result and the heavy
    libraries it imported."""
    report = data_dir.parent / "imported.json"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ADVISOR_")},
           "ADVISOR_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1", "HOME": str(home),
           "IMPORTED_REPORT": str(report)}
    result = subprocess.run([sys.executable, "-c", RUN, *args], input=stdin, capture_output=True, text=True,
                            env=env, timeout=600)
    assert result.returncode == 0, result.stderr
    return result, json.loads(report.read_text())


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home of its own: nothing is written to or read from the real ~/.cache."""
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory, home: Path) -> Path:
    data_dir = tmp_path_factory.mktemp("cold") / "data"
    result, _ = run_cli(["ingest", "--quiet", str(CORPUS_DIR)], data_dir, home)
    assert "5 added" in result.stdout
    assert result.stderr == ""  # no bar, no note: the question encoder was exported and passed its check
    return data_dir


@pytest.fixture(scope="module")
def served(ingested: Path, embedder: SentenceTransformerEmbedder) -> Advisor:
    """The served path over the same data (torch, warmed up), on a copy so the original stays as ingested."""
    copy = ingested.parent / "served"
    shutil.copytree(ingested, copy, ignore=shutil.ignore_patterns(QUERY_ENCODER_DIR))
    service = Advisor(Settings(data_dir=copy, _env_file=None), embedder=embedder)  # type: ignore[call-arg]
    service.warm_up()
    return service


def test_ingest_saves_the_vectors_of_every_answer_unit_heading_and_exemplar(ingested: Path):
    chunks = Advisor(Settings(data_dir=ingested, _env_file=None)).index.all_chunks()  # type: ignore[call-arg]
    saved = read_vectors(warm_vectors_path(ingested), "bundled")
    wanted = {*ScopeGuard.exemplar_texts(), *SearchIndex.heading_texts(chunks), *scored_texts(chunks)}
    assert len(chunks) > 50 and {digest(t) for t in wanted} == set(saved)
    check = read_check(ingested / QUERY_ENCODER_DIR)
    assert check is not None and check.passed


def test_a_first_start_embeds_nothing_warm_up_needs(ingested: Path, embedder: SentenceTransformerEmbedder):
    copy = ingested.parent / "first-start"
    shutil.copytree(ingested, copy, ignore=shutil.ignore_patterns(QUERY_ENCODER_DIR))
    saved = warm_vectors_path(copy)
    before = saved.read_bytes()
    service = Advisor(Settings(data_dir=copy, _env_file=None), embedder=embedder)  # type: ignore[call-arg]
    service.warm_up()  # a start rewrites the file only when it had to embed something the file lacked
    assert saved.read_bytes() == before
    sample = [c.section or c.title for c in service.index.all_chunks()[:8]]
    vectors = read_vectors(saved, "bundled")
    np.testing.assert_allclose(np.array([vectors[digest(t)] for t in sample]), embedder.embed(sample),
                               atol=1e-5)


def test_a_cold_ask_loads_no_torch_prints_no_bar_and_answers_as_served(ingested: Path, home: Path,
                                                                        served: Advisor):
    result, imported = run_cli(["ask", "--json", QUESTION], ingested, home)
    assert imported == []
    assert result.stderr == ""
    answer = json.loads(result.stdout)
    expected = served.ask(QUESTION)
    assert not answer["refused"] and "$200,000" in answer["text"]
    assert answer["text"] == expected.text
    assert answer["citations"] == [c.model_dump(mode="json") for c in expected.citations]


def test_a_chat_loads_no_torch_and_prints_no_bar_between_answers(ingested: Path, home: Path, served: Advisor):
    result, imported = run_cli(["chat"], ingested, home, stdin=f"{QUESTION}\n{FOLLOW_UP}\n\n")
    assert imported == []
    assert "Loading" not in result.stdout + result.stderr and result.stderr == ""
    first = served.ask(QUESTION)
    history = [Turn(role="user", content=QUESTION), Turn(role="assistant", content=first.text)]
    second = served.ask(FOLLOW_UP, history=history)
    assert f"advisor> {with_sources(first.text, first.citations)}" in result.stdout
    assert f"advisor> {with_sources(second.text, second.citations)}" in result.stdout


def test_without_the_question_encoder_ask_loads_torch_quietly_and_answers_the_same(ingested: Path, home: Path,
                                                                                   served: Advisor):
    copy = ingested.parent / "no-encoder"
    shutil.copytree(ingested, copy, ignore=shutil.ignore_patterns(QUERY_ENCODER_DIR))
    result, imported = run_cli(["ask", "--json", QUESTION], copy, home)
    assert "torch" in imported
    assert result.stderr == ""  # no "Loading weights" bar
    assert json.loads(result.stdout)["text"] == served.ask(QUESTION).text
