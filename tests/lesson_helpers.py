"""Small lesson files for the lessons tests."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

SETUP = """
seed 1
register alice alice@example.com s3cret-pass
add-product mug "Blue mug" 12.50 10
settle
"""


def step(title: str, text: str, hints: Sequence[str], solution: str, goal: str) -> str:
    """One `[[steps]]` table of a lesson file: `solution` is its lines, `goal` the TOML
    under `[steps.goal]`."""
    quoted = ", ".join(f'"{hint}"' for hint in hints)
    return (
        f'\n[[steps]]\ntitle = "{title}"\ntext = "{text}"\nhints = [{quoted}]\n'
        f'solution = """\n{solution}"""\n[steps.goal]\n{goal}'
    )


STEP = step(
    "Place it",
    "Place an order.",
    ["add-to-cart, then place-order"],
    "add-to-cart alice mug 1\nplace-order alice\n",
    'event = { type = "OrderPlaced" }\n',
)


def lesson_text(
    lesson_id: str = "01-test", *, steps: str = STEP, setup: str = SETUP, extra: str = ""
) -> str:
    return (
        f'+++\nid = "{lesson_id}"\ntitle = "A test"\nsummary = "For tests."\norder = 1\n'
        f"{extra}setup = '''{setup}'''\n{steps}+++\n\nThe introduction.\n"
    )


def write_lesson(folder: Path, lesson_id: str = "01-test", **parts: str) -> Path:
    path = folder / f"{lesson_id}.md"
    path.write_text(lesson_text(lesson_id, **parts), "utf-8")
    return path
