"""`cqrs-lab prompt`: lab lines read one at a time, and the words that leave."""

from __future__ import annotations

import pytest

from tests.robust_helpers import run_cqrs_lab


@pytest.mark.parametrize("leave", ["quit", "exit", "  QUIT  "])
def test_quit_or_exit_leaves_the_prompt(leave: str) -> None:
    done = run_cqrs_lab("prompt", "--db", ":memory:", stdin=f"say hello\n{leave}\nsay never\n")
    assert done.returncode == 0, done.stderr
    assert "quit (or ctrl-d) to leave" in done.stdout
    assert "hello" in done.stdout
    assert "never" not in done.stdout
    assert "unknown command" not in done.stdout
