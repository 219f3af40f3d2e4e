"""The `advisor` command line: thin commands over the `Advisor` service."""

from advisor.cli.app import app

__all__ = ["app"]
