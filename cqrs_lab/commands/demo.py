"""`cqrs-lab demo FILE`: play a scripted demo for a projector.

A demo is a lab script that may also say things (`say "text"`: a large caption) and wait
for the presenter (`wait-key`: space, `.` or PageDown, the keys presenter clickers send).
On the screen the other lines run as if typed, one every ~0.8 s. `--headless` plays the
demo without a screen, printing captions and going on at once at every `wait-key`.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from cqrs_lab.commands.options import add_lab_options, open_lab

if TYPE_CHECKING:
    from cqrs_lab.lab import Lab, Outcome

HELP = "play a scripted demo (captions, pauses for the presenter) on the lab screen"
CAPTION_WIDTH = 76


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="the demo script (e.g. lessons/demos/*.lab)")
    parser.add_argument(
        "--headless",
        action="store_true",
        help="no screen: print captions and results, go on at once at every wait-key",
    )
    add_lab_options(parser)


def main(args: argparse.Namespace) -> int:
    text = read_demo(args.file)
    if text is None:
        return 2
    lab = open_lab(args, real_time=not args.headless, db_default=":memory:")
    if lab is None:
        return 2
    try:
        if args.headless:
            play_headless(lab, text)
        else:
            from cqrs_lab.tui.demo_player import DemoApp  # Textual loads only for the screen

            DemoApp(lab, text.splitlines(), title=args.file.name).run()
    finally:
        lab.close()
    return 0


def read_demo(path: Path) -> str | None:
    """The demo's text, checked line by line before anything runs; None (said why) if bad."""
    from cqrs_lab.script import ScriptErrors, parse_script

    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        print(f"cqrs-lab demo: cannot read {path}: {error}", file=sys.stderr)
        return None
    try:
        parse_script(text)
    except ScriptErrors as errors:
        print(f"cqrs-lab demo: {path}: nothing was played:", file=sys.stderr)
        for error in errors.errors:
            print(f"  {error}", file=sys.stderr)
        return None
    return text


def play_headless(lab: Lab, text: str, echo: Callable[[str], None] = print) -> list[Outcome]:
    """Run every line; show captions boxed, and go on at once at every `wait-key`."""
    from cqrs_lab.script import mask_secrets

    outcomes = []
    for number, line in enumerate(text.splitlines(), start=1):
        outcome = lab.execute(line, number)
        if not line.strip() or (outcome.kind == "control" and not outcome.message):
            continue  # blank lines and comments
        outcomes.append(outcome)
        if outcome.kind == "say":
            echo(caption_box(outcome.message))
        elif outcome.kind == "wait-key":
            echo("   [wait-key: going on]")
        else:
            echo(f"> {mask_secrets(line).strip()}")
            echo(("  " if outcome.ok else "  ✗ ") + outcome.message)
    return outcomes


def caption_box(text: str) -> str:
    """A caption as a box of wrapped lines, so it stands out in a terminal log."""
    lines = textwrap.wrap(text, CAPTION_WIDTH) or [""]
    width = max(len(line) for line in lines)
    body = [f"┃ {line.ljust(width)} ┃" for line in lines]
    return "\n".join(["┏" + "━" * (width + 2) + "┓", *body, "┗" + "━" * (width + 2) + "┛"])
