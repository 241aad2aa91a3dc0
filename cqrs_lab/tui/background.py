"""The lab screen's background work: a rebuild and a load, each with its progress row and
(the load) a stop key, and the guard that keeps the screen and the load's worker thread out
of the lab at the same time (`cqrs_lab.lab.guard`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.screen import Screen

from cqrs_lab.lab.guard import LabGuard
from cqrs_lab.tui.command_bar import CommandBar
from cqrs_lab.tui.runner import Ended, Job, JobKind, Runner
from cqrs_lab.tui.widgets.job_row import JobRow

if TYPE_CHECKING:
    from cqrs_lab.lab import Lab
    from cqrs_lab.tui.redraw import Redraw

JOB_KINDS: tuple[JobKind, ...] = ("rebuild", "load")


class BackgroundWork(Screen[None]):
    """Starts, shows and stops the jobs of `runner` on `lab`; `guard` is held around every
    use of the lab from the screen's thread."""

    lab: Lab
    redraw: Redraw
    refresh_screen: Callable[..., None]
    """Draws the lab on every widget (the lab screen's)."""

    def __init__(self) -> None:
        super().__init__()
        self.runner = Runner()
        self.guard = LabGuard()

    def start_rebuild(self, lane: str) -> None:
        """Rebuild a projection (or every one: `all`) one batch per frame, with a progress
        bar, so a large store never freezes the screen."""
        with self.guard:
            self._begin(self.runner.rebuild(self.lab, lane))

    def start_load(self, rate: float, duration: float) -> None:
        """Run a Poisson workload (`load RATE/s for DURATION`) in a worker thread, with a
        progress bar and a stop key."""
        with self.guard:
            self._begin(self.runner.load(self.lab, self.guard, rate, duration))

    def _begin(self, job: Job | str) -> None:
        bar = self.query_one(CommandBar)
        if isinstance(job, str):
            bar.show_result(job, ok=False)
            return
        progress = job.progress()
        self.query_one(f"#{job.kind}-row", JobRow).begin(progress.label, progress.total)
        if job.note:
            self.app.refresh_bindings()  # the stop key
            bar.show_note(job.note)
        self.refresh_screen(views_now=True)

    def _show_progress(self) -> None:
        for kind in JOB_KINDS:
            progress = self.runner.progress(kind)
            if progress is not None and progress.total is not None:
                row = self.query_one(f"#{kind}-row", JobRow)
                row.show(progress.label, progress.done, progress.total)

    def action_stop_load(self) -> None:
        with self.guard:
            self._ended(self.runner.stop("load"))

    def _ended(self, ended: Ended | None) -> None:
        if ended is None:
            return
        self.query_one(f"#{ended.kind}-row", JobRow).end()
        if ended.kind == "load":
            self.app.refresh_bindings()
        self.query_one(CommandBar).show_result(ended.message, ok=ended.ok)
        self.redraw.forget_views()

    def _stop_all(self) -> None:
        """Stop what runs in the background quietly (the lab it ran on is going away)."""
        with self.guard:
            for kind in JOB_KINDS:
                if self.runner.stop(kind) is not None:
                    self._ended(Ended(kind, f"{kind} stopped", False))
