"""`cqrs-lab`: the entry point. The screen by default; headless tools as subcommands.

Each subcommand is a module in `cqrs_lab.commands` with `add_arguments` and `main`. Heavy
imports (Textual, SQLAlchemy) happen inside `main`, so `cqrs-lab run` never loads Textual.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence
from importlib import metadata
from types import ModuleType

from cqrs_lab.commands.options import add_lab_options

SUBCOMMANDS = (
    "tui",
    "prompt",
    "run",
    "simulate",
    "bench",
    "lessons",
    "lesson",
    "serve",
    "demo",
    "replay",
    "config",
)
DEFAULT = "tui"


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"cqrs_lab.commands.{name}")


def _available() -> list[str]:
    """Subcommands whose module exists (features land one issue at a time)."""
    found = []
    for name in SUBCOMMANDS:
        try:
            _module(name)
        except ModuleNotFoundError:
            continue
        found.append(name)
    return found


def _version() -> str:
    """The installed package's version (pyproject.toml is its one source)."""
    try:
        return metadata.version("cqrs-lab")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "(not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cqrs-lab", description="A terminal lab for learning CQRS and eventual consistency."
    )
    parser.add_argument("--version", action="version", version=f"cqrs-lab {_version()}")
    add_lab_options(parser, top_level=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _available():
        module = _module(name)
        sub = commands.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    name = args.command or (DEFAULT if DEFAULT in _available() else "prompt")
    return int(_module(name).main(args))
