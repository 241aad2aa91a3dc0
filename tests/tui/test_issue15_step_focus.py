"""Issue 15.4 on the screen: `step` delivers one event, focus and modes are visible, a
refused line is selected, forms are reachable by keyboard, and the smaller fixes."""

from __future__ import annotations

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import Button, Select

from cqrs_lab.lab import Lab
from cqrs_lab.tui.app import LabApp
from cqrs_lab.tui.forms import CommandForm
from cqrs_lab.tui.status_line import StatusLine
from tests.test_lab_step import SCENARIO
from tests.tui.test_app import SIZE, frames, lines_of, message, send

"""The issue's script: four deliveries fall due at the same instant as the first."""


async def _in_flight_after(pilot: Pilot[None], lab: Lab, *keys: str) -> int:
    await pilot.press(*keys)
    await frames(pilot)  # the screen's own ticks must not deliver the rest
    return lab.snapshot().in_flight


@pytest.mark.parametrize("how", ["f6", "n", "line"])
async def test_step_delivers_exactly_one_event_on_screen(lab: Lab, how: str) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        for line in SCENARIO:
            await send(pilot, line)
        await frames(pilot)
        before = lab.snapshot().in_flight
        assert before == 5
        if how == "line":
            await send(pilot, "step")
            await frames(pilot)
            after = lab.snapshot().in_flight
        elif how == "n":
            after = await _in_flight_after(pilot, lab, "escape", "n")
        else:
            after = await _in_flight_after(pilot, lab, "f6")
        assert after == before - 1
        said = str(message(app).render())
        assert "step: delivered 1: #3 ItemAddedToCart to carts" in said


# -- a refused line comes back selected ------------------------------------------------


async def test_a_refused_line_comes_back_selected_so_typing_replaces_it(lab: Lab) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"place-order alice", "enter")
        await pilot.pause()
        bar = app.bar.input
        assert bar.value == "place-order alice"
        assert (bar.selection.start, bar.selection.end) == (0, len(bar.value))
        await pilot.press(*"query orders alice")
        assert bar.value == "query orders alice"


async def test_a_refused_line_can_still_be_edited(lab: Lab) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"restock mgu 2", "enter")
        await pilot.pause()
        await pilot.press("end", "backspace", "3")
        assert app.bar.input.value == "restock mgu 3"


async def test_a_refused_register_comes_back_selected_without_its_password(lab: Lab) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "register alice not-an-email s3cret-pass")
        bar = app.bar.input
        assert "s3cret" not in bar.value and bar.value.startswith("register alice")
        assert (bar.selection.start, bar.selection.end) == (0, len(bar.value))


# -- the forms by keyboard -------------------------------------------------------------


async def open_form(pilot: Pilot[None], app: LabApp) -> CommandForm:
    """F2 from the bar: the command form, open."""
    await pilot.press("f2")
    await pilot.pause()
    return app.query_one(CommandForm)


async def test_f2_moves_focus_into_the_form_and_tab_reaches_every_field(lab: Lab) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot, app)
        assert form.display
        assert app.focused is app.query_one("#form-verb", Select)
        reached = []
        for _ in range(len(form.fields) + 1):
            await pilot.press("tab")
            reached.append(app.focused)
        assert reached == [*form.fields, app.query_one("#form-send", Button)]
        await pilot.press("escape")
        await pilot.pause()
        assert app.focused is app.bar.input
        assert form.display  # Escape leaves the form on the screen


async def test_f2_from_inside_the_form_hides_it_and_goes_back_to_the_bar(lab: Lab) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot, app)
        await pilot.press("f2")
        await pilot.pause()
        assert app.focused is app.bar.input
        assert not form.display


async def test_after_send_typing_goes_into_a_field_never_to_the_single_keys(lab: Lab) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot, app)
        user, email, password = form.fields
        user.value, email.value, password.value = "alice", "alice@example.com", "s3cret-pass"
        app.query_one("#form-send", Button).focus()
        await pilot.pause()
        await pilot.press("enter")  # Send
        await pilot.pause()
        assert lab.store.head() == 1
        assert app.focused is user and user.value == ""
        speed = lab.speed
        await pilot.press(*"bob-t")
        await pilot.pause()
        assert user.value == "bob-t"
        assert lab.speed == speed and app.screen is app.main  # no slower, no trace


async def test_letters_on_the_select_go_into_the_first_field(lab: Lab) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot, app)
        speed = lab.speed
        await pilot.press(*"al-n")
        await pilot.pause()
        assert form.fields[0].value == "al-n"
        assert lab.speed == speed and lab.snapshot().in_flight == 0


# -- where keys go, in words -----------------------------------------------------------


async def test_the_status_line_says_whether_keys_type_or_act(lab: Lab) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        status = app.query_one(StatusLine)
        assert "typing: bar" in str(status.render())
        await pilot.press("escape")
        await pilot.pause()
        assert "keys: space n - + ? :" in str(status.render())
        await pilot.press("f2")
        await pilot.pause()
        assert "typing: form" in str(status.render())
        await pilot.press("escape")
        await pilot.pause()
        assert "typing: bar" in str(status.render())


# -- a pasted script shows every result ------------------------------------------------


async def test_pasted_lines_each_show_their_result(lab: Lab) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        script = "add-product mug Mug 1.00 5\nrestock mgu 2\nrestock mug 3\n"
        app.bar.input.post_message(events.Paste(script))
        await pilot.pause()
        shown = str(message(app).render())
        assert "pasted: 2 ok, 1 refused" in shown
        assert "✓ ok add-product" in shown and "✓ ok restock" in shown
        assert "✗ " in shown and "mgu" in shown
        assert len(lines_of(message(app))) == 4
