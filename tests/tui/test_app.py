"""The lab screen driven like a learner would: keys and lines, on a lab in memory whose clock
moves only when the test moves it (no sleeps, no wall time)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from textual.command import CommandList, CommandPalette
from textual.widget import Widget
from textual.widgets import Button, Input, Select, Static

from cqrs_lab import cli
from cqrs_lab.lab import Lab, interpreter
from cqrs_lab.tui.app import LabApp
from cqrs_lab.tui.command_bar import CommandInput, History
from cqrs_lab.tui.completion import Vocabulary, complete
from cqrs_lab.tui.forms import CommandForm, build_line, fields_of
from cqrs_lab.tui.palette import lab_actions
from cqrs_lab.tui.screens import ConfirmScreen, HelpScreen, LaneSettingsScreen
from cqrs_lab.tui.screens.lane_settings import settings_lines
from cqrs_lab.tui.status_line import StatusLine
from cqrs_lab.tui.widgets import BusView, EventLog, ViewPanel
from tests.tui.conftest import FakeWall
from tests.tui.travel_helpers import SIZE, frames, send, text_of

SHOP = (
    "register alice alice@example.com s3cret-pass",
    'add-product mug "Blue mug" 12.50 10',
    "add-to-cart alice mug 2",
)


def lines_of(widget: Widget) -> list[str]:
    """The lines of text a widget shows, blank ones left out."""
    return [line.rstrip() for line in text_of(widget).splitlines() if line.strip()]


def message(app: LabApp) -> Static:
    return app.query_one("#command-message", Static)


def lane_track(bus: BusView, lane: str) -> str:
    """The track line of one lane on the bus (the line under the lane's title)."""
    lines = text_of(bus).splitlines()
    title = next(i for i, line in enumerate(lines) if lane in line.split()[:2])
    return lines[title + 1]


# -- the acceptance scenarios ----------------------------------------------------------


async def test_the_bar_has_focus_at_start(lab: Lab) -> None:
    async with LabApp(lab).run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(pilot.app.focused, CommandInput)


async def test_typing_register_shows_the_event_in_the_log(lab: Lab) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"register alice alice@example.com s3cret-pass", "enter")
        await pilot.pause()
        assert "UserRegistered" in text_of(app.query_one(EventLog))
        assert "ok register" in str(message(app).render())
        assert app.bar.input.value == ""


async def test_an_order_travels_on_the_orders_lane_and_the_views_catch_up(
    lab: Lab, wall: FakeWall
) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        for line in ("latency all zero", *SHOP, "latency orders fixed:2s"):
            await send(pilot, line)
        await frames(pilot)  # zero latency: everything so far is delivered at once
        await send(pilot, "place-order alice")
        await frames(pilot)

        bus, views = app.query_one(BusView), app.query_one(ViewPanel)
        assert "Placed#4" in lane_track(bus, "orders")
        assert "Placed" not in lane_track(bus, "sales")
        shown = text_of(views)
        assert "query orders alice" in shown
        assert "STALE" in shown  # the read model is behind alice's own write...
        assert views.comparison is not None and views.comparison.rows_differ == 1
        assert "o1" in shown  # ...while the CRUD twin already has the order

        wall.now = 1.9
        await frames(pilot)
        assert "Placed#4" in lane_track(bus, "orders")
        wall.now = 2.1
        await frames(pilot)
        assert "Placed#4" not in lane_track(bus, "orders")
        shown = text_of(views)
        assert "STALE" not in shown
        assert "CAUGHT UP" in shown
        assert views.comparison.rows_differ == views.comparison.totals_differ == 0


async def test_a_bad_line_shows_the_error_under_the_bar_and_changes_nothing(lab: Lab) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, SHOP[0])
        head, log = lab.store.head(), lines_of(app.query_one(EventLog))
        await send(pilot, "add-to-crt alice mug 2")
        shown = str(message(app).render())
        assert "unknown command 'add-to-crt'" in shown
        assert "did you mean 'add-to-cart'?" in shown
        assert shown.splitlines()[-1].strip() == "^"  # the caret under the column
        assert message(app).has_class("-error")
        assert app.bar.input.value == "add-to-crt alice mug 2"  # kept, to be corrected
        assert lab.store.head() == head
        assert lines_of(app.query_one(EventLog)) == log


