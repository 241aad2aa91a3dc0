"""The services screen (issue 18): Orders and Payments (and Shipping) as boxes with the lanes
between them, fed a `ServicesPicture` each frame. Widget tests on real headless labs, the
widget in the lab screen at 80x24 and 120x40, and its snapshots."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from textual.pilot import Pilot

from cqrs_lab.lab import Lab
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.lab.service_performers import services_picture
from cqrs_lab.services.picture import (
    OFF,
    LanePicture,
    MessagePicture,
    ServicePicture,
    ServicesPicture,
)
from cqrs_lab.tui.app import LabApp
from cqrs_lab.tui.presenter import PresenterScreen
from cqrs_lab.tui.redraw import SERVICES_REFRESH_TICKS, Redraw
from cqrs_lab.tui.screenshot import demo_lab
from cqrs_lab.tui.widgets.services_layout import BLOCK_ROWS, COMPACT_ROWS, hub_of, layout
from cqrs_lab.tui.widgets.services_view import ServicesView
from tests.tui.test_snapshots import lesson, prepared
from tests.tui.test_widgets import WidgetApp, lines, new_lab

SHOP = """
services on
payments latency fixed:2s
register alice alice@example.com s3cret-pass
add-product mug "Blue mug" 12.50 10
add-to-cart alice mug 1
"""


@asynccontextmanager
async def shown(picture: ServicesPicture, width: int = 120) -> AsyncIterator[Shown]:
    view = ServicesView()
    async with WidgetApp(view).run_test(size=(width, 30)) as pilot:
        view.show(picture)
        await pilot.pause()
        yield Shown(view, pilot)


class Shown:
    """The widget in its app, and a way to show it a new picture."""

    def __init__(self, view: ServicesView, pilot: Pilot[None]) -> None:
        self.view, self.pilot = view, pilot

    async def again(self, lab: Lab) -> list[str]:
        self.view.show(services_picture(lab))
        await self.pilot.pause()
        return self.rows()

    def rows(self) -> list[str]:
        return [line.rstrip() for line in lines(self.view)]


def run(lab: Lab, *script: str) -> None:
    for line in script:
        outcome = execute(lab, line)
        assert outcome.ok, outcome.message


def message(kind: str, order: str, to: str, remaining: float, how: str = "first") -> MessagePicture:
    source = "orders" if to != "orders" else "payments"
    return MessagePicture(f"{kind}:{order}", kind, source, to, order, how, remaining, False)


async def test_hidden_while_services_are_off() -> None:
    lab = new_lab("register alice alice@example.com s3cret-pass")
    async with shown(services_picture(lab)) as screen:
        assert services_picture(lab) == OFF
        assert not screen.view.display


async def test_a_payment_request_travels_toward_payments_and_its_answer_back() -> None:
    lab = new_lab(SHOP + "place-order alice")
    async with shown(services_picture(lab)) as screen:
        assert screen.view.display
        rows = screen.rows()
        top, out, back, counts, summary = *rows[:BLOCK_ROWS], rows[-1]
        assert top.startswith("┌ Orders ") and "┌ Payments " in top
        assert "payments fixed:2s" in top
        assert "●PaymentRequested o1 2.0s──▶ │" in out
        assert "◀" in back and "●" not in back  # nothing on its way back yet
        assert "in flight 1 · delivered 0" in counts
        assert summary.startswith("outbox on · 0 waiting · 1 relayed · 0 lost")

        lab.advance(2.5)  # Payments has answered: the answer is on its way back
        _, out, back, _ = (await screen.again(lab))[:BLOCK_ROWS]
        assert "●" not in out
        assert "│ ◀──●PaymentAccepted o1 " in back
        assert "accepted 1" in out


async def test_a_duplicate_is_marked_on_the_lane_and_skipped_by_the_inbox() -> None:
    lab = new_lab(SHOP + "payments faults dup=1\nplace-order alice")
    async with shown(services_picture(lab)) as screen:
        assert "●²PaymentRequested o1" in screen.rows()[1]
        lab.advance(10)
        rows = await screen.again(lab)
        assert rows[2].endswith("│ got 1 · 1 dup skipped      │")  # Payments' inbox
        assert rows[2 * BLOCK_ROWS - 2].startswith("│ got 2 · 1 dup skipped ")  # Orders: 2 answers
        assert "paid 1" in rows[1]


async def test_without_the_outbox_a_crash_loses_the_answer_and_says_so() -> None:
    lab = new_lab(SHOP + "outbox off\ncrash payments after-commit")
    async with shown(services_picture(lab)) as screen:
        assert "┌ Payments ✗ crash armed " in screen.rows()[0]
        run(lab, "place-order alice", "settle")
        rows = await screen.again(lab)
        assert rows[-1].startswith("outbox OFF: publish after commit")
        assert "✗ 1 lost" in rows[-1]
        assert "✗" not in rows[0]  # the crash has happened: nothing armed now


async def test_with_the_outbox_a_crashed_service_says_when_it_is_back() -> None:
    lab = new_lab(SHOP + "crash payments after-commit\nplace-order alice")
    lab.advance(2.2)  # Payments has committed its answer and crashed before publishing
    async with shown(services_picture(lab)) as screen:
        rows = screen.rows()
        assert "┌ Payments ✗ down 0.8s " in rows[0]  # back in 0.8s, in fewer words
        assert "1 waiting" in rows[-1]  # the answer waits in the outbox
        assert "●" not in rows[2]  # the restart is not a message between services


async def test_at_80_columns_the_short_words_fit() -> None:
    lab = new_lab(SHOP + "place-order alice")
    async with shown(services_picture(lab), width=80) as screen:
        rows = screen.rows()
        assert len(rows) == 2 * BLOCK_ROWS + 1  # payments, then shipping
        assert all(len(row) <= 80 for row in lines(screen.view))
        assert "1 flying · 0 deliv · 0 dup · 0 drop" in rows[3]
        assert "●PaymentRequested o1 2.0s" in rows[1]


async def test_compact_draws_two_rows_a_lane_in_shaded_boxes() -> None:
    lab = new_lab(SHOP + "place-order alice")
    async with shown(services_picture(lab), width=80) as screen:
        screen.view.compact = True
        await screen.pilot.pause()
        rows = screen.rows()
        assert len(rows) == 2 * COMPACT_ROWS + 1
        assert rows[0].startswith(" Orders") and "Payments" in rows[0]
        assert "┌" not in "".join(rows)
        assert "payments ─" in rows[0] and "●Requested o1 2.0s──▶" in rows[0]  # fewer words
        assert "◀─" in rows[1] and rows[1].endswith(" 0 dup")  # Payments: nothing skipped yet
        shade = screen.view.get_component_rich_style("services-view--shade").bgcolor
        first = next(iter(screen.view.render_line(1)))
        assert first.style is not None and first.style.bgcolor == shade


PAYMENTS = ServicePicture("payments", 3, 1, {"PaymentAccepted": 2, "PaymentDeclined": 1})
SHIPPING = ServicePicture("shipping", 2, 0, {"ShipmentRequested": 2, "OrderShipped": 1})
ORDERS = ServicePicture("orders", 4, 0, {"paid": 2, "cancelled": 1, "shipped": 1})
MANY = tuple(message("PaymentRequested", f"o{n}", "payments", n / 10) for n in range(1, 13))
TWO_LANES = ServicesPicture(
    on=True,
    services=(ORDERS, PAYMENTS, SHIPPING),
    lanes=(
        LanePicture("payments", ("orders", "payments"), "fixed:1s", "dup=0.2", MANY, 9, 0, 2),
        LanePicture("shipping", ("orders", "shipping"), "fixed:1s", "none", (), 3, 0, 0),
    ),
    sagas={"awaiting payment": 2, "shipped": 1, "compensated": 1},
)


def test_the_hub_is_the_service_every_lane_joins() -> None:
    assert hub_of(TWO_LANES) == "orders"
    assert layout(OFF, 120) == []


@pytest.mark.parametrize("width", [80, 120])
def test_every_lane_has_its_far_service_beside_it_and_the_sagas_are_counted(width: int) -> None:
    rows = ["".join(text for text, _ in row) for row in layout(TWO_LANES, width)]
    assert all(len(row) == width for row in rows)
    assert len(rows) == 2 * BLOCK_ROWS + (1 if width >= 120 else 2)  # sagas on a row of their own
    assert rows[0].startswith("┌ Orders ") and "┌ Payments " in rows[0]
    assert "┌ Shipping " in rows[BLOCK_ROWS] and "shipping fixed:1s" in rows[BLOCK_ROWS]
    assert rows[BLOCK_ROWS].startswith("│ ")  # the Orders box spans both lanes
    assert rows[2 * BLOCK_ROWS - 1].startswith("└")
    assert rows[-1].rstrip().endswith("sagas: awaiting payment 2 · compensated 1 · shipped 1")
    assert "accepted 2, declined 1 " in rows[1]  # the right-hand box is as wide as it needs
    assert "flying · 9 deliv" in rows[3] or "delivered 9" in rows[3]


def test_what_does_not_fit_on_a_track_counts_as_more() -> None:
    (_, out, *_) = ["".join(text for text, _ in row) for row in layout(TWO_LANES, 120)]
    shown_ids = [f"o{n} " for n in range(1, 13) if f"o{n} " in out]
    assert shown_ids[:1] == ["o1 "]  # the soonest due is drawn, nearest Payments
    hidden = 12 - len(shown_ids)
    assert hidden > 0 and f"+{hidden}─" in out
    assert out.index("o1 ") > out.index("o2 ")  # o1 is due first: closest to the ▶


async def test_a_lab_screen_shows_the_services_when_they_go_on(lab: Lab) -> None:
    app = LabApp(lab)
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.main.query_one(ServicesView)
        assert not view.display
        for line in (*SHOP.strip().splitlines(), "place-order alice"):
            app.main.run_line(line)
        await settle(pilot)
        assert view.display and view.compact  # a short screen: three rows a lane
        assert "●Requested o1" in "\n".join(lines(view))
        assert view.region.height == 2 * COMPACT_ROWS + 1
        app.main.run_line("services off")
        await settle(pilot)
        assert not view.display


async def settle(pilot: Pilot[None]) -> None:
    await pilot.pause()
    await pilot.pause()


SNAPSHOT = (
    "pause",
    "services on",
    "latency payments fixed:2s",
    "faults payments dup=0.5",
    "register alice alice@example.com s3cret-pass",
    'add-product mug "Blue mug" 12.50 10',
    "add-to-cart alice mug 1",
    "place-order alice",
    "advance 2.5s",
    "add-to-cart alice mug 2",
    "place-order alice",
    "advance 0.5s",
)
"""o1's answer and its duplicate on their way back to Orders, o2's request and its duplicate
on their way to Payments; two checkout sagas paying."""
SNAPSHOT_SIZES = [(80, 24), (120, 40)]


@pytest.mark.parametrize("size", SNAPSHOT_SIZES, ids=[f"{w}x{h}" for w, h in SNAPSHOT_SIZES])
def test_the_services_screen(snap_compare, size: tuple[int, int]) -> None:
    lab = demo_lab()
    try:
        assert snap_compare(LabApp(lab), terminal_size=size, run_before=prepared(*SNAPSHOT))
    finally:
        lab.close()


CHECKOUT_IN_FLIGHT = (
    "pause",
    "latency orders fixed:2s",
    "add-to-cart alice mug 1",
    "place-order alice",
    "advance 1s",
    "query orders alice",
)
"""On the outbox lesson's lab: the payment request on its way to Payments, the order on its
way to the orders projection, and the stale read that shows it."""
SMALL_SIZES = [(80, 24), (100, 30)]


@pytest.mark.parametrize("size", SMALL_SIZES, ids=[f"{w}x{h}" for w, h in SMALL_SIZES])
def test_a_checkout_in_flight_with_the_outbox_lesson_folded(
    snap_compare, size: tuple[int, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lesson 21 on step 1 (F4), folded into its line (ctrl+l), with services on: the
    services, the orders lane, and the read model beside its CRUD twin, every heading and
    value whole."""
    monkeypatch.setenv("CQRS_LAB_DATA_DIR", str(tmp_path))
    lab = demo_lab()
    try:
        app = LabApp(lab, lesson=lesson("21-transactional-outbox"))
        prepare = prepared(*CHECKOUT_IN_FLIGHT)
        keys = ["f4", "ctrl+l"]
        assert snap_compare(app, terminal_size=size, run_before=prepare, press=keys)
    finally:
        lab.close()


