"""The lab screen at 80x24 and 100x30 with a lesson open: ctrl+l folds the lesson panel into
one line under the lab, so the read model and its CRUD twin get its columns side by side; a
new step, a hint or a click unfolds it. With services on, a screen under 30 rows draws only
the bus lane of the view shown. And the status line stays whole at 80 columns."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from cqrs_lab.lab import Lab
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.lessons import LessonRun, load_lessons, shipped_course
from cqrs_lab.tui.app import LabApp
from cqrs_lab.tui.lesson_fold import Folded, FoldLine, fitted, folded
from cqrs_lab.tui.status_line import status_text
from cqrs_lab.tui.widgets import BusView, EventLog, ServicesView, ViewPanel
from tests.tui.test_widgets import lines

LESSONS = {lesson.id: lesson for lesson in load_lessons([shipped_course()]).lessons}
OUTBOX = LESSONS["21-transactional-outbox"]
CHECKOUT = ("pause", "latency orders fixed:2s", "add-to-cart alice mug 1", "place-order alice")
"""An order placed on the outbox lesson's lab: its payment request on the payments lane, the
order on its way to the orders projection (2 s)."""


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Progress is saved here, never in the learner's own data directory."""
    monkeypatch.setenv("CQRS_LAB_DATA_DIR", str(tmp_path))


async def opened(pilot: Pilot[None], *script: str) -> LabApp:
    """The app with its lesson on step 1 (past the introduction), `script` run."""
    app = pilot.app
    assert isinstance(app, LabApp)
    await pilot.pause()
    app.lesson.next_step()
    for line in script:
        app.main.run_line(line)
    await pilot.pause()
    return app


async def test_ctrl_l_folds_the_panel_into_a_line_and_the_tables_get_its_columns(lab: Lab) -> None:
    app = LabApp(lab, lesson=OUTBOX)
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot, *CHECKOUT, "query orders alice")
        panel, view = app.lesson, app.main.query_one(ViewPanel)
        assert panel.region.width == 40 and view.region.width == 40  # open: the twin below

        await pilot.press("ctrl+l")
        assert panel.folded and panel.region.height == 1
        assert panel.region.y == 22  # the last line above the footer
        assert view.region.width == 80
        text = lines(panel.query_one(FoldLine))[0]
        assert "Step 1 of 3: Save, then publish │ goal ☐ 0 of 2 done │ ^l: unfold" in text
        drawn = "\n".join(lines(view))
        assert "Read model (projection)  ✗ STALE" in drawn
        assert "CRUD twin — always current" in drawn.splitlines()[1]  # beside, not below

        await pilot.press("ctrl+l")
        assert not panel.folded and panel.region.width == 40


async def test_a_new_step_a_hint_or_a_click_unfolds_it(lab: Lab) -> None:
    app = LabApp(lab, lesson=OUTBOX)
    async with app.run_test(size=(80, 24)) as pilot:
        panel = (await opened(pilot)).lesson
        for unfold in ("f2", "f4", "click"):
            panel.folded = True
            await pilot.pause()
            if unfold == "click":
                await pilot.click(FoldLine)
            else:
                await pilot.press(unfold)
            assert not panel.folded, unfold
        assert panel.run is not None and panel.run.step_index == 1  # F4 went on


async def test_the_line_says_where_the_learner_is_and_what_is_next(lab: Lab) -> None:
    run = LessonRun(lab, OUTBOX)
    run.start(0)
    try:
        intro = folded(run, None, intro=True)
        assert (intro.step, intro.goal) == ("Introduction", "F4: step 1, Save, then publish")
        step = folded(run, run.checker.status() if run.checker else None, intro=False)
        assert step == Folded(
            "21. The transactional outbox", "Step 1 of 3", "Save, then publish",
            "goal ☐ 0 of 2 done", met=False,
        )  # fmt: skip
        for line in OUTBOX.steps[0].solution:
            assert execute(lab, line).ok, line
        run.check()
        solved = folded(run, run.checker.status() if run.checker else None, intro=False)
        assert solved.met and solved.goal == "✓ solved, F4: step 2"
    finally:
        run.close()


def test_the_line_drops_the_lesson_title_first_then_the_step_title_never_a_word() -> None:
    line = Folded("21. The transactional outbox", "Step 1 of 3", "Save, then publish", "g", False)
    full = " 21. The transactional outbox │ Step 1 of 3: Save, then publish │ g │ ^l: unfold"
    assert fitted(line, 120).plain == full
    assert fitted(line, len(full)).plain == full
    assert fitted(line, len(full) - 1).plain == " Step 1 of 3: Save, then publish │ g │ ^l: unfold"
    assert fitted(line, 30).plain == " Step 1 of 3 │ g │ ^l: unfold"


async def test_with_services_on_a_short_screen_draws_the_lane_of_the_view_only(lab: Lab) -> None:
    app = LabApp(lab, lesson=OUTBOX)
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot, *CHECKOUT, "query orders alice")
        await pilot.press("ctrl+l")
        bus = app.main.query_one(BusView)
        assert app.main.query_one(ServicesView).display
        assert [row.split()[:2] for row in lines(bus)] == [["▶", "orders"]]
        app.main.select_view("catalog")
        await pilot.pause()
        assert [row.split()[0] for row in lines(bus)] == ["catalog", "▶"]  # and the selected
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        app.main.refresh_screen()
        await pilot.pause()
        assert len(lines(bus)) == 4  # 30 rows: every lane


def test_the_status_line_leaves_out_the_seed_first_and_stays_whole(lab: Lab) -> None:
    snapshot = lab.snapshot()
    full = status_text(snapshot, "orders", "typing: bar · Esc keys").plain
    assert full.startswith(" CQRS Lab │ t=0.0s │ ▶ running speed x1 │ seed 7 │ head #0 │")
    assert full.endswith("│ lane: orders │ typing: bar · Esc keys ")
    narrower = status_text(snapshot, "orders", "typing: bar · Esc keys", width=len(full) - 1)
    assert narrower.plain == full.replace(" seed 7 │", "")
    at_80 = status_text(snapshot, "orders", "typing: bar · Esc keys", width=80).plain
    assert len(at_80) <= 80 and at_80.rstrip().endswith("typing: bar · Esc keys")
    assert "t=0.0s" in at_80 and "0 in flight" in at_80
    beside_a_lesson = status_text(snapshot, "orders", "typing: bar · Esc keys", width=40).plain
    assert beside_a_lesson == " t=0.0s │ ▶ running │ typing: bar "  # 80x24, the panel open


@pytest.mark.parametrize(
    ("width", "log_open", "log_folded"), [(120, 0, 40), (140, 0, 47), (160, 36, 72), (200, 36, 72)]
)
async def test_the_event_log_gives_room_to_the_panel_only_while_it_stands_beside_the_lab(
    lab: Lab, width: int, log_open: int, log_folded: int
) -> None:
    app = LabApp(lab, lesson=OUTBOX)
    async with app.run_test(size=(width, 40)) as pilot:
        await opened(pilot)
        log, view = app.main.query_one(EventLog), app.main.query_one(ViewPanel)
        assert (log.region.width if log.display else 0) == log_open
        assert view.region.width >= 76  # both tables whole beside the panel
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert log.display and log.region.width == log_folded  # folded: its room again
        assert view.region.width >= 79
