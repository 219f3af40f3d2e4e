"""`advisor plan` and `advisor eval --profiles`: errors in-process (no model is loaded before them); real runs
in a subprocess over the session's index."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from advisor.cli import app
from advisor.service import Advisor
from advisor.settings import Settings
from tests.conftest import PROJECT_ROOT

runner = CliRunner()
PROFILE = {"degree": "MD", "years_in_practice": 8, "roles": [], "committees": [],
           "target_settings": ["insurer"]}


def test_plan_needs_a_profile():
    result = runner.invoke(app, ["plan"])
    assert result.exit_code == 2 and "--profile" in result.output


def test_a_bad_profile_is_refused_naming_the_fields(tmp_path: Path):
    path = tmp_path / "me.json"
    path.write_text(json.dumps({"degree": "MD", "favourite_color": "blue", "yrs": 3}), encoding="utf-8")
    result = runner.invoke(app, ["plan", "--profile", str(path)])
    assert result.exit_code == 2
    assert "favourite_color" in result.output and "yrs" in result.output
    result = runner.invoke(app, ["plan", "--profile", str(tmp_path / "missing.json")])
    assert result.exit_code == 2 and "cannot read" in result.output


def test_a_bad_rubric_is_refused(tmp_path: Path):
    rubric = tmp_path / "rubric.json"
    rubric.write_text("{}", encoding="utf-8")
    profile = tmp_path / "me.json"
    profile.write_text("{}", encoding="utf-8")
    result = runner.invoke(app, ["plan", "--profile", str(profile), "--rubric", str(rubric)])
    assert result.exit_code == 2 and "not a valid rubric" in result.output


def run_cli(args: list[str], data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ADVISOR_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "advisor", *args], capture_output=True, text=True, env=env,
                          timeout=600, cwd=PROJECT_ROOT)


@pytest.mark.slow
def test_plan_as_text_json_and_markdown(advisor: Advisor, settings: Settings, tmp_path: Path):
    profile = tmp_path / "me.json"
    profile.write_text(json.dumps(PROFILE), encoding="utf-8")
    out = tmp_path / "plan.md"
    result = run_cli(["plan", "--profile", str(profile), "--json", "--md", str(out)], settings.data_dir)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["gaps"] == ["committees", "quality_improvement", "leadership_role"]
    assert {s["phase"] for s in report["plan"]} == {"days 1-30", "days 31-60", "days 61-90"}
    for step in report["plan"]:
        document = advisor.document(step["citation"]["doc_id"])
        assert document is not None
        assert document.text[step["citation"]["start"]:step["citation"]["end"]] == step["citation"]["snippet"]
    markdown = out.read_text(encoding="utf-8")
    assert markdown.startswith("# My path") and "## Your 90-day plan" in markdown
    text = run_cli(["plan", "--profile", str(profile)], settings.data_dir)
    assert text.returncode == 0
    assert "8 years in practice; the articles put the usual requirement" in text.stdout
    check = run_cli(["plan", "--check-rubric"], settings.data_dir)
    assert check.returncode == 0 and "is supported" in check.stdout


@pytest.mark.slow
def test_eval_profiles_writes_the_report(advisor: Advisor, settings: Settings, tmp_path: Path):
    out = tmp_path / "PROFILES.md"
    result = run_cli(["eval", "--profiles", str(PROJECT_ROOT / "evals" / "profiles.jsonl"), "--md", str(out),
                      "--json", str(tmp_path / "profiles.json"), "--check-floors", "-q"], settings.data_dir)
    assert result.returncode == 0, result.stderr
    assert "status_accuracy" in result.stdout and out.is_file()
    summary = json.loads((tmp_path / "profiles.json").read_text(encoding="utf-8"))["summary"]
    assert summary["status_accuracy"] >= 0.95 and summary["contradictions"] == 0
    assert summary["plan_citation_validity"] == 1.0
