"""The files shipped inside the package (advisor/resources): prompts by name, with an override folder that
takes the place of shipped prompts of the same name; the scope exemplars; the demo page."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.prompts import PromptNotFoundError, load_prompt, shipped_prompt_names
from advisor.resources import read_resource, resource
from advisor.settings import Settings

SHIPPED = Path(__file__).resolve().parents[1] / "advisor" / "resources" / "prompts"


def test_every_prompt_the_code_names_is_shipped() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    named = {settings.llm_system_prompt, settings.llm_user_prompt, settings.llm_condense_prompt,
             "refusal_out_of_scope", "refusal_clinical", "refusal_injection", "refusal_empty", "no_index",
             "judge_faithfulness"}
    assert named <= set(shipped_prompt_names())


def test_without_a_folder_the_shipped_prompt_is_read() -> None:
    assert Settings(_env_file=None).prompts_dir is None  # type: ignore[call-arg]
    text = load_prompt("refusal_clinical")
    assert text == (SHIPPED / "refusal_clinical.md").read_text(encoding="utf-8").strip()
    assert text.startswith("I'm sorry, I can't answer clinical")


def test_an_override_folder_replaces_what_it_holds_and_falls_back_for_the_rest(tmp_path: Path) -> None:
    (tmp_path / "refusal_clinical.md").write_text("Not a clinical advisor.\n", encoding="utf-8")
    (tmp_path / "my_system.md").write_text("Custom system prompt {canary}", encoding="utf-8")
    assert load_prompt("refusal_clinical", tmp_path) == "Not a clinical advisor."
    assert load_prompt("my_system", tmp_path) == "Custom system prompt {canary}"
    assert load_prompt("refusal_injection", tmp_path) == load_prompt("refusal_injection")


def test_a_missing_prompt_or_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PromptNotFoundError, match=r"'no_such_prompt' not found.*refusal_clinical"):
        load_prompt("no_such_prompt")
    with pytest.raises(PromptNotFoundError, match=rf"no_such_prompt\.md in {tmp_path}"):
        load_prompt("no_such_prompt", tmp_path)
    with pytest.raises(PromptNotFoundError, match="prompts folder .*missing-folder does not exist"):
        load_prompt("refusal_clinical", tmp_path / "missing-folder")  # a mistyped setting does not fall back
    assert issubclass(PromptNotFoundError, FileNotFoundError)


def test_a_relative_override_folder_is_read_from_the_working_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "refusal_empty.md").write_text("Ask me something.", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert load_prompt("refusal_empty", Path("mine")) == "Ask me something."


def test_other_shipped_files() -> None:
    exemplars = read_resource("scope_exemplars.jsonl").splitlines()
    assert len(exemplars) > 20 and '"label"' in exemplars[0]
    assert "{{embed_src}}" in read_resource("demo", "demo.html")
    assert resource("demo", "demo.css").is_file()
    with pytest.raises(FileNotFoundError, match="demo/missing.css"):
        read_resource("demo", "missing.css")
