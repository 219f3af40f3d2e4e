"""Files shipped inside the package: prompts and canned texts (`prompts/`), the scope guard's labelled
exemplars (`scope_exemplars.jsonl`) and the demo portal page (`demo/`).

They are read through `importlib.resources`, so a checkout, an editable install and an installed wheel find
the same files, whatever the working directory.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable


def resource(*parts: str) -> Traversable:
    """The shipped file or folder at `parts` below this package (check `.is_file()`: it may not exist)."""
    found = resources.files(__name__)
    for part in parts:
        found = found.joinpath(part)
    return found


def read_resource(*parts: str) -> str:
    """The UTF-8 text of the shipped file at `parts`, e.g. `read_resource("demo", "demo.css")`.

    Raises FileNotFoundError naming the file when the installed package does not hold it.
    """
    found = resource(*parts)
    if not found.is_file():
        raise FileNotFoundError(f"{'/'.join(parts)} is not among the files shipped in {__name__}")
    return found.read_text(encoding="utf-8")
