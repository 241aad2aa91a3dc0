"""Standard output that its reader closes early (`cqrs-lab run x.lab | head -1`).

A subcommand that prints as it goes wraps its `main` in `quiet_broken_pipe`: when the
reader goes away, the command stops quietly (no BrokenPipeError traceback) with the status a
shell reports for a writer stopped by SIGPIPE.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Callable

BROKEN_PIPE_STATUS = 141
"""128 + SIGPIPE (13): what `sh` reports for `yes | head -1`'s `yes`."""

Main = Callable[[argparse.Namespace], int]


def quiet_broken_pipe(main: Main) -> Main:
    """`main`, ending with BROKEN_PIPE_STATUS and no traceback if standard output closes."""

    @functools.wraps(main)
    def guarded(args: argparse.Namespace) -> int:
        try:
            status = main(args)
            sys.stdout.flush()  # output to a pipe is buffered: this write may meet the close
        except BrokenPipeError:
            _silence_stdout()
            return BROKEN_PIPE_STATUS
        return status

    return guarded


def _silence_stdout() -> None:
    """Point standard output at the null device, so the interpreter's own flush at exit
    does not meet the closed pipe again (the recipe in Python's `signal` documentation)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real descriptor behind sys.stdout (a test's capture)
        pass
