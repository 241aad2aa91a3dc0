"""Fuzzing the front door: random, adversarial and mutated lines — control characters,
very long lines, unicode of every kind — sent to the Lab by the thousand and typed, pasted
or set into the screen's command bar. Nothing crashes, no traceback reaches the screen,
and the store changes only when a line was a command the shop accepted.

Every example is generated deterministically (derandomized hypothesis), so a failure
reproduces."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from textual import events
from textual.keys import _character_to_key
from textual.pilot import Pilot

from cqrs_lab import script as sc
from cqrs_lab.lab import Lab, Outcome, interpreter
from cqrs_lab.lab.interpreter import ParsedLine, execute
from cqrs_lab.sim.clock import ScaledClock
from cqrs_lab.tui.app import LabApp
from tests.tui.conftest import FakeWall

VALID = (
    "register alice alice@example.com s3cret-pass",
    "register bob bob@example.com 'pass word 2'",
    "login alice s3cret-pass",
    'add-product mug "Blue mug" 12.50 10',
    "add-product tea 'Green tea' 4 50",
    "restock mug 5",
    "add-to-cart alice mug 2",
    "add-to-cart bob tea 1",
    "remove-from-cart alice mug",
    "place-order alice",
    "place-order bob o-77",
    "pay last",
    "cancel last",
    "ship last",
    "race place-order alice ; place-order bob",
    "race add-to-cart alice mug 1 ; add-to-cart bob mug 1",
    "query catalog",
    "query cart alice --crud",
    "query orders alice --wait",
    "query sales --wait 2s",
    "latency orders exp:800ms",
    "latency all uniform:100ms..2s",
    "faults orders drop=0.1 dup=0.05 reorder=on",
    "faults all drop=0.3 lost=on",
    "mode sales inline",
    "mode sales async",
    "gaps orders catch-up",
    "pause",
    "resume",
    "step",
    "step 3",
    "speed 0.25",
    "advance 5s",
    "settle",
    "rebuild orders",
    "hold carts",
    "release carts",
    "seed 7",
    "say hello, class",
    "help add-to-cart",
    "load 5/s for 2s",
    "# a comment",
    "",
    "reset",
)
ADVERSARIAL = (
    "\x00",
    "\x1b[31mred\x1b[0m",
    "register alice alice@example.com pass\x00word",
    "say \x07\x08\x7f",
    "query catalog\r\nreset",
    "\t\tquery\tcatalog",
    "[bold red]markup[/] [link=file:///etc/passwd]x[/link]",
    "say [b]not markup[/b]",
    'register "alice',
    'add-product mug "Blue mug 12.50 10',
    "race ;",
    "race ; ;",
    "race race place-order alice ; place-order bob ; place-order alice",
    "add-to-cart alice mug -1",
    "add-to-cart alice mug 1e9",
    "add-product mug Mug 1e400 10",
    "add-product mug Mug NaN 10",
    "advance -5s",
    "advance 1e308s",
    "speed 0",
    "speed inf",
    "latency orders exp:-1ms",
    "step 99999999999999999999",
    "pay ../../etc/passwd",
    "say \u202eevil\u202c",
    "register al\u200bice a@example.com s3cret-pass",
    "add-product caf\u00e9 Caf\u00e9 1 1",
    "add-product \uff4d\uff55\uff47 Mug 1 1",
    "say \U0001f600\U0001f4a5 " + "\u0301" * 50,
    "query cart \u0430lice",
    "\ud7ff\ue000\ufffd\uffff",
    "help " + "x" * 3000,
    "#" * 2001,
)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A valid line with a few characters inserted, deleted, replaced or moved."""
    line = draw(st.sampled_from(VALID[:-3]))
    noise = st.text(st.characters(), min_size=1, max_size=4)
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(line)))
        op = draw(st.sampled_from(("insert", "delete", "replace", "swap", "upper", "repeat")))
        if op == "insert":
            line = line[:at] + draw(noise) + line[at:]
        elif op == "delete":
            line = line[:at] + line[at + draw(st.integers(1, 5)) :]
        elif op == "replace":
            line = line[:at] + draw(noise) + line[at + 1 :]
        elif op == "swap":
            words = line.split(" ")
            draw(st.randoms(use_true_random=False)).shuffle(words)
            line = " ".join(words)
        elif op == "upper":
            line = line.upper()
        else:
            line = line[:at] + line[at:] * draw(st.integers(2, 40))
    return line


