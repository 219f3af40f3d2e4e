"""Prompts and user-visible canned texts, loaded by name from the prompts directory."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path


class PromptNotFoundError(FileNotFoundError):
    """Raised when a prompt name has no file in the prompts directory."""


@lru_cache(maxsize=64)
def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8").strip()


def load_prompt(name: str, prompts_dir: Path) -> str:
    """Return the text of `prompts_dir/<name>.md`; raises PromptNotFoundError if it is missing."""
    path = (prompts_dir / f"{name}.md").resolve()
    if not path.is_file():
        raise PromptNotFoundError(f"prompt {name!r} not found at {path}")
    return _read(path)