async def test_a_refused_command_says_why(lab: Lab) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "pay o9")
        assert "refused" in str(message(app).render())
        assert lab.store.head() == 0


async def test_a_lab_failure_is_shown_never_a_traceback(
    lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(lab: Lab, line: object, line_no: int | None = None) -> None:
        raise RuntimeError("disk on fire")

    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        monkeypatch.setattr(interpreter, "execute", broken)
        await send(pilot, "settle")
        assert "disk on fire" in str(message(app).render())
        assert app.is_running


async def test_f5_pauses_and_resumes_even_from_the_bar(lab: Lab) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        status = app.query_one(StatusLine)
        assert "running" in str(status.render())
        await pilot.press("f5")
        assert lab.paused
        assert "PAUSED" in str(status.render())
        assert isinstance(app.focused, CommandInput)
        await pilot.press("f5")
        assert not lab.paused
        assert "running" in str(status.render())


async def test_escape_leaves_the_bar_then_n_steps(lab: Lab) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, SHOP[1])
        in_flight = lab.snapshot().in_flight
        assert in_flight > 0
        await pilot.press("n")  # in the bar, n is just a letter
        assert app.bar.input.value == "n"
        assert lab.snapshot().in_flight == in_flight
        await pilot.press("escape", "n")
        assert not isinstance(app.focused, Input)
        assert lab.snapshot().in_flight == in_flight - 1
        assert "step: delivered 1" in str(message(app).render())
        await pilot.press("colon")
        assert isinstance(app.focused, CommandInput)


async def test_single_keys_pause_step_and_change_speed(lab: Lab) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("escape", "space")
        assert lab.paused
        await pilot.press("plus")
        assert lab.speed == 2
        await pilot.press("minus", "minus")
        assert lab.speed == 0.5
        await pilot.press("f8")
        assert lab.speed == 1
        await pilot.press("space")
        assert not lab.paused


async def test_reset_asks_first(lab: Lab) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, SHOP[0])
        await send(pilot, "reset")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert not isinstance(app.screen, ConfirmScreen)
        assert lab.store.head() == 1
        await send(pilot, "reset")
        await pilot.press("y")
        await pilot.pause()
        assert lab.store.head() == 0
        assert "reset" in str(message(app).render())
        assert "No events yet" in text_of(app.query_one(EventLog))


async def test_the_palette_lists_lab_actions_and_runs_them(lab: Lab) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        said = {action.title: action.help for action in lab_actions(app.main)}
        titles = set(said)
        assert said["Pause"] == "stop the lab clock (F5, space)"  # the keys as bound
        assert said["Rebuild orders"] == "clear the projection and replay the store (r)"
        assert said["Settle"] == "run until nothing is in flight"  # no key does it
        for title in (
            "Pause",
            "Resume",
            "Step",
            "Settle",
            "Rebuild orders",
            "Mode carts inline",
            "Latency orders fixed:2s",
            "Faults sales drop=0.2",
            "Reset the lab…",
            "Help",
            "View sales",
        ):
            assert title in titles
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"rebuild")
        await app.workers.wait_for_complete()
        await pilot.pause()
        commands = app.screen.query_one(CommandList)
        prompts = [
            str(commands.get_option_at_index(i).prompt) for i in range(commands.option_count)
        ]
        assert any("Rebuild orders" in prompt for prompt in prompts)
        await pilot.press("escape")
        await pilot.press("ctrl+p", *"pause")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert lab.paused


async def test_history_up_and_down(lab: Lab) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "pause")
        await send(pilot, "speed 2")
        bar = app.bar.input
        bar.value = "draft"
        await pilot.press("up")
        assert bar.value == "speed 2"
        await pilot.press("up")
        assert bar.value == "pause"
        await pilot.press("up")
        assert bar.value == "pause"
        await pilot.press("down")
        assert bar.value == "speed 2"
        await pilot.press("down")
        assert bar.value == "draft"


