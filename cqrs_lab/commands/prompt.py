"""`cqrs-lab prompt`: a plain line prompt on a lab, for terminals where a full screen is not
wanted (screen readers, logs)."""

from __future__ import annotations

import argparse

from cqrs_lab.commands.options import add_lab_options, open_lab
from cqrs_lab.commands.output import quiet_broken_pipe

HELP = "a plain line prompt instead of the screen"
LEAVING = frozenset({"quit", "exit"})
"""Words that end the prompt, as in most line prompts (they are no lab lines)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_lab_options(parser)


@quiet_broken_pipe
def main(args: argparse.Namespace) -> int:
    from cqrs_lab.lab.interpreter import execute

    lab = open_lab(args, real_time=True)
    if lab is None:
        return 2
    print(
        f"CQRS Lab (seed {lab.seed}). Type lab lines, 'help' for commands,"
        " quit (or ctrl-d) to leave."
    )
    try:
        while True:
            try:
                line = input("lab> ")
            except (EOFError, KeyboardInterrupt):
                print()
                return 0
            if line.strip().lower() in LEAVING:
                return 0
            lab.tick()
            outcome = execute(lab, line)
            if outcome.message:
                print(outcome.message)
    finally:
        lab.close()
