"""Small lesson files for the lessons tests."""

from __future__ import annotations

from pathlib import Path

SETUP = """
seed 1
register alice alice@example.com s3cret-pass
add-product mug "Blue mug" 12.50 10
settle
"""

STEP = '''
[[steps]]
title = "Place it"
text = "Place an order."
hints = ["add-to-cart, then place-order"]
solution = """
add-to-cart alice mug 1
place-order alice
"""
[steps.goal]
event = { type = "OrderPlaced" }
'''


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
