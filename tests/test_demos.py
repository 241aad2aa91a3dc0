"""The shipped demos, played headless (`wait-key` goes on at once): each ends in the state
its captions describe, and plays the same way every time."""

from __future__ import annotations

from pathlib import Path

import pytest

from cqrs_lab.cli import main as cli_main
from cqrs_lab.commands.demo import play_headless
from cqrs_lab.lab import Lab, Outcome
from cqrs_lab.script import parse_script

DEMOS = Path(__file__).resolve().parent.parent / "lessons" / "demos"
STALE_READ = "01-stale-read-after-an-order.lab"
DUPLICATES = "02-duplicates-and-idempotency.lab"
REBUILD = "03-rebuilding-a-projection.lab"


def play(name: str) -> tuple[Lab, list[Outcome], list[str]]:
    lab = Lab.open(":memory:", password_cost=2**4)
    printed: list[str] = []
    outcomes = play_headless(lab, (DEMOS / name).read_text("utf-8"), printed.append)
    failed = [outcome.message for outcome in outcomes if not outcome.ok]
    assert failed == []
    return lab, outcomes, printed


def queries(outcomes: list[Outcome], view: str) -> list[Outcome]:
    return [o for o in outcomes if o.kind == "query" and o.data["view"] == view]


def test_at_least_three_seeded_demos_with_captions_and_pauses() -> None:
    demos = sorted(DEMOS.glob("*.lab"))
    assert {STALE_READ, DUPLICATES, REBUILD} <= {path.name for path in demos}
    for path in demos:
        actions = [action for _, action in parse_script(path.read_text("utf-8"))]
        kinds = [type(action).__name__ for action in actions]
        assert kinds[:2] == ["Seed", "Pause"], path.name  # seeded, and time moves when told
        assert "Say" in kinds and "WaitKey" in kinds, path.name


@pytest.mark.parametrize("name", [STALE_READ, DUPLICATES, REBUILD])
def test_a_demo_plays_the_same_every_time(name: str) -> None:
    assert play(name)[2] == play(name)[2]


def test_stale_read_after_an_order() -> None:
    lab, outcomes, _ = play(STALE_READ)
    first, crud, last = queries(outcomes, "orders")
    # "her new order is missing: a STALE read. The CRUD twin ... already shows it."
    assert first.data["stale"] and first.data["rows"] == []
    assert crud.data["source"] == "crud" and [row[0] for row in crud.data["rows"]] == ["o1"]
    # "Same question, fresh answer: the order is there."
    assert not last.data["stale"] and [row[0] for row in last.data["rows"]] == ["o1"]
    assert lab.metrics.stale_reads["orders"] == 1
    assert lab.subscribers["orders"].position(lab.head) == lab.head


def test_duplicates_and_idempotency() -> None:
    lab, outcomes, _ = play(DUPLICATES)
    # "each event travels twice" ... "the dashboard ... placed=1" ... "ignores what it has
    # applied already"
    assert lab.bus.stats("sales").duplicated >= 1
    assert lab.subscribers["sales"].stats.duplicates >= 1
    (answer,) = queries(outcomes, "sales")
    assert answer.data["summary"]["placed"] == 1
    assert lab.query("sales", record=False).rows.as_dicts()[0]["units"] == 1


def test_rebuilding_a_projection() -> None:
    lab, outcomes, _ = play(REBUILD)
    before, held, rebuilt = queries(outcomes, "sales")
    assert before.data["summary"]["paid"] == 2
    # "The dashboard is behind: it still says paid=2, and Bob's new order is missing."
    assert held.data["stale"] and held.data["summary"]["paid"] == 2
    # "Rebuilt from history: paid=3 ... ignored as duplicates."
    assert rebuilt.data["summary"]["paid"] == 3 and not rebuilt.data["stale"]
    assert lab.metrics.rebuilds["sales"] == 1
    assert lab.subscribers["sales"].stats.duplicates >= 1
    assert lab.subscribers["sales"].position(lab.head) == lab.head


def test_the_demo_command_plays_headless(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["demo", "--headless", str(DEMOS / STALE_READ)]) == 0
    shown = capsys.readouterr().out
    assert "┃ Alice opens her orders." in shown
    assert "[wait-key: going on]" in shown
    assert "s3cret-pass" not in shown


def test_a_bad_demo_plays_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    demo = tmp_path / "bad.lab"
    demo.write_text('say "hello"\nregster alice alice@example.com s3cret-pass\n')
    assert cli_main(["demo", "--headless", str(demo)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "did you mean 'register'" in captured.err
