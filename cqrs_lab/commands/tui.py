"""`cqrs-lab tui` (the default): the lab screen."""

from __future__ import annotations

import argparse

from cqrs_lab.commands import prompt
from cqrs_lab.commands.options import add_lab_options

HELP = "the lab screen (the default)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_lab_options(parser)


def main(args: argparse.Namespace) -> int:
    return prompt.main(args)
