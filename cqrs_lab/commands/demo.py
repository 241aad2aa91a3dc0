"""`cqrs-lab demo NAME|FILE`: play a scripted demo for a projector; `--list` names them.

NAME is a demo shipped with the course (`01-stale-read-after-an-order`, `.lab` optional)
or in the `demos/` folder of an extra lesson folder; FILE is any demo script on disk.

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
from functools import partial
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING

from cqrs_lab.commands.options import add_lab_options, open_lab
from cqrs_lab.commands.output import quiet_broken_pipe
from cqrs_lab.commands.script_file import checked_script

if TYPE_CHECKING:
    from cqrs_lab.lab import Lab, Outcome

HELP = "play a scripted demo (captions, pauses for the presenter) on the lab screen"
CAPTION_WIDTH = 76


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "demo",
        nargs="?",
        metavar="NAME|FILE",
        help="a shipped demo's name (see --list), or a demo script's file",
    )
    parser.add_argument("--list", action="store_true", help="list the demos and stop")
    parser.add_argument(
        "--headless",
        action="store_true",
        help="no screen: print captions and results, go on at once at every wait-key",
    )
    add_lab_options(parser)


@quiet_broken_pipe
def main(args: argparse.Namespace) -> int:
    if args.list:
        return list_demos()
    if not args.demo:
        print("cqrs-lab demo: name a demo or a file (`cqrs-lab demo --list`)", file=sys.stderr)
        return 2
    found = read_named(args.demo)
    if found is None:
        return 2
    title, text = found
    lab = open_lab(args, real_time=not args.headless, db_default=":memory:")
    if lab is None:
        return 2
    try:
        if args.headless:
            play_headless(lab, text)
        else:
            from cqrs_lab.tui.demo_player import DemoApp  # Textual loads only for the screen

            DemoApp(lab, text.splitlines(), title=title).run()
    finally:
        lab.close()
    return 0


def list_demos() -> int:
    """Each demo's name and title; those of an extra folder say which."""
    from cqrs_lab.lessons.demos import demo_title, find_demos
    from cqrs_lab.lessons.sources import SHIPPED

    demos = find_demos()
    if not demos:
        print("cqrs-lab demo: no demos found", file=sys.stderr)
        return 2
    for demo in demos:
        try:
            title = demo_title(demo.read())
        except (OSError, UnicodeDecodeError) as error:
            title = f"(cannot read it: {error})"
        print(f"{demo.name:<34} {title}")
        if demo.folder.origin != SHIPPED:
            print(f"{'':<34} from {demo.folder.label}")
    return 0


def read_named(name: str) -> tuple[str, str] | None:
    """(title, text) of the demo file or the demo called `name`; None (said why) if none."""
    from cqrs_lab.lessons.demos import close_names, find_demo, find_demos

    path = Path(name).expanduser()
    if path.is_file():
        text = read_demo(path)
        return None if text is None else (path.name, text)
    demos = find_demos()
    demo = find_demo(demos, path.name)
    if demo is None:
        guess = close_names(demos, path.name)
        suggestion = f" — did you mean '{guess[0]}'?" if guess else ""
        known = ", ".join(demo.name for demo in demos) or "none"
        print(
            f"cqrs-lab demo: no demo or file '{name}'{suggestion}\n"
            f"  demos: {known} (cqrs-lab demo --list)",
            file=sys.stderr,
        )
        return None
    if path.name != name:  # a path to no file, named like a demo: the old way to name one
        print(f"note: no file {name}: playing the demo {demo.name}", file=sys.stderr)
    text = read_demo(demo.file, demo.name)
    return None if text is None else (demo.name, text)


def read_demo(file: Traversable, name: str | None = None) -> str | None:
    """The demo's text, checked line by line before anything runs; None (said why) if bad."""
    read = partial(file.read_text, "utf-8")
    return checked_script(read, "demo", name or str(file), nothing="played", carets=False)


def play_headless(lab: Lab, text: str, echo: Callable[[str], None] = print) -> list[Outcome]:
    """Run every line; show captions boxed, and go on at once at every `wait-key`."""
    from cqrs_lab.lab.interpreter import execute
    from cqrs_lab.script import mask_secrets

    outcomes = []
    for number, line in enumerate(text.splitlines(), start=1):
        outcome = execute(lab, line, number)
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
