"""A built wheel works outside the checkout: prompts, scope exemplars and the demo page ship inside it.

The wheel is built from a copy of the project (nothing is written into the checkout) and installed without
dependencies into a new virtual environment, which borrows the test environment's installed dependencies
through a `.pth` line but not its editable `advisor` (the `.pth` files of a folder named in a `.pth` line are
not run). `advisor ingest` and `advisor ask` then run from a temporary working directory. No network: pip
runs with `--no-index` and Hugging Face offline.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

PROBE = """
import json, sys
import advisor, advisor.resources
from advisor.prompts import load_prompt
from advisor.settings import Settings
from advisor.web.pages import render_demo_page, render_embed_page
print(json.dumps({
    "advisor": advisor.__file__, "resources": advisor.resources.__file__,
    "editable_finder": any("__editable__" in name for name in sys.modules),
    "refusal_clinical": load_prompt("refusal_clinical"), "no_index": load_prompt("no_index"),
    "demo": render_demo_page("http://127.0.0.1:8000", "demo/"), "embed": render_embed_page(Settings()),
}))
"""


def run(args: list[str | Path], cwd: Path, env: dict[str, str], timeout: float = 240
        ) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


def clean_env() -> dict[str, str]:
    """This process's environment without advisor settings, virtual environment or import path."""
    dropped = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADVISOR_") and k not in dropped}
    return {**env, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False",
            "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PYTHONNOUSERSITE": "1"}


def data_files(folder: Path) -> set[str]:
    """The files below `folder` that are not Python code, as paths inside a wheel."""
    return {p.relative_to(PROJECT_ROOT).as_posix() for p in folder.rglob("*")
            if p.is_file() and p.suffix not in (".py", ".pyc")}


def build_wheel(tmp: Path, env: dict[str, str]) -> Path:
    source = tmp / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    shutil.copytree(PROJECT_ROOT / "advisor", source / "advisor", ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(PROJECT_ROOT / name, source / name)
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
         "-w", tmp / "dist", source], cwd=tmp, env=env)
    (wheel,) = (tmp / "dist").glob("advisor-*.whl")
    return wheel


def make_venv(tmp: Path, wheel: Path, env: dict[str, str]) -> Path:
    """A new environment holding the wheel; the test environment's dependencies added only afterwards, so pip
    never sees (nor touches) the editable install."""
    venv = tmp / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=tmp, env=env)
    python = venv / "bin" / "python"
    run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "-q", wheel],
        cwd=tmp, env=env)
    site = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                    cwd=tmp, env=env).stdout.strip())
    deps = dict.fromkeys([sysconfig.get_path("purelib"), sysconfig.get_path("platlib")])
    (site / "zz_test_dependencies.pth").write_text("".join(f"{d}\n" for d in deps), encoding="utf-8")
    return venv


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_an_installed_wheel_answers_from_a_working_directory_outside_the_checkout(tmp_path: Path) -> None:
    env = clean_env()
    wheel = build_wheel(tmp_path, env)
    shipped_files = data_files(PROJECT_ROOT / "advisor" / "resources") | data_files(
        PROJECT_ROOT / "advisor" / "web" / "static")
    assert "advisor/resources/prompts/refusal_clinical.md" in shipped_files
    assert shipped_files - set(zipfile.ZipFile(wheel).namelist()) == set()  # pyproject's package-data
    venv = make_venv(tmp_path, wheel, env)
    work = tmp_path / "work"  # no advisor/, prompts/ or .env here: only what `advisor ingest` should index
    shutil.copytree(PROJECT_ROOT / "corpus", work / "corpus")

    probe = json.loads(run([venv / "bin" / "python", "-c", PROBE], cwd=work, env=env).stdout)
    assert Path(probe["advisor"]).is_relative_to(venv) and Path(probe["resources"]).is_relative_to(venv)
    assert not probe["editable_finder"]
    shipped = PROJECT_ROOT / "advisor" / "resources" / "prompts"
    assert probe["refusal_clinical"] == (shipped / "refusal_clinical.md").read_text(encoding="utf-8").strip()
    assert "advisor ingest" in probe["no_index"]
    assert 'src="http://127.0.0.1:8000/embed"' in probe["demo"] and "{{" not in probe["demo"]
    assert "<script" in probe["embed"]

    advisor = venv / "bin" / "advisor"
    ingested = run([advisor, "ingest", "--quiet"], cwd=work, env=env)  # the default corpus: ./corpus
    assert "5 added" in ingested.stdout, ingested.stdout
    answer = json.loads(run([advisor, "ask", "--json", "What does a medical director earn?"],
                            cwd=work, env=env).stdout)
    assert answer["refused"] is False and answer["citations"], answer
    cited = answer["citations"][0]
    assert cited["snippet"] in (work / "corpus" / f"{cited['doc_id']}.txt").read_text(encoding="utf-8")
    assert (work / ".advisor").is_dir()  # the data directory is relative to the working directory too

    refusal = json.loads(run([advisor, "ask", "--json", "What dose of metoprolol should I give a patient?"],
                             cwd=work, env=env).stdout)
    assert refusal["refused"] is True and refusal["refusal_reason"] == "clinical"
    assert refusal["text"] == probe["refusal_clinical"]  # the refusal text is the installed prompt file
