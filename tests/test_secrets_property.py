"""No password anywhere a person can see, for lines typed right or wrong (issue 22).

Generated lines (tests/secret_lines.py) hold a password wherever one could stand: after a
`register` or `login`, misspelt or not, short of a word, in a race, after `help`, in a
comment, quoted, led by a `#` or cut by a control character. Each check runs the lines
through one or more output channels and looks for either mark of the password.

The cheap channels (the masking, the parser's errors, the interpreter's Outcome, the lab's
history, the command bar's history and the line it gives back) see 10,000 lines; `run`,
exports and `replay` (in process) see fewer, as scripts of several lines; the screen sees
a few sessions of many lines. Every run generates the same lines (derandomize).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cqrs_lab import cli
from cqrs_lab.lab import Lab
from cqrs_lab.lab import core as lab_core
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.lab.recording import read as read_recording
from cqrs_lab.lab.recording import replay_recording
from cqrs_lab.script import ScriptError, mask_secrets, parse_line
from cqrs_lab.sim.clock import ScaledClock
from cqrs_lab.store.credentials import Credentials
from cqrs_lab.tui.app import LabApp
from cqrs_lab.tui.command_bar import History
from tests.secret_lines import ISSUE_LINES, lines, secrets, shows_a_secret
from tests.tui.conftest import FakeWall

CHEAP = 2**4
"""scrypt cost here: hashing is beside the point, and the real cost would take minutes."""

TEN_THOUSAND = settings(
    max_examples=10_000,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
FEWER = settings(TEN_THOUSAND, max_examples=60)
SESSIONS = settings(TEN_THOUSAND, max_examples=2)

scripts = st.lists(lines, min_size=1, max_size=8)


def assert_hidden(line: str, *shown: str) -> None:
    for text in shown:
        assert not shows_a_secret(text), f"{line!r} shows a password in {text!r}"


def shown_by_parser(line: str) -> list[str]:
    """What parsing `line` can show: an error's every rendering, or the action's repr."""
    try:
        action = parse_line(line, 1)
    except ScriptError as error:
        return [
            str(error),
            repr(error),
            error.message,
            error.source_line,
            error.caret(),
            error.suggestion or "",
        ]
    return [repr(action)]


@pytest.fixture(scope="module")
def shared_lab() -> Iterator[Lab]:
    """One lab for all 10,000 lines (opening one per line would take most of the time)."""
    lab = Lab.open(":memory:", seed=1, password_cost=CHEAP)
    yield lab
    lab.close()


@TEN_THOUSAND
@given(line=lines)
def test_no_password_in_masking_parsing_outcomes_or_histories(line: str, shared_lab: Lab) -> None:
    masked = mask_secrets(line)
    assert len(masked) == len(line)
    assert [c.isspace() for c in masked] == [c.isspace() for c in line]
    assert mask_secrets(masked) == masked

    history_before = len(shared_lab.history)
    outcome = execute(shared_lab, line, 1)
    bar_history = History()
    bar_history.add(line)
    bar_history.add("settle")
    assert_hidden(
        line,
        masked,
        *shown_by_parser(line),
        outcome.line,
        outcome.message,
        json.dumps(outcome.to_json(), ensure_ascii=False),  # what `run --json` prints
        *shared_lab.history[history_before:],
        *bar_history.lines,
        bar_history.previous(""),
        bar_history.previous(""),
    )


# -- run, export and replay, in process -----------------------------------------------------


class _CheapCredentials(Credentials):
    def __init__(self, engine: Any, *, cost_n: int, **options: Any) -> None:
        super().__init__(engine, cost_n=CHEAP, **options)


def cli_output(*argv: str) -> str:
    """stdout and stderr of `cqrs-lab ARGV...`, run in this process with cheap hashing."""
    out, err = io.StringIO(), io.StringIO()
    with (
        pytest.MonkeyPatch.context() as patch,
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        patch.setattr(lab_core, "Credentials", _CheapCredentials)
        cli.main(list(argv))
    return out.getvalue() + err.getvalue()


def parses(line: str) -> bool:
    try:
        parse_line(line)
    except ScriptError:
        return False
    return True


@FEWER
@given(script=scripts)
def test_no_password_in_run_exports_or_replays(script: list[str], tmp_path_factory: Any) -> None:
    folder = tmp_path_factory.mktemp("script")
    refused = folder / "refused.lab"
    refused.write_text("\n".join(script) + "\n", "utf-8")
    good = [line for line in script if parses(line)]
    accepted = folder / "accepted.lab"
    accepted.write_text("\n".join([*good, "export session.jsonl"]) + "\n", "utf-8")

    shown = [
        cli_output("run", str(accepted)),
        cli_output("run", str(refused)),
        cli_output("run", str(accepted), "--json"),
        cli_output("run", str(refused), "--json"),
    ]
    export = Path(re.findall(r"exported \d+ events to (.+)", shown[0])[0])
    shown += [export.read_text("utf-8")]
    shown += [cli_output("replay", str(export)), cli_output("replay", str(export), "--json")]
    assert_hidden(" | ".join(script), *shown)


# -- a recording made by hand ---------------------------------------------------------------


@FEWER
@given(script=st.lists(lines, min_size=1, max_size=6), secret=secrets)
def test_a_replay_never_shows_or_stores_a_password_a_recording_holds(
    script: list[str], secret: str, tmp_path_factory: Any
) -> None:
    folder = tmp_path_factory.mktemp("recording")
    recording = folder / "hand-made.jsonl"
    recording.write_text(_hand_made(script, secret), "utf-8")
    db = folder / "replayed.db"

    shown = [
        cli_output("replay", str(recording)),
        cli_output("replay", str(recording), "--json"),
        cli_output("replay", str(recording), "--db", str(db)),
    ]
    lab = replay_recording(read_recording(recording))
    try:
        stored = [json.dumps(event.data) for event in lab.store.read_all()]
        shown += [*lab.history, *stored, *(json.dumps(e.data) for e in lab.recent)]
    finally:
        lab.close()
    files = [p.read_bytes().decode("utf-8", "replace") for p in folder.glob("replayed.db*")]
    assert_hidden(" | ".join(script), *shown, *files)


def _hand_made(script: list[str], secret: str) -> str:
    """A recording with `script`'s lines unmasked and a password in an event's data."""
    header = {
        "kind": "header",
        "format": "cqrs-lab-recording",
        "version": 1,
        "seed": 1,
        "now": 1.0,
        "head": 1,
        "lanes": {},
        "created_at": "2026-01-01T00:00:00+00:00",
    }
    event = {
        "kind": "event",
        "position": 1,
        "stream_id": "user-alice",
        "version": 1,
        "type": "UserRegistered",
        "schema_version": 2,
        "data": {
            "username": "alice",
            "email": "alice@example.com",
            "password": secret,
            "profile": {"Passwd": secret, "hints": [{"secret": secret}]},
        },
        "metadata": {
            "command_id": "c1",
            "correlation_id": "c1",
            "causation_id": "c1",
            "recorded_at": 1.0,
        },
    }
    records = [header, *({"kind": "line", "line": line} for line in script), event]
    return "\n".join(json.dumps(record) for record in records) + "\n"


# -- the screen -----------------------------------------------------------------------------


def screen_text(app: LabApp) -> str:
    text = re.sub(r"<[^>]+>", "", app.export_screenshot())
    return text.replace("&#160;", " ").replace("\xa0", " ")


async def _type_lines(script: list[str]) -> list[str]:
    """Send each line from the bar; return everything the bar and the screen showed."""
    lab = Lab.open(":memory:", seed=1, clock=ScaledClock(wall=FakeWall()), password_cost=CHEAP)
    app = LabApp(lab, refresh_hz=0)
    shown: list[str] = []
    try:
        async with app.run_test(size=(140, 44)) as pilot:
            for line in script:
                app.bar.input.value = line
                await pilot.press("enter")
                await pilot.pause()
                shown.append(app.bar.input.value)  # a refused line comes back here
                app.bar.input.value = ""
            shown.append(screen_text(app))
            for _ in script:  # up: back through the history
                await pilot.press("up")
                shown.append(app.bar.input.value)
            shown += [*app.bar.history.lines, *lab.history, screen_text(app)]
    finally:
        lab.close()
    return shown


@SESSIONS
@given(script=st.lists(lines, min_size=30, max_size=30, unique=True))
def test_the_bar_and_the_screen_never_show_a_password(script: list[str]) -> None:
    shown = asyncio.run(_type_lines(script))
    assert_hidden(" | ".join(script), *shown)


# -- the lines of the issue, one by one -----------------------------------------------------


@pytest.mark.parametrize(("line", "masked"), ISSUE_LINES)
def test_the_issue_s_lines_are_masked(line: str, masked: str) -> None:
    assert mask_secrets(line) == masked
    assert_hidden(line, *shown_by_parser(line))