async def test_presenter_mode_shows_the_services_two_rows_a_lane(lab: Lab) -> None:
    app = LabApp(lab, present=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        view = app.screen.query_one(ServicesView)
        assert isinstance(app.screen, PresenterScreen) and not view.display
        for line in (*SHOP.strip().splitlines(), "place-order alice"):
            app.main.run_line(line)
        app.screen.redraw()
        await pilot.pause()
        assert view.display and view.compact
        assert view.region.height == 2 * COMPACT_ROWS + 1
        assert "●PaymentRequested o1 2.0s──▶" in lines(view)[0]


def test_presenter_mode_with_services_at_100x30(snap_compare) -> None:
    lab = demo_lab()
    try:
        app = LabApp(lab, present=True)
        assert snap_compare(app, terminal_size=(100, 30), run_before=prepared(*SNAPSHOT))
    finally:
        lab.close()


def test_the_picture_is_built_every_few_frames_or_at_once_after_a_line() -> None:
    redraw = Redraw()
    built = []
    for _ in range(3 * SERVICES_REFRESH_TICKS):
        redraw.ticks += 1
        built.append(redraw.services(now=False))
    assert built.count(True) == 3 and built[0]
    assert redraw.services(now=True)  # a line ran: the screen shows what it did at once
    redraw.forget()  # another lab: drawn at the next frame
    redraw.ticks += 1
    assert redraw.services(now=False)


async def test_the_view_grows_when_the_sagas_need_a_row_of_their_own() -> None:
    one_row = replace(TWO_LANES, sagas={"paying": 1})
    async with shown(one_row, width=80) as screen:
        assert screen.view.region.height == 2 * BLOCK_ROWS + 1
        screen.view.show(TWO_LANES)  # four states: the sagas go on a second row
        await screen.pilot.pause()
        assert screen.view.region.height == 2 * BLOCK_ROWS + 2
        assert screen.rows()[-1].startswith("sagas: awaiting payment 2")


def test_in_a_narrow_column_every_box_still_says_what_its_inbox_skipped() -> None:
    """80 columns with a lesson open leave the services 40."""
    rows = ["".join(text for text, _ in row) for row in layout(TWO_LANES, 40, compact=True)]
    assert all(len(row) == 40 for row in rows)
    assert rows[1].rstrip().endswith(" 1 dup…")  # Payments: the skipped count first
    assert rows[3].rstrip().endswith(" 0 dup…")  # Shipping
    assert rows[3].startswith(" 0 dup ")  # Orders' inbox, in the fewest words
    assert rows[2].startswith(" 1 cancel… ") and "……" not in "".join(rows)  # the count kept
    outbox = [row.rstrip() for row in rows[2 * COMPACT_ROWS :]]  # on rows, broken at ` · `
    assert outbox == [
        "outbox on · 0 waiting · 0 relayed",
        "0 lost",
        "sagas: awaiting payment 2",
        "compensated 1 · shipped 1",
    ]


def test_a_box_with_no_data_yet_says_so_in_words_that_fit() -> None:
    empty = replace(TWO_LANES, services=(replace(ORDERS, counters={}), PAYMENTS, SHIPPING))
    wide = ["".join(text for text, _ in row) for row in layout(empty, 80, compact=True)]
    narrow = ["".join(text for text, _ in row) for row in layout(empty, 40, compact=True)]
    assert wide[1].startswith(" nothing yet ") and narrow[1].startswith(" none yet ")