async def test_tab_completes_names_the_lab_knows(lab: Lab) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, SHOP[0])
        await send(pilot, SHOP[1])
        await pilot.press(*"add-to-c", "tab", "space", *"al", "tab", "space", "m", "tab")
        assert app.bar.input.value == "add-to-cart alice mug"
        await pilot.press("tab")  # nothing more to complete: focus stays in the bar
        assert isinstance(app.focused, CommandInput)


async def test_r_rebuilds_the_selected_lane_with_a_progress_bar(lab: Lab) -> None:
    app = LabApp(lab, refresh_hz=0)  # the test draws each frame itself
    async with app.run_test(size=SIZE) as pilot:
        for line in SHOP:
            await send(pilot, line)
        await pilot.press("escape", "r")
        assert app.query_one("#rebuild-row").display
        await frames(pilot, 5)
        assert not app.query_one("#rebuild-row").display
        assert lab.metrics.rebuilds["orders"] == 1
        assert "rebuilt orders from 3 events" in str(message(app).render())


async def test_l_edits_the_selected_lane(lab: Lab) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("escape", "l")
        assert isinstance(app.screen, LaneSettingsScreen)
        app.screen.query_one("#lane-latency", Input).value = "fixed:3s"
        app.screen.query_one("#lane-faults", Input).value = "drop=0.5"
        await pilot.press("enter")
        await pilot.pause()
        assert str(lab.latencies["orders"]) == "fixed:3s"
        assert lab.faults["orders"].drop == 0.5


async def test_the_lane_dialog_refuses_a_bad_spec(lab: Lab) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("escape", "l")
        app.screen.query_one("#lane-latency", Input).value = "fast"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, LaneSettingsScreen)
        assert str(app.screen.query_one("#lane-error", Static).render()).startswith("✗")


async def test_help_lists_keys_and_the_language(lab: Lab) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        keys = dict(app.screen.keys)
        assert keys["F5 / space"] == "pause or resume the lab clock"
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("escape", "question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("f1")
        assert not isinstance(app.screen, HelpScreen)


async def test_g_in_help_shows_the_glossary(lab: Lab) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        body = app.screen.query_one("#help-body")
        glossary = app.screen.query_one("#help-glossary", Static)
        assert not body.region.overlaps(glossary.region)  # below the keys and the language
        await pilot.press("g")
        await pilot.pause()
        assert body.scroll_y > 0
        assert body.region.contains_point(glossary.region.offset)
        title, *rows = text_of(glossary).splitlines()  # its top is on screen now
        assert title.startswith("Glossary: the lab's words beside the industry's")
        assert any("checkpoint" in row and "tracking token (Axon)" in row for row in rows)


async def test_a_keymap_moves_a_key(lab: Lab) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        app.set_keymap({"pause": "f9"})
        await pilot.press("f5")
        assert not lab.paused
        await pilot.press("f9")
        assert lab.paused
        assert ("F9 / space", "pause or resume the lab clock") in app.key_help()


async def test_the_form_sends_the_same_line(lab: Lab) -> None:
    app = LabApp(lab)
    async with app.run_test(size=(160, 45)) as pilot:
        form = app.query_one(CommandForm)
        assert form.display
        form.query_one("#form-verb", Select).value = "add-product"
        await pilot.pause()
        fields = list(form.query(".form-field").results(Input))
        for field, value in zip(fields, ("mug", "Blue mug", "12.50", "10x"), strict=True):
            field.value = value
        form.query_one("#form-send", Button).press()
        await pilot.pause()
        assert "stock: must be a whole number" in str(message(app).render())
        assert lab.store.head() == 0
        fields[3].value = "10"
        fields[3].focus()
        await pilot.press("enter")  # Enter in a field sends too
        await pilot.pause()
        assert lab.store.head() == 1
        assert all(field.value == "" for field in fields)


async def test_the_form_row_follows_the_screen_height_and_f2(lab: Lab) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        form = app.query_one(CommandForm)
        assert form.styles.display == "none"
        await pilot.press("f2")
        assert form.styles.display == "block"


async def test_usable_at_100_by_30(lab: Lab) -> None:
    app = LabApp(lab)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, SHOP[0])
        assert not app.query_one(EventLog).display  # under 120 columns the tables come first
        assert app.query_one(BusView).compact  # a short screen: one row a lane
        assert app.query_one(BusView).size.height == 4
        assert app.query_one("#views").size.height >= 15


