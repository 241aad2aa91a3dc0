"""`cqrs-lab tui` (the default): the lab screen.

The screen is drawn first and the lab opened after its first frame (`LabApp(opener=...)`):
nothing here imports the lab, and the app module imports only Textual.
"""

from __future__ import annotations

import argparse
import contextlib
import io
from collections.abc import Callable
from typing import TYPE_CHECKING

from cqrs_lab.commands.options import add_lab_options, open_lab
from cqrs_lab.config import Config, load_config

if TYPE_CHECKING:
    from cqrs_lab.lab import Lab
    from cqrs_lab.lessons import Lesson
    from cqrs_lab.tui.app import LabApp

HELP = "the lab screen (the default)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_lab_options(parser, screen=True)


def main(args: argparse.Namespace) -> int:
    config = load_config()
    app = lab_app(args, db_default=config.db, config=config)
    app.run()
    return app.return_code or 0


def lab_app(
    args: argparse.Namespace,
    *,
    lesson: Lesson | None = None,
    lesson_step: int | None = None,
    db_default: str | None = None,
    config: Config | None = None,
) -> LabApp:
    """The lab screen on the lab the options name (`db_default` when they name none),
    opened after the first frame; the app closes it. `config`: the user's config file's
    settings (read here when not given)."""
    from cqrs_lab.tui.app import LabApp  # Textual loads only for the screen

    return LabApp(
        opener=lab_opener(args, db_default),
        lesson=lesson,
        lesson_step=lesson_step,
        config=config or load_config(),
        present=bool(getattr(args, "present", False)),
    )


def lab_opener(args: argparse.Namespace, db_default: str | None = None) -> Callable[[], Lab]:
    """Opens the lab as `open_lab` does; what it would print becomes `LabUnavailable`, which
    the app shows as it exits (a message printed while the screen is up would be lost)."""

    def open_lab_later() -> Lab:
        from cqrs_lab.tui.app import LabUnavailable

        said = io.StringIO()
        with contextlib.redirect_stderr(said):
            lab = open_lab(args, real_time=True, db_default=db_default)
        if lab is None:
            raise LabUnavailable(said.getvalue().strip())
        return lab

    return open_lab_later
