"""The Typer application; each command module registers its commands on `app`."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="A cited career advisor for physicians who want to become medical directors.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Each command module registers its commands on `app` when imported.
from advisor.cli import core, evaluate, plan, serve  # noqa: E402,F401
