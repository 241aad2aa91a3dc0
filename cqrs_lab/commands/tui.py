"""`cqrs-lab tui` (the default): the lab screen."""

from __future__ import annotations

import argparse

from cqrs_lab.commands.options import add_lab_options, open_lab

HELP = "the lab screen (the default)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_lab_options(parser)


def main(args: argparse.Namespace) -> int:
    lab = open_lab(args, real_time=True)
    if lab is None:
        return 2
    from cqrs_lab.tui.app import LabApp  # Textual loads only for the screen

    try:
        LabApp(lab).run()
    finally:
        lab.close()
    return 0
