"""Every step's text fits the lesson panel at 120x40 (issue 15.5): the introduction's page and
each step, opened the way a learner gets there, need no scrolling in the panel."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.containers import VerticalScroll

from cqrs_lab.lab import Lab
from cqrs_lab.lessons import Lesson, load_lessons, shipped_course
from cqrs_lab.tui.app import LabApp
from cqrs_lab.tui.lesson_panel import LessonPanel

SIZE = (120, 40)
LESSONS = load_lessons([shipped_course()]).lessons


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Progress is saved here, never in the learner's own data directory."""
    monkeypatch.setenv("CQRS_LAB_DATA_DIR", str(tmp_path))


def overflow(panel: LessonPanel) -> int:
    """How many rows of the shown text lie below the panel's text area."""
    scroll = panel.query_one("#lesson-text", VerticalScroll)
    return scroll.virtual_size.height - scroll.scrollable_content_region.height


def test_the_shipped_course_has_24_lessons() -> None:
    assert len(LESSONS) == 24


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.id for lesson in LESSONS])
async def test_every_page_of_the_lesson_fits_the_panel_at_120x40(lab: Lab, lesson: Lesson) -> None:
    app = LabApp(lab)
    too_long: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        panel = app.lesson
        for index in range(len(lesson.steps)):
            # Opened at a later step, the panel also says where it resumed: the fullest case.
            panel.open(lesson, index)
            pages = [f"step {index + 1}"]
            if panel.intro_page:
                pages.insert(0, "introduction")
            for page in pages:
                if page != pages[0]:
                    panel.next_step()  # from the introduction to step 1
                await pilot.pause()
                await pilot.pause()  # the new page's layout after the one its text asked for
                assert panel.text and panel.size.width >= 40
                if (rows := overflow(panel)) > 0:
                    too_long.append(f"{page}: {rows} rows too long")
    assert not too_long, "; ".join(too_long)