def _parsed(line: str) -> sc.Action | Exception | None:
    try:
        return sc.parse_line(line)
    except sc.ScriptError as error:
        return error


def _bounded(line: str) -> bool:
    """Leave out only workloads too long to play in a test (they are valid lines)."""
    action = _parsed(line)
    return not isinstance(action, sc.Load) or action.rate * action.duration <= 200


FRESH = st.one_of(  # commands the shop is likely to accept whatever happened before
    st.builds("register user{0} u{0}@example.com pass-{0:05}".format, st.integers(0, 10**5)),
    st.builds(
        "add-product p{0} 'Product {0}' {1}.50 {1}".format, st.integers(0, 999), st.integers(1, 99)
    ),
    st.builds("restock mug {}".format, st.integers(1, 20)),
    st.builds("add-to-cart {} mug {}".format, st.sampled_from(("alice", "bob")), st.integers(1, 2)),
    st.sampled_from(("place-order alice", "place-order bob", "pay last", "ship last")),
)
LINES = st.one_of(
    st.sampled_from(VALID),
    FRESH,
    st.sampled_from(ADVERSARIAL),
    mutated(),
    st.text(st.characters(), max_size=60),
    st.text(st.characters(codec="ascii"), max_size=60),
    st.builds(lambda unit, n: unit * n, st.text(min_size=1, max_size=8), st.integers(100, 700)),
    st.builds(lambda a, b: a + b, st.sampled_from(VALID), st.text(st.characters(), max_size=20)),
).filter(_bounded)
WRITES = (sc.Send, sc.Race, sc.Load, sc.Reset)
"""The only actions that may change the store: commands (a load sends some), and a reset,
which empties it."""


def check(line: str, outcome: Outcome, before: int, after: int) -> None:
    """A bad line is refused with a message; the store moved only for a command the shop
    accepted (a race may be half accepted; a load sends commands; a reset empties it)."""
    action = _parsed(line)
    if isinstance(action, Exception):
        assert not outcome.ok and outcome.code == "parse_error", (line, outcome)
        assert outcome.message and "Traceback" not in outcome.message
    if after != before:
        assert isinstance(action, WRITES), (line, outcome.message)
        assert outcome.ok or isinstance(action, sc.Race), (line, outcome.message)
        assert after > before or isinstance(action, sc.Reset), line
    elif isinstance(action, sc.Send) and outcome.ok:
        assert outcome.data.get("events") and "already handled" in outcome.message, line


