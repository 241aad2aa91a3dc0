"""A load on the lab screen runs in a worker thread: typing goes on while it sends, what it
says when done matches the metrics strip, the Lab is never used by two threads at once, a
failing load is one line on the screen, registrations hashed ahead let their users in, and a
busy lab's view panel is redrawn less often.

The lab clock runs on a fake wall the test moves (see test_background.py's `frame`).
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from itertools import pairwise
from typing import Any

import pytest

from cqrs_lab.lab import Lab
from cqrs_lab.lab.guard import LabGuard
from cqrs_lab.lab.snapshot import LabSnapshot
from cqrs_lab.shop.workload import PASSWORD
from cqrs_lab.tui.app import LabApp
from cqrs_lab.tui.redraw import BUSY_IN_FLIGHT, BUSY_VIEW_REFRESH_TICKS, VIEW_REFRESH_TICKS, Redraw
from cqrs_lab.tui.runner import LoadJob
from cqrs_lab.tui.widgets import MetricsStrip
from tests.tui.conftest import FakeWall
from tests.tui.test_app import SIZE, send, text_of
from tests.tui.test_background import frame, message

GUARDED = ("send", "query", "tick", "flush", "snapshot", "poll_store", "new_order_id")
"""Lab methods the screen and the load's worker both call."""


def load_job(app: LabApp) -> LoadJob:
    job = app.main.runner.jobs["load"]
    assert isinstance(job, LoadJob)
    return job


async def test_typing_while_a_load_sends_keeps_every_character_in_order(
    lab: Lab, wall: FakeWall
) -> None:
    app = LabApp(lab, refresh_hz=0)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "load 200/s for 10s")
        worker = load_job(app).worker
        typed = "query orders"
        heads = []
        for char in typed:
            wall.now += 0.2  # 40 requests fall due
            worker.wake()  # ... and the worker sends them while the key is handled
            await pilot.press("space" if char == " " else char)
            heads.append(lab.head)
        assert worker.wait_idle(timeout=30)
        assert app.bar.input.value == typed
        assert heads[-1] > heads[0] > 0  # the load went on while the keys came in
        await pilot.press("ctrl+x")


async def test_the_summary_of_a_load_matches_the_metrics_strip(lab: Lab, wall: FakeWall) -> None:
    app = LabApp(lab, refresh_hz=0)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "load 100/s for 3s")
        for _ in range(4):
            await frame(pilot, wall, 1.0)
        said = message(app)
        assert said.startswith("✓ load done: 100/s for 3s")
        found = re.search(r"([\d,]+) commands accepted, ([\d,]+) refused.*?([\d,]+) queries", said)
        assert found is not None, said
        accepted, refused, queries = (int(n.replace(",", "")) for n in found.groups())
        assert accepted > 0 and queries > 0
        strip = " ".join(text_of(app.query_one(MetricsStrip)).split())
        assert f"commands {accepted} ok · {refused} rejected" in strip
        assert re.search(rf"queries {queries}\b", strip), strip


def guarded(
    lab: Lab, guard: LabGuard, threads: Counter[str], unguarded: list[str]
) -> Callable[[str], None]:
    """Wrap `lab`'s GUARDED methods: each call counts its thread, and one made by a thread
    not holding `guard` (or while another thread is inside the lab) is recorded."""
    inside: list[int] = []

    def wrap(name: str) -> None:
        method = getattr(lab, name)

        def checked(*args: Any, **kwargs: Any) -> Any:
            me = threading.get_ident()
            threads[threading.current_thread().name] += 1
            if not guard.held() or any(other != me for other in inside):
                unguarded.append(f"{name} on {threading.current_thread().name}")
            inside.append(me)
            try:
                return method(*args, **kwargs)
            finally:
                inside.remove(me)

        setattr(lab, name, checked)

    return wrap


async def test_the_lab_is_used_by_one_thread_at_a_time(lab: Lab, wall: FakeWall) -> None:
    app = LabApp(lab, refresh_hz=0)
    async with app.run_test(size=SIZE) as pilot:
        threads: Counter[str] = Counter()
        unguarded: list[str] = []
        wrap = guarded(lab, app.main.guard, threads, unguarded)
        for name in GUARDED:
            wrap(name)
        await send(pilot, "load 300/s for 2s")
        worker = load_job(app).worker
        for step in range(20):  # frames, lines and keys while the worker sends
            wall.now += 0.1
            worker.wake()
            app.main.tick()
            if step % 5 == 0:
                await send(pilot, "query catalog")
            elif step % 2:
                await pilot.press("q")
        await frame(pilot, wall, 1.0)
        assert unguarded == []
        assert "load done" in message(app)
        assert threads["cqrs-lab-load"] > 500 and threads["MainThread"] > 20


async def test_a_load_that_fails_in_its_worker_says_so_in_one_line(
    lab: Lab, wall: FakeWall, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = LabApp(lab, refresh_hz=0)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "load 50/s for 10s")
        await frame(pilot, wall, 1.0)
        sent = lab.head

        def broken(*args: object, **kwargs: object) -> None:
            raise OSError("disk gone")

        monkeypatch.setattr(lab, "send", broken)
        await frame(pilot, wall, 1.0)
        await frame(pilot, wall)
        assert message(app).startswith("✗ the load failed: disk gone (load stopped: 50/s")
        assert not app.query_one("#load-row").display
        await frame(pilot, wall, 5.0)
        assert lab.head == sent


async def test_a_loads_registrations_hashed_ahead_let_their_users_log_in(
    lab: Lab, wall: FakeWall
) -> None:
    own = lab.credentials
    app = LabApp(lab, refresh_hz=0)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "load 100/s for 2s")
        assert lab.credentials is not own  # the load's hashes stand in meanwhile
        for _ in range(3):
            await frame(pilot, wall, 1.0)
        assert "load done" in message(app)
        assert lab.credentials is own
        users = [user for user in app.main.names.vocabulary.users if user != "alice"]
        registered = lab.metrics.accepted["register"]
        assert registered > 0 and users
        assert all(lab.login(user, PASSWORD) for user in users[:3])
        assert not lab.login(users[0], "not-the-password")


def test_a_busy_lab_redraws_its_view_panel_about_once_a_second(lab: Lab) -> None:
    """Hundreds of deliveries in flight (a load): the view panel's tables and layout would
    cost more than a frame, so they wait BUSY_VIEW_REFRESH_TICKS ticks, not VIEW_REFRESH_TICKS."""
    idle = lab.snapshot()
    flying = tuple(range(BUSY_IN_FLIGHT + 1))  # only counted
    busy = replace(idle, lanes=(replace(idle.lanes[0], in_flight=flying), *idle.lanes[1:]))

    def redrawn_at(snapshot: LabSnapshot) -> list[int]:
        redraw, drawn = Redraw(), []
        for tick in range(2 * BUSY_VIEW_REFRESH_TICKS):
            redraw.ticks = tick
            moved = replace(snapshot, head=tick)  # something changed every tick
            if redraw.views(moved, "catalog", "", now=False):
                drawn.append(tick)
        return drawn

    def gaps(ticks: list[int]) -> set[int]:
        return {later - earlier for earlier, later in pairwise(ticks)}

    assert gaps(redrawn_at(idle)) == {VIEW_REFRESH_TICKS}
    assert gaps(redrawn_at(busy)) == {BUSY_VIEW_REFRESH_TICKS}
