"""Prompts and user-visible canned texts, loaded by name: the files shipped in `advisor/resources/prompts/`,
or those of an override folder (`ADVISOR_PROMPTS_DIR`), which take the place of shipped ones of the same name.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from advisor.resources import resource

PROMPTS = "prompts"  # the folder of shipped prompts in advisor.resources


class PromptNotFoundError(FileNotFoundError):
    """Raised when a prompt name has no file in the override folder nor among the shipped prompts."""


def shipped_prompt_names() -> list[str]:
    """The names of the prompts shipped with the package, sorted."""
    return sorted(f.name.removesuffix(".md") for f in resource(PROMPTS).iterdir() if f.name.endswith(".md"))


def load_prompt(name: str, prompts_dir: Path | None = None) -> str:
    """The text (stripped) of prompt `name`: `prompts_dir/<name>.md` when that file exists, else the shipped
    `<name>.md`. `prompts_dir` None means the shipped prompts only; a relative one is read from the working
    directory.

    Raises PromptNotFoundError when `prompts_dir` is given but is not a folder (a mistyped setting should not
    fall back silently), or when neither place holds the prompt.
    """
    return _load(name, prompts_dir.resolve() if prompts_dir is not None else None)


@lru_cache(maxsize=64)
def _load(name: str, prompts_dir: Path | None) -> str:
    if prompts_dir is not None:
        if not prompts_dir.is_dir():
            raise PromptNotFoundError(f"prompts folder {prompts_dir} does not exist")
        override = prompts_dir / f"{name}.md"
        if override.is_file():
            return override.read_text(encoding="utf-8").strip()
    shipped = resource(PROMPTS, f"{name}.md")
    if shipped.is_file():
        return shipped.read_text(encoding="utf-8").strip()
    looked = f"{prompts_dir} nor among" if prompts_dir is not None else "among"
    raise PromptNotFoundError(f"prompt {name!r} not found: no {name}.md in {looked} the shipped prompts "
                              f"({', '.join(shipped_prompt_names())})")
