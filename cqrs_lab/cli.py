"""`cqrs-lab`: the entry point. The screen by default; headless tools as subcommands.

Each subcommand is a module in `cqrs_lab.commands` with `add_arguments` and `main`. Heavy
imports (Textual, SQLAlchemy) happen inside `main`, so `cqrs-lab run` never loads Textual.
"""

from __future__ import annotations

import argparse
import importlib
import sys
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
    "check",
    "classroom",
    "join",
)
DEFAULT = "tui"


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"cqrs_lab.commands.{name}")


def _modules() -> tuple[dict[str, ModuleType], dict[str, str]]:
    """Every subcommand's module, and why each one that cannot be imported cannot."""
    modules, broken = {}, {}
    for name in SUBCOMMANDS:
        try:
            modules[name] = _module(name)
        except ImportError as error:
            broken[name] = f"{type(error).__name__}: {error}"
    return modules, broken


def _version() -> str:
    """The installed package's version (pyproject.toml is its one source)."""
    try:
        return metadata.version("cqrs-lab")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "(not installed)"


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, str]]:
    """The parser, and the subcommands that are broken (listed in --help, refused when run)."""
    parser = argparse.ArgumentParser(
        prog="cqrs-lab", description="A terminal lab for learning CQRS and eventual consistency."
    )
    parser.add_argument("--version", action="version", version=f"cqrs-lab {_version()}")
    add_lab_options(parser, top_level=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules, broken = _modules()
    for name, module in modules.items():
        sub = commands.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
    for name, why in broken.items():
        commands.add_parser(name, help=f"(broken: {why})", add_help=False)
    return parser, broken


def main(argv: Sequence[str] | None = None) -> int:
    parser, broken = build_parser()
    known, _ = parser.parse_known_args(argv)  # a broken command's own options are unknown
    name = known.command or DEFAULT
    if name in broken:
        print(
            f"cqrs-lab: the {name!r} command cannot start: {broken[name]}"
            " (reinstall cqrs-lab: `make lab`, or `pip install --force-reinstall cqrs-lab`)",
            file=sys.stderr,
        )
        return 2
    return int(_module(name).main(parser.parse_args(argv)))
