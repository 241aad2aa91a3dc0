"""Predict, then release, on the lab screen: `p` holds the view's lane and asks; the
learner answers; Release lets the delivery in and shows who was right."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static

from cqrs_lab.lab import Lab
from cqrs_lab.lab.guard import LabGuard
from cqrs_lab.script.actions import Expectation
from cqrs_lab.tui.app import LabApp
from cqrs_lab.tui.screens.predict import PredictScreen, expectation
from tests.tui.conftest import FakeWall
from tests.tui.travel_helpers import SHOP, SIZE, frames, send


def predict_screen(app: LabApp) -> PredictScreen:
    screen = app.screen
    assert isinstance(screen, PredictScreen)
    return screen


def shown(screen: PredictScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def answer(pilot: Pilot[None], side: str, kind: str, value: str) -> None:
    screen = predict_screen(pilot.app)  # type: ignore[arg-type]
    screen.query_one(f"#predict-{side}-kind", Select).value = kind
    screen.query_one(f"#predict-{side}-value", Input).value = value
    await pilot.pause()


async def press_button(pilot: Pilot[None], selector: str) -> None:
    await pilot.click(selector)
    await pilot.pause()  # the button's Pressed message reaches the screen


async def submit(pilot: Pilot[None]) -> None:
    """Enter in an answer (a button ignores a second click within its 0.2 s effect)."""
    predict_screen(pilot.app).query_one("#predict-read-value", Input).focus()  # type: ignore[arg-type]
    await pilot.press("enter")


@asynccontextmanager
async def an_order_at_the_door(
    lab: Lab, wall: FakeWall
) -> AsyncIterator[tuple[Pilot[None], PredictScreen]]:
    """The lab's screen, running: `p` holds the orders lane; the learner closes it, places an
    order, and opens it again once the order's event waits at the door."""
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, *SHOP, "latency orders fixed:1s", "query orders alice")
        await pilot.press("escape", "p")
        screen = predict_screen(app)
        assert lab.subscribers["orders"].holding
        assert "nothing at its door yet" in shown(screen, "#predict-door")
        await pilot.press("escape")
        await send(pilot, "place-order alice")
        wall.now = 1.5
        await frames(pilot)
        await pilot.press("escape", "p")
        screen = predict_screen(app)
        assert "1 delivery waits at the door: OrderPlaced #4" in shown(screen, "#predict-door")
        yield pilot, screen


async def test_predict_release_and_see_who_was_right(lab: Lab, wall: FakeWall) -> None:
    async with an_order_at_the_door(lab, wall) as (pilot, screen):
        assert screen.view == "orders" and screen.user == "alice"
        await answer(pilot, "read", "rows", "0")  # the classic mistake
        await answer(pilot, "crud", "has", "o1")
        screen.query_one("#predict-crud-value", Input).focus()
        await pilot.press("enter")
        assert shown(screen, "#predict-result").startswith("✓ predicted orders alice:")
        assert lab.predictions.pending

        await pilot.press("ctrl+r")
        result = shown(screen, "#predict-result")
        assert "✗ wrong  Read model: you said 0 rows; it shows 1 row: o1" in result
        assert "✓ right  CRUD twin: you said includes o1; it shows 1 row: o1" in result
        assert "Right about CRUD" in result
        assert not lab.subscribers["orders"].holding
        assert lab.predictions.judged == 1 and lab.predictions.correct == 0
        assert "predict orders alice read=0 crud=has:o1" in lab.history
        assert lab.history[-1] == "release orders"


async def test_release_records_the_answers_first(lab: Lab, wall: FakeWall) -> None:
    async with an_order_at_the_door(lab, wall) as (pilot, screen):
        await answer(pilot, "read", "has", "o1")
        await answer(pilot, "crud", "rows", "1")
        await press_button(pilot, "#predict-release")
        assert "Right on both sides." in shown(screen, "#predict-result")
        assert lab.predictions.correct == 1


async def test_answers_are_checked_before_anything_runs(lab: Lab, wall: FakeWall) -> None:
    async with an_order_at_the_door(lab, wall) as (pilot, screen):
        await answer(pilot, "read", "rows", "one")
        await submit(pilot)
        assert "✗ read model: give a number of rows, like 1" in shown(screen, "#predict-result")
        await answer(pilot, "read", "rows", "1")
        await answer(pilot, "crud", "no", "")
        await submit(pilot)
        assert "✗ CRUD: give one value a row holds" in shown(screen, "#predict-result")
        screen.query_one("#predict-user", Input).value = ""
        await pilot.pause()
        await submit(pilot)
        assert "type the user whose orders you predict" in shown(screen, "#predict-result")
        assert lab.predictions.made == 0


async def test_release_without_a_prediction_just_releases(lab: Lab, wall: FakeWall) -> None:
    async with an_order_at_the_door(lab, wall) as (pilot, screen):
        await press_button(pilot, "#predict-release")
        assert "released 1 deliveries to orders — no prediction was waiting" in shown(
            screen, "#predict-result"
        )
        assert "is not held" in shown(screen, "#predict-door")


async def test_another_view_holds_its_own_lane(lab: Lab) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, *SHOP)
        await pilot.press("escape", "p")
        screen = predict_screen(app)
        screen.query_one("#predict-view", Select).value = "sales"
        await pilot.pause()
        assert lab.subscribers["sales"].holding
        assert "The sales lane is held" in shown(screen, "#predict-door")
        await answer(pilot, "read", "rows", "0")
        await answer(pilot, "crud", "rows", "0")
        await press_button(pilot, "#predict-save")
        assert lab.predictions.pending[("sales", None)].lane == "sales"
        await pilot.press("escape")
        assert app.screen is app.main


@pytest.mark.parametrize(
    ("kind", "text", "found"),
    [
        ("rows", " 2 ", Expectation("rows", 2)),
        ("has", "o1", Expectation("has", "o1")),
        ("no", "paid", Expectation("no", "paid")),
        ("rows", "-1", "give a number of rows, like 1"),
        ("has", "two words", "give one value a row holds, like o1 or paid"),
    ],
)
def test_answers_become_expectations(kind: str, text: str, found: object) -> None:
    assert expectation(kind, text) == found  # type: ignore[arg-type]


class WatchedSubscribers(dict[str, Any]):
    """A lab's subscribers that note, at each look-up, whether `guard` was held."""

    def __init__(self, subscribers: dict[str, Any], guard: LabGuard) -> None:
        super().__init__(subscribers)
        self.guard = guard
        self.held: list[bool] = []

    def __getitem__(self, lane: str) -> Any:
        self.held.append(self.guard.held())
        return super().__getitem__(lane)


async def test_the_screen_reads_the_lane_under_the_lab_screens_guard(
    lab: Lab, wall: FakeWall
) -> None:
    """A load's worker thread may be sending: the door and the hold are read under the
    guard the lab screen shares with it, never beside it."""
    async with an_order_at_the_door(lab, wall) as (pilot, screen):
        app = pilot.app
        assert isinstance(app, LabApp)
        assert screen.guard is app.main.guard
        watched = WatchedSubscribers(lab.subscribers, screen.guard)
        lab.subscribers = watched
        screen._show_door()  # as its timer does
        screen._hold()
        await press_button(pilot, "#predict-release")
        assert watched.held and all(watched.held)
