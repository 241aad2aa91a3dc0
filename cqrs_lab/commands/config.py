"""`cqrs-lab config path | show | edit`: the config file, where it is and what it says."""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys

from cqrs_lab.config import Config, config_path, load_config

HELP = "the config file: its path, what it sets, or edit it"
TEMPLATE = """\
# CQRS Lab's config file. Every setting is optional; `cqrs-lab config show` checks it.
# theme = "textual-light"        # also saved when you pick a theme with ctrl+p
# db = "~/workshop/lab.db"       # the database when --db names none
# lessons = ["~/my-lessons"]     # more lesson folders, beside the shipped course
# speed = 0.5                    # the lab clock's speed at start
# screenshots = "~/Pictures"     # where the palette's Screenshot saves

# [keymap]                       # binding id = keys (the ids are on the help screen, F1)
# pause = "f10"

# [latency]                      # lane = latency model, as `latency LANE MODEL` takes it
# orders = "fixed:2s"
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("path", "show", "edit"), nargs="?", default="show")


def main(args: argparse.Namespace) -> int:
    if args.action == "path":
        print(config_path())
        return 0
    if args.action == "edit":
        return _edit()
    config = load_config()
    if config.problem:
        print(f"cqrs-lab config: {config.problem}", file=sys.stderr)
        return 1
    print(_describe(config))
    return 0


def _describe(config: Config) -> str:
    where = config.path if config.path and config.path.exists() else None
    lines = [f"# {where}" if where else f"# no config file yet at {config_path()}: defaults"]
    settings = {
        "theme": config.theme,
        "db": config.db,
        "lessons": [str(folder) for folder in config.lesson_folders] or None,
        "speed": config.speed,
        "screenshots": str(config.screenshots) if config.screenshots else None,
    }
    lines += [f"{key} = {value!r}" for key, value in settings.items() if value is not None]
    for table in ("keymap", "latency"):
        values: dict[str, str] = getattr(config, table)
        if values:
            lines.append(f"[{table}]")
            lines += [f"{name} = {value!r}" for name, value in values.items()]
    if len(lines) == 1:
        template = "# `cqrs-lab config edit` writes one, every setting explained"
        lines.append("# nothing set" if where else template)
    return "\n".join(lines)


def _edit() -> int:
    """Open the file in $VISUAL or $EDITOR (a commented template if there is none yet),
    then check it."""
    path = config_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(TEMPLATE, "utf-8")
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    try:
        subprocess.run([*shlex.split(editor), str(path)], check=False)
    except OSError as error:
        print(f"cqrs-lab config: cannot start the editor {editor!r}: {error}", file=sys.stderr)
        return 2
    problem = load_config(path).problem
    if problem:
        print(f"cqrs-lab config: {problem}", file=sys.stderr)
        return 1
    return 0