async def test_choosing_an_event_or_a_lane(lab: Lab) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, SHOP[0])
        app.query_one(EventLog).post_message(EventLog.EventSelected(1))
        await pilot.pause()
        shown = str(message(app).render())
        assert "event #1 UserRegistered on user-alice" in shown
        assert "s3cret" not in shown
        app.query_one(BusView).post_message(BusView.LaneSelected("sales"))
        await pilot.pause()
        assert "lane: sales" in str(app.query_one(StatusLine).render())
        await pilot.press("escape", "l")
        assert isinstance(app.screen, LaneSettingsScreen)
        assert app.screen.lane == "sales"


def test_cqrs_lab_starts_the_screen(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[Lab] = []

    def run(self: LabApp) -> None:  # the app opens its lab after the first frame
        assert self.opener is not None
        lab = self.opener()
        started.append(lab)
        lab.close()

    monkeypatch.setattr(LabApp, "run", run)
    assert cli.main(["--db", ":memory:", "--seed", "7"]) == 0
    assert cli.main(["tui", "--db", ":memory:"]) == 0
    assert len(started) == 2
    assert started[0].seed == 7


# -- the parts, without a screen -------------------------------------------------------


def test_history_never_keeps_a_password() -> None:
    history = History()
    history.add("register bob bob@example.com hunter22-secret")
    assert history.lines == ["register bob bob@example.com"]
    assert history.previous("") == "register bob bob@example.com"


def test_completion_by_position() -> None:
    words = Vocabulary(users=["alice", "bob"], skus=["mug"], orders=["o2", "o1"])
    assert complete("add-to", words) == "add-to-cart"
    assert complete("add-to-cart b", words) == "add-to-cart bob"
    assert complete("add-to-cart bob ", words) == "add-to-cart bob mug"
    assert complete("pay ", words) == "pay o2"
    assert complete("pay l", words) == "pay last"
    assert complete("latency or", words) == "latency orders"
    assert complete("latency orders ex", words) == "latency orders exp:"
    assert complete("faults sales dr", words) == "faults sales drop="
    assert complete("query ca", words) == "query catalog"
    assert complete("query cart a", words) == "query cart alice"
    assert complete("query cart alice --c", words) == "query cart alice --crud"
    assert complete("race place-order alice ; place-order b", words) == (
        "race place-order alice ; place-order bob"
    )
    assert complete("register al", words) is None  # a new name: nothing to suggest
    assert complete('add-product "Blue', words) is None


def test_form_lines_are_quoted_and_stop_at_the_first_empty_field() -> None:
    assert [f.name for f in fields_of("add-to-cart")] == ["USER", "SKU", "QTY"]
    assert fields_of("place-order")[1].optional
    assert build_line("add-product", ["mug", "Blue mug", "12.50", "10"]) == (
        'add-product mug "Blue mug" 12.50 10'
    )
    assert build_line("add-to-cart", ["", "mug", "2"]) == "add-to-cart"


def test_lane_settings_send_only_what_changed() -> None:
    same = settings_lines("orders", "fixed:1s", "none", old_latency="fixed:1s", old_faults="none")
    assert same == []
    lines = settings_lines(
        "orders", "exp:2s", "drop=0.1  dup=0.2", old_latency="fixed:1s", old_faults="none"
    )
    assert lines == ["latency orders exp:2s", "faults orders none drop=0.1  dup=0.2"]


def test_the_headless_lab_never_imports_textual() -> None:
    code = (
        "import sys, cqrs_lab.lab, cqrs_lab.cli, cqrs_lab.commands.tui; "
        "sys.exit('textual' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
