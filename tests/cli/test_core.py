"""The `advisor` command end to end: ingest, sources, ask (text and JSON), chat, errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from advisor.formatting import with_sources
from advisor.models import Answer
from tests.conftest import CORPUS_DIR


def run_cli(args: list[str], data_dir: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ADVISOR_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "advisor", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


@pytest.fixture(scope="module")
def cli_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("cli-data")
    result = run_cli(["ingest", "--quiet", str(CORPUS_DIR)], data)
    assert result.returncode == 0, result.stderr
    assert "5 added" in result.stdout
    return data


def test_ingest_again_reports_unchanged(cli_data: Path):
    result = run_cli(["ingest", "--quiet"], cli_data)
    assert result.returncode == 0
    assert "5 unchanged" in result.stdout and "0 chunks written" in result.stdout


def test_sources_lists_documents(cli_data: Path):
    result = run_cli(["sources", "--json"], cli_data)
    listed = json.loads(result.stdout)
    assert {s["doc_id"] for s in listed} == {p.stem for p in CORPUS_DIR.glob("*.txt")}
    assert all(s["chunk_count"] > 0 for s in listed)


def test_ask_json_is_the_answer(cli_data: Path):
    result = run_cli(["ask", "--json", "How much do medical directors earn?"], cli_data)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["refused"] is False
    assert (answer["coverage"], answer["act"]) == ("full", "career")
    assert "$200,000" in answer["text"]
    assert (
        answer["citations"][0]["snippet"]
        in (CORPUS_DIR / f"{answer['citations'][0]['doc_id']}.txt").read_text()
    )


def test_ask_json_says_what_the_message_was_and_how_much_is_covered(cli_data: Path):
    greeting = json.loads(run_cli(["ask", "--json", "Hi!"], cli_data).stdout)
    assert (greeting["act"], greeting["refused"], greeting["coverage"]) == ("greeting", False, None)
    assert greeting["text"] and greeting["citations"] == []


def test_ask_text_shows_numbered_sources_with_short_quotes(cli_data: Path):
    question = "What does a medical director in a long-term care facility do?"
    result = run_cli(["ask", question], cli_data)
    assert result.returncode == 0, result.stderr
    answer = Answer.model_validate_json(run_cli(["ask", "--json", question], cli_data).stdout)
    assert answer.citations
    assert result.stdout.rstrip("\n") == with_sources(answer.text, answer.citations)
    sources = result.stdout.split("\n\nSources:\n", 1)[1].splitlines()
    assert [line.split("]")[0] for line in sources] == [f"[{c.n}" for c in answer.citations]
    assert all(line.endswith("”") and " — :" not in line for line in sources)


def test_chat_keeps_the_conversation(cli_data: Path):
    result = run_cli(
        ["chat"],
        cli_data,
        stdin="What do medical directors do at health insurance companies?\nand in government agencies?\n\n",
    )
    assert result.returncode == 0, result.stderr
    assert "government" in result.stdout.split("advisor>")[-1].lower()


def test_unknown_answerer_lists_choices(cli_data: Path):
    result = run_cli(["ask", "--answerer", "nope", "What is a medical director?"], cli_data)
    assert result.returncode == 2 and "extractive" in result.stderr


def test_bad_file_makes_ingest_exit_nonzero_with_summary(tmp_path: Path):
    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copy(CORPUS_DIR / "career-as-medical-director.txt", folder)
    (folder / "broken.pdf").write_bytes(b"not a pdf at all")
    result = run_cli(["ingest", "--quiet", str(folder)], tmp_path / "data")
    assert result.returncode == 1
    assert "broken.pdf" in result.stderr and "1 added" in result.stdout and "1 failed" in result.stdout


def test_help_on_every_command(tmp_path: Path):
    for command in ["ingest", "ask", "chat", "sources"]:
        result = run_cli([command, "--help"], tmp_path)
        assert result.returncode == 0 and "Usage" in result.stdout
