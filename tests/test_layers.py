"""The lab runs headless: nothing below the screen imports Textual."""

from __future__ import annotations

import re
from pathlib import Path

from tests.robust_helpers import fresh_python

PACKAGE = Path(__file__).parent.parent / "cqrs_lab"
TEXTUAL_IMPORT = re.compile(r"^\s*(from|import)\s+textual(_serve)?\b", re.MULTILINE)


def test_only_the_screen_package_imports_textual() -> None:
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "tui" not in path.relative_to(PACKAGE).parts[:1]
        and TEXTUAL_IMPORT.search(path.read_text("utf-8"))
    ]
    assert offenders == []


def test_a_headless_run_never_loads_textual() -> None:
    code = (
        "import sys, cqrs_lab.cli, cqrs_lab.lab, cqrs_lab.lessons, cqrs_lab.simulate, "
        "cqrs_lab.bench, cqrs_lab.commands.serve, cqrs_lab.commands.run\n"
        "from cqrs_lab.lab import Lab\n"
        "from cqrs_lab.lab.interpreter import execute\n"
        "execute(Lab.open(':memory:', seed=1, password_cost=2), 'add-product mug Mug 1.00 1')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'textual_serve')))"
    )
    assert fresh_python(code) == "[]"