FUZZ = settings(
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def test_the_lab_survives_thousands_of_random_lines() -> None:
    lab = Lab.open(":memory:", seed=1, password_cost=2)
    sent: list[str] = []
    accepted = 0

    @settings(FUZZ, max_examples=400)
    @given(st.lists(LINES, min_size=1, max_size=12))
    def run_lines(lines: list[str]) -> None:
        for line in lines:
            before = lab.store.head()
            outcome = execute(lab, line)  # raising is the failure
            check(line, outcome, before, lab.store.head())
            sent.append(line)
            nonlocal accepted
            accepted += bool(outcome.data.get("accepted"))

    try:
        run_lines()
    finally:
        lab.close()
    assert len(sent) >= 1000 and accepted >= 50
    assert any(len(line) > sc.MAX_LINE_LENGTH for line in sent)
    assert any(re.search(r"[\x00-\x1f]", line) for line in sent)
    assert any(not line.isascii() for line in sent)


# -- the screen ---------------------------------------------------------------------------

Ran = list[tuple[str, Outcome]]


def send_keys(app: LabApp, text: str | None = None, *, key: str | None = None) -> None:
    """Key events as a terminal sends them (built as Pilot builds them), all at once:
    `Pilot.press` waits for the whole process to go idle after every single key."""
    if key is not None:
        keys = [events.Key(key, None)]
    else:
        assert text is not None
        keys = [events.Key(c if c.isalnum() else _character_to_key(c), c) for c in text]
    assert app._driver is not None
    for event in keys:
        event.set_sender(app)
        app._driver.send_message(event)


async def settle(pilot: Pilot[None], done: Callable[[], bool] = lambda: True) -> None:
    """Let the app handle what was sent: rounds in which the app, the screen, the bar and
    its input each handle what was queued before (a line hops from one to the next), until
    `done`; if it still says no, one full wait for the whole process to go idle."""
    app = pilot.app
    assert isinstance(app, LabApp)
    for _ in range(12):
        for pump in (app, app.screen, app.bar, app.bar.input):
            handled = asyncio.Event()
            if pump.call_later(handled.set):
                await handled.wait()
        if done():
            return
    await pilot.pause()


async def enter(pilot: Pilot[None], line: str, how: str, ran: Ran) -> tuple[int, int, Ran]:
    """Put `line` in the command bar the way `how` says and press Enter; return the store's
    head before and after, and what the lab ran."""
    app = pilot.app
    assert isinstance(app, LabApp)
    before, count = app.lab.store.head(), len(ran)
    bar = app.bar.input
    bar.value = ""
    bar.focus()
    if how == "type":
        send_keys(app, line)
    elif how == "paste":
        bar.post_message(events.Paste(line))
    else:
        bar.value = line
    await settle(pilot, lambda: bar.value != "" or not line)
    sent = bar.value

    def handled() -> bool:
        asked = app.screen is not app.main  # a reset asks first
        return len(ran) > count or asked or not sent.strip() or not app.is_running

    send_keys(app, key="enter")
    await settle(pilot, handled)
    assert handled(), sent
    for _ in range(3):  # say no to a reset (Escape), close any other dialog
        if app.screen is app.main:
            break
        send_keys(app, key="escape")
        await settle(pilot, lambda: app.screen is app.main)
    assert app.screen is app.main
    app.main.tick()  # a frame: the lab delivers what is due, the screen redraws
    return before, app.lab.store.head(), ran[count:]


def typeable(line: str) -> bool:
    """Lines a keyboard can type: printable characters only."""
    return line.isprintable()


async def test_the_command_bar_survives_random_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    lab = Lab.open(":memory:", seed=1, clock=ScaledClock(wall=FakeWall()), password_cost=2)
    ran: Ran = []
    offered: list[str] = []
    raised: list[tuple[str, Exception]] = []

    def recorded(on: Lab, line: str | ParsedLine, line_no: int | None = None) -> Outcome:
        text = line.text if isinstance(line, ParsedLine) else line
        try:
            outcome = execute(on, line, line_no)
        except Exception as error:  # the screen would show it; the lab must not raise
            raised.append((text, error))
            raise
        ran.append((text, outcome))
        return outcome

    monkeypatch.setattr(interpreter, "execute", recorded)
    app = LabApp(lab, refresh_hz=0)
    async with app.run_test(size=(120, 40)) as pilot:
        loop = asyncio.get_running_loop()

        def on_screen(line: str, how: str) -> tuple[int, int, Ran]:
            """Run one line on the app's loop (hypothesis runs in a thread of its own)."""
            step = asyncio.run_coroutine_threadsafe(enter(pilot, line, how, ran), loop)
            return step.result(timeout=60)

        @settings(FUZZ, max_examples=150)
        @given(st.lists(st.tuples(LINES, st.sampled_from(("type", "paste", "set"))), max_size=3))
        def type_lines(lines: list[tuple[str, str]]) -> None:
            for line, how in lines:
                offered.append(line)
                before, after, executed = on_screen(
                    line, how if how != "type" or typeable(line) else "set"
                )
                assert app.is_running and not raised, (line, raised)
                if not executed:  # nothing ran: an empty line, or a reset refused
                    assert after == before, line
                else:
                    (sent, outcome), *_ = executed
                    check(sent, outcome, before, after)

        await asyncio.to_thread(type_lines)
        app.main.tick()
        await pilot.pause()
        assert app.is_running
        assert "Traceback" not in app.export_screenshot()
    lab.close()
    assert len(ran) >= 150
    assert any(len(line) > sc.MAX_LINE_LENGTH for line in offered)
    assert any(not line.isascii() for line, _ in ran)
    assert any(outcome.code == "parse_error" for _, outcome in ran)
    assert any(outcome.ok and outcome.data.get("accepted") for _, outcome in ran)
