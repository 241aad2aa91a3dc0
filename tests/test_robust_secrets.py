"""Passwords: a registered password appears in no table, no database file (WAL included),
no output, no history, no export and nowhere on the screen; and `login` takes as long for
an unknown user as for a known one with a wrong password."""

from __future__ import annotations

import html
import json
import re
import sqlite3
import statistics
import time
from collections.abc import Iterable
from pathlib import Path

import pytest
from textual.widgets import Button, Input

from cqrs_lab.lab import Lab
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.sim.clock import ScaledClock
from cqrs_lab.simulate.runner import SimulationConfig, simulate
from cqrs_lab.store import credentials as credentials_module
from cqrs_lab.tui.app import LabApp
from cqrs_lab.tui.forms import CommandForm
from tests.robust_helpers import run_cqrs_lab
from tests.secret_lines import ISSUE_LINES
from tests.secret_lines import S as ISSUE_SECRET
from tests.tui.conftest import FakeWall

SECRETS = ("Zq9-Unique-Horse-4417", "Zq9-Race-Battery-8813", "Zq9-Other-Staple-2290")
ALICE, BOB, CAROL = SECRETS
SCRIPT = f"""
register alice alice@example.com {ALICE}
login alice {ALICE}
login alice Zq9-wrong-guess
race register bob bob@example.com {BOB} ; register carol carol@example.com {CAROL}
login carol {CAROL}
add-product mug "Blue mug" 12.50 10
add-to-cart alice mug 1
place-order alice
settle
query orders alice
export session.jsonl
"""


def encodings(secret: str) -> list[bytes]:
    return [secret.encode("utf-8"), secret.encode("utf-16-le"), secret.encode("utf-16-be")]


def assert_nowhere(secrets: Iterable[str], *texts: str | bytes) -> None:
    for secret in secrets:
        for text in texts:
            if isinstance(text, str):
                assert secret not in text, f"{secret} shown in {text[:200]!r}..."
            else:
                assert not any(encoded in text for encoded in encodings(secret)), secret


def database_files(folder: Path) -> dict[str, bytes]:
    """The database and its companions (-wal, -shm), byte for byte."""
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.name.startswith("lab.db")}


