"""A lab script a subcommand was given, read and checked line by line before anything runs
(`cqrs-lab run FILE`, `cqrs-lab demo NAME`): a file that cannot be read, or any bad line,
is said on standard error and nothing runs."""

from __future__ import annotations

import sys
from collections.abc import Callable


def checked_script(
    read: Callable[[], str], command: str, name: str, *, nothing: str, carets: bool
) -> str | None:
    """The text `read` gives, if every line parses; else None, with why on standard error:
    "cqrs-lab COMMAND: NAME: nothing was NOTHING:" and each bad line (under it, a caret at
    its column with `carets`)."""
    from cqrs_lab.script import ScriptErrors, parse_script

    try:
        text = read()
    except (OSError, UnicodeDecodeError) as error:
        print(f"cqrs-lab {command}: cannot read {name}: {error}", file=sys.stderr)
        return None
    try:
        parse_script(text)
    except ScriptErrors as errors:
        print(f"cqrs-lab {command}: {name}: nothing was {nothing}:", file=sys.stderr)
        for error in errors.errors:
            print(f"  {error}", file=sys.stderr)
            if carets:
                print("    " + error.caret().replace("\n", "\n    "), file=sys.stderr)
        return None
    return text
