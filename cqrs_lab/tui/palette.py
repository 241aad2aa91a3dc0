"""The command palette (ctrl+p): every lab action, found by a few letters of its name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from cqrs_lab import script as sc
from cqrs_lab.read.view_specs import DEFAULT_LATENCY
from cqrs_lab.tui.speeds import PALETTE_SPEEDS

if TYPE_CHECKING:
    from cqrs_lab.tui.app import LabApp

LATENCY_PRESETS = ("zero", "fixed:2s", "exp:800ms", "uniform:100ms..2s", "lognormal:300ms,0.8")
FAULT_PRESETS = ("none", "drop=0.2", "dup=0.2", "reorder=on", "drop=0.2 lost=on")
OPEN_LESSON_ACTIONS = (
    ("hint", "Lesson: next hint", "the step's next hint, one at a time (F2, h)"),
    ("show_me", "Lesson: show me", "play the step's solution; the step counts as shown (F3)"),
    ("next", "Lesson: next step", "go on to the next step (F4, ])"),
    ("previous", "Lesson: previous step", "back to the step before ([)"),
    ("reset", "Lesson: start over…", "empty the lab and start again from step 1 (asks first)"),
    ("close", "Lesson: close", "hide the lesson panel; your progress is kept"),
)


@dataclass(frozen=True, slots=True)
class PaletteAction:
    title: str
    help: str
    run: Callable[[], object]


def lab_actions(app: LabApp) -> list[PaletteAction]:
    """Every action of the lab screen, as the palette lists them."""

    def line(text: str) -> Callable[[], object]:
        return lambda: app.run_line(text)

    actions = [
        PaletteAction("Pause", "stop the lab clock (F5, space)", line("pause")),
        PaletteAction("Resume", "start the lab clock again (F5, space)", line("resume")),
        PaletteAction("Step", "deliver the next event in flight (F6, n)", line("step")),
        PaletteAction("Slower", "halve the lab speed (F7, -)", app.action_slower),
        PaletteAction("Faster", "double the lab speed (F8, +)", app.action_faster),
        PaletteAction("Settle", "run until nothing is in flight", line("settle")),
        *(
            PaletteAction(
                f"Speed x{speed:g}", f"lab time {speed:g} times real time", line(f"speed {speed:g}")
            )
            for speed in PALETTE_SPEEDS
        ),
        PaletteAction("Reset the lab…", "forget every event (asks first)", app.action_reset),
        PaletteAction("Help", "keys and the script language (F1, ?)", app.action_help),
        PaletteAction("Forms", "show or hide the shop command forms (F2)", app.action_toggle_forms),
        PaletteAction("Command bar", "type a lab line (:)", app.action_focus_bar),
        PaletteAction(
            "Time travel…",
            "the views as of an earlier event; fork the lab from there (F9, T)",
            app.action_time_travel,
        ),
        PaletteAction(
            "Trace an event…",
            "command, events, deliveries and projection updates, with times (t)",
            app.action_trace,
        ),
        PaletteAction(
            "Predict, then release…",
            "hold the view's lane, predict what it will show, release and see (p)",
            app.action_predict,
        ),
    ]
    for view in sc.VIEW_NAMES:
        actions.append(
            PaletteAction(
                f"View {view}",
                f"show the {view} projection beside its CRUD twin",
                lambda view=view: app.select_view(view),
            )  # type: ignore[misc]
        )
    for lane in sc.LANES:
        actions.extend(_lane_actions(app, lane, line))
    actions.extend(lesson_actions(app))
    return actions


def lesson_actions(app: LabApp) -> list[PaletteAction]:
    """The lesson list, every lesson, and the actions of the lesson open now."""
    panel = app.lesson
    actions = [
        PaletteAction(
            "Lessons…", "choose a lesson: new, started or done (F4 when none is open)", panel.choose
        )
    ]
    if panel.is_open:
        actions += [
            PaletteAction(title, text, lambda action=action: panel.act(action))  # type: ignore[misc]
            for action, title, text in OPEN_LESSON_ACTIONS
        ]
    actions += [
        PaletteAction(
            f"Lesson {lesson.order}: {lesson.title}",
            lesson.summary,
            lambda lesson=lesson: panel.request_open(lesson),  # type: ignore[misc]
        )
        for lesson in panel.catalog.lessons
    ]
    return actions


def _lane_actions(
    app: LabApp, lane: str, line: Callable[[str], Callable[[], object]]
) -> list[PaletteAction]:
    actions = [
        PaletteAction(
            f"Rebuild {lane}",
            "clear the projection and replay the store (r)",
            lambda: app.start_rebuild(lane),
        ),
        PaletteAction(
            f"Lane settings {lane}…",
            "edit latency and faults (l)",
            lambda: app.open_lane_settings(lane),
        ),
        PaletteAction(
            f"Mode {lane} inline",
            "update it in the command's transaction",
            line(f"mode {lane} inline"),
        ),
        PaletteAction(
            f"Mode {lane} async", "update it through the bus", line(f"mode {lane} async")
        ),
        PaletteAction(
            f"Latency {lane} default",
            DEFAULT_LATENCY[lane],
            line(f"latency {lane} {DEFAULT_LATENCY[lane]}"),
        ),
    ]
    actions += [
        PaletteAction(
            f"Latency {lane} {spec}", f"latency {lane} {spec}", line(f"latency {lane} {spec}")
        )
        for spec in LATENCY_PRESETS
    ]
    for spec in FAULT_PRESETS:
        text = f"faults {lane} {spec}" if spec == "none" else f"faults {lane} none {spec}"
        actions.append(PaletteAction(f"Faults {lane} {spec}", text, line(text)))
    return actions


class LabCommands(Provider):
    """The palette's source of lab actions."""

    def _actions(self) -> list[PaletteAction]:
        from cqrs_lab.tui.app import LabApp

        return lab_actions(self.app) if isinstance(self.app, LabApp) else []

    async def discover(self) -> Hits:
        for action in self._actions():
            yield DiscoveryHit(action.title, action.run, help=action.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for action in self._actions():
            score = matcher.match(action.title)
            if score > 0:
                yield Hit(score, matcher.highlight(action.title), action.run, help=action.help)