def every_value(db: Path) -> list[str | bytes]:
    """Every value of every column of every table of the database, as text or bytes."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tables = [
            name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        values: list[str | bytes] = []
        for table in tables:
            for row in conn.execute(f'SELECT * FROM "{table}"'):
                values += [v if isinstance(v, bytes) else str(v) for v in row]
    finally:
        conn.close()
    assert "credentials" in tables and "events" in tables and "crud_users" in tables
    return values


def test_a_run_never_shows_or_keeps_a_password(tmp_path: Path, data_dir: Path) -> None:
    (tmp_path / "script.lab").write_text(SCRIPT, "utf-8")
    db = tmp_path / "lab.db"

    result = run_cqrs_lab("run", "script.lab", "--db", str(db), cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "ok login: welcome, carol" in result.stdout
    assert "login failed: wrong user name or password" in result.stdout
    assert "exported" in result.stdout
    export = (data_dir / "exports" / "session.jsonl").read_text("utf-8")
    assert '"UserRegistered"' in export
    assert_nowhere(SECRETS, result.stdout, result.stderr, export)
    assert_nowhere(SECRETS, *database_files(tmp_path).values(), *every_value(db))


def test_a_json_run_never_shows_a_password(tmp_path: Path) -> None:
    (tmp_path / "script.lab").write_text(SCRIPT, "utf-8")

    result = run_cqrs_lab("run", "script.lab", "--json", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert all(json.loads(line) for line in result.stdout.splitlines())
    assert_nowhere(SECRETS, result.stdout, result.stderr)


def test_a_bad_line_is_shown_with_its_password_masked(tmp_path: Path) -> None:
    (tmp_path / "script.lab").write_text(f"register dave dave@example.com {ALICE} extra\n")

    result = run_cqrs_lab("run", "script.lab", cwd=tmp_path)

    assert result.returncode == 2
    assert "nothing was run" in result.stderr and "register dave dave@example.com ***" in (
        result.stderr
    )
    assert_nowhere(SECRETS, result.stdout, result.stderr)


def test_run_never_shows_the_password_of_a_misspelt_line(tmp_path: Path) -> None:
    """The lines of issue 22, each once in a script: every one is shown back masked."""
    script = tmp_path / "misspelt.lab"
    script.write_text("\n".join(line for line, _ in ISSUE_LINES) + "\n", "utf-8")

    result = run_cqrs_lab("run", str(script))

    assert result.returncode == 2 and "nothing was run" in result.stderr
    assert "regster alice alice@example.com ***" in result.stderr
    assert_nowhere([ISSUE_SECRET, ISSUE_SECRET[:5], ISSUE_SECRET[5:]], result.stdout, result.stderr)


def test_a_lab_keeps_no_password_while_it_runs(tmp_path: Path) -> None:
    """Scanned with the lab still open: the WAL holds the latest writes."""
    db = tmp_path / "lab.db"
    lab = Lab.open(str(db), seed=1, password_cost=2**4)
    try:
        outcomes = [execute(lab, line) for line in SCRIPT.strip().splitlines()[:-1]]
        assert all(outcome.ok for outcome in outcomes if "wrong" not in outcome.message)
        assert (tmp_path / "lab.db-wal").stat().st_size > 0
        assert lab.login("alice", ALICE) and not lab.login("alice", BOB)
        messages = [outcome.message for outcome in outcomes]
        report = json.dumps(lab.report())
        recent = [json.dumps(event.data) for event in lab.recent]
        assert_nowhere(SECRETS, *messages, *lab.history, report, *recent)
        assert_nowhere(SECRETS, *database_files(tmp_path).values(), *every_value(db))
        assert lab.history[0] == "register alice alice@example.com " + "*" * len(ALICE)
    finally:
        lab.close()


# -- the screen --------------------------------------------------------------------------


def screen_text(app: LabApp) -> str:
    """Everything the screen shows, as plain text (tags of the SVG screenshot removed)."""
    text = html.unescape(re.sub(r"<[^>]+>", "", app.export_screenshot()))
    return text.replace("\xa0", " ")


async def test_the_screen_never_shows_a_registered_password(tmp_path: Path) -> None:
    db = tmp_path / "lab.db"
    lab = Lab.open(str(db), seed=1, clock=ScaledClock(wall=FakeWall()), password_cost=2**4)
    app = LabApp(lab, refresh_hz=0)
    try:
        async with app.run_test(size=(140, 44)) as pilot:
            await pilot.press(*f"register alice alice@example.com {ALICE}")
            assert ALICE in screen_text(app)  # as it is typed (what the scan would catch)
            await pilot.press("enter")
            await pilot.pause()
            assert "ok register" in screen_text(app)
            race = f"race register bob b@example.com {BOB} ; register carol c@example.com {CAROL}"
            for line in (race, f"login carol {CAROL}"):
                app.bar.input.value = line
                await pilot.press("enter")
                await pilot.pause()
            assert "welcome, carol" in screen_text(app)

            form = app.query_one(CommandForm)
            if not form.display:
                await pilot.press("f2")
            fields = list(form.query(".form-field").results(Input))
            for field, value in zip(fields, ("dave", "dave@example.com", ALICE), strict=True):
                field.value = value
            await pilot.pause()
            shown_in_form = screen_text(app)
            assert "dave@example.com" in shown_in_form and "•" * 8 in shown_in_form
            assert form.verb == "register"
            form.query_one("#form-send", Button).press()
            await pilot.pause()

            for _ in range(3):
                app.main.tick()
            await pilot.pause()
            await pilot.press("escape")  # from the form (focus stays there after Send) to the bar
            await pilot.press("up")  # the history brings the line back without its password
            assert app.bar.input.value.startswith("login carol")
            shown = screen_text(app)
            assert "UserReg" in shown
            assert_nowhere(SECRETS, shown, shown_in_form, *app.bar.history.lines)
            assert_nowhere(SECRETS, *database_files(tmp_path).values(), *every_value(db))
            assert lab.login("dave", ALICE)
    finally:
        lab.close()


# -- login timing --------------------------------------------------------------------------


def test_login_takes_as_long_for_an_unknown_user_as_for_a_wrong_password() -> None:
    lab = Lab.open(":memory:", seed=1, password_cost=2**11)
    try:
        assert execute(lab, f"register alice alice@example.com {ALICE}").ok
        wrong, unknown = [], []
        for attempt in range(40):  # interleaved: drift on a busy machine hits both alike
            guess = f"guess-{attempt:04}"
            started = time.perf_counter()
            assert not lab.login("alice", guess)
            wrong.append(time.perf_counter() - started)
            started = time.perf_counter()
            assert not lab.login("mallory", guess)
            unknown.append(time.perf_counter() - started)
        ratio = statistics.median(unknown) / statistics.median(wrong)
        assert 0.5 <= ratio <= 2.0, (statistics.median(unknown), statistics.median(wrong))
    finally:
        lab.close()


def median_logins(lab: Lab, *usernames: str, rounds: int = 30) -> list[float]:
    """The median time of a wrong login for each name, the names taken in turn (drift on a
    busy machine hits them all alike)."""
    times: list[list[float]] = [[] for _ in usernames]
    for attempt in range(rounds):
        for spent, username in zip(times, usernames, strict=True):
            started = time.perf_counter()
            assert not lab.login(username, f"guess-{attempt:04}")
            spent.append(time.perf_counter() - started)
    return [statistics.median(spent) for spent in times]


def test_a_simulated_user_takes_as_long_to_log_in_as_an_unknown_name(tmp_path: Path) -> None:
    """`simulate --db` hashes its users cheaply; logging in to one must still cost what a
    name that does not exist costs, or the timing tells which names exist."""
    db = tmp_path / "lab.db"
    simulate(SimulationConfig(rate=20, duration=2, seed=1, db=str(db)))
    lab = Lab.open(str(db), seed=1, password_cost=2**11)
    try:
        simulated = _a_user(db)
        assert execute(lab, f"register alice alice@example.com {ALICE}").ok
        cheap, unknown, real = median_logins(lab, simulated, "mallory", "alice")
        assert 0.5 <= cheap / unknown <= 2.0, (cheap, unknown)
        assert 0.5 <= real / unknown <= 2.0, (real, unknown)
    finally:
        lab.close()


def _a_user(db: Path) -> str:
    """A user of `db` whose password was hashed at scrypt n=2**4."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT username FROM credentials WHERE n = 16 LIMIT 1").fetchone()
    finally:
        conn.close()
    assert row is not None, "the simulation registered no user"
    return str(row[0])


def test_login_compares_hashes_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    compared: list[tuple[int, int]] = []
    real = credentials_module.hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((len(a), len(b)))
        return real(a, b)

    monkeypatch.setattr(credentials_module.hmac, "compare_digest", spy)
    lab = Lab.open(":memory:", seed=1, password_cost=2**4)
    try:
        assert execute(lab, f"register alice alice@example.com {ALICE}").ok
        assert lab.login("alice", ALICE)
        assert not lab.login("alice", BOB)
        assert not lab.login("mallory", BOB)
    finally:
        lab.close()
    assert compared == [(32, 32)] * 3
