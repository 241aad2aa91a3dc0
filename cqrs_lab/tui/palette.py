"""The command palette (ctrl+p): every lab action, found by a few letters of its name.

The app yields these from `App.get_system_commands`, beside Textual's own (theme, keys,
screenshot, quit), as Textual's own apps add theirs."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.app import SystemCommand

from cqrs_lab import script as sc
from cqrs_lab.read.view_specs import DEFAULT_LATENCY
from cqrs_lab.tui.keys import KeymapApp
from cqrs_lab.tui.speeds import PALETTE_SPEEDS

if TYPE_CHECKING:
    from cqrs_lab.tui.lab_screen import LabScreen

LATENCY_PRESETS = ("zero", "fixed:2s", "exp:800ms", "uniform:100ms..2s", "lognormal:300ms,0.8")
FAULT_PRESETS = ("none", "drop=0.2", "dup=0.2", "reorder=on", "drop=0.2 lost=on")
OPEN_LESSON_ACTIONS = (
    ("hint", "Lesson: next hint", "the step's next hint, one at a time"),
    ("show_me", "Lesson: show me", "play the step's solution; the step counts as shown"),
    ("next", "Lesson: next step", "go on to the next step"),
    ("previous", "Lesson: previous step", "back to the step before"),
    ("reset", "Lesson: start over…", "empty the lab and start again from step 1 (asks first)"),
    ("close", "Lesson: close", "hide the lesson panel; your progress is kept"),
)
"""What each does; the keys bound to it are added as the keymap sets them (`keyed`)."""


def keyed(screen: LabScreen, text: str, action: str, when: str = "") -> str:
    """`text`, with the keys that do `action` as the app's keymap binds them: 'stop the lab
    clock (F5, space)'. `when`: while they do it ('when none is open')."""
    app = screen.app
    assert isinstance(app, KeymapApp)
    keys = app.keys_for(action)
    if not keys:
        return text
    return f"{text} ({keys} {when})" if when else f"{text} ({keys})"


def lab_actions(screen: LabScreen) -> list[SystemCommand]:
    """Every action of the lab screen, as the palette lists them."""

    def line(text: str) -> Callable[[], object]:
        return lambda: screen.run_line(text)

    def lab(text: str, name: str) -> str:
        return keyed(screen, text, f"lab('{name}')")

    actions = [
        SystemCommand("Pause", lab("stop the lab clock", "toggle_pause"), line("pause")),
        SystemCommand("Resume", lab("start the lab clock again", "toggle_pause"), line("resume")),
        SystemCommand("Step", lab("deliver the next event in flight", "step"), line("step")),
        SystemCommand("Slower", lab("halve the lab speed", "slower"), screen.action_slower),
        SystemCommand("Faster", lab("double the lab speed", "faster"), screen.action_faster),
        SystemCommand("Settle", "run until nothing is in flight", line("settle")),
        *(
            SystemCommand(
                f"Speed x{speed:g}", f"lab time {speed:g} times real time", line(f"speed {speed:g}")
            )
            for speed in PALETTE_SPEEDS
        ),
        SystemCommand("Reset the lab…", "forget every event (asks first)", line("reset")),
        SystemCommand(
            "Help",
            keyed(screen, "keys and the script language", "help"),
            lambda: screen.app.run_action("help"),
        ),
        SystemCommand(
            "Forms",
            lab("show or hide the shop command forms", "toggle_forms"),
            screen.action_toggle_forms,
        ),
        SystemCommand("Command bar", lab("type a lab line", "focus_bar"), screen.action_focus_bar),
        SystemCommand(
            "Time travel…",
            lab("the views as of an earlier event; fork the lab from there", "time_travel"),
            screen.action_time_travel,
        ),
        SystemCommand(
            "Trace an event…",
            lab("command, events, deliveries and projection updates, with times", "trace"),
            screen.action_trace,
        ),
        SystemCommand(
            "Predict, then release…",
            lab("hold the view's lane, predict what it will show, release and see", "predict"),
            screen.action_predict,
        ),
    ]
    for view in sc.VIEW_NAMES:
        actions.append(
            SystemCommand(
                f"View {view}",
                f"show the {view} projection beside its CRUD twin",
                lambda view=view: screen.select_view(view),
            )  # type: ignore[misc]
        )
    for lane in sc.LANES:
        actions.extend(_lane_actions(screen, lane, line))
    actions.extend(lesson_actions(screen))
    return actions


def lesson_actions(screen: LabScreen) -> list[SystemCommand]:
    """The lesson list, every lesson, and the actions of the lesson open now."""
    panel = screen.lesson
    actions = [
        SystemCommand(
            "Lessons…",
            keyed(screen, "choose a lesson: new, started or done", "lessons", "when none is open"),
            panel.choose,
        )
    ]
    if panel.is_open:
        actions += [
            SystemCommand(
                title,
                keyed(screen, text, f"lesson('{action}')"),
                lambda action=action: panel.act(action),  # type: ignore[misc]
            )
            for action, title, text in OPEN_LESSON_ACTIONS
        ]
    actions += [
        SystemCommand(
            f"Lesson {lesson.order}: {lesson.title}",
            lesson.summary,
            lambda lesson=lesson: panel.request_open(lesson),  # type: ignore[misc]
        )
        for lesson in panel.catalog.lessons
    ]
    return actions


def _lane_actions(
    screen: LabScreen, lane: str, line: Callable[[str], Callable[[], object]]
) -> list[SystemCommand]:
    actions = [
        SystemCommand(
            f"Rebuild {lane}",
            keyed(screen, "clear the projection and replay the store", "lab('rebuild')"),
            lambda: screen.start_rebuild(lane),
        ),
        SystemCommand(
            f"Lane settings {lane}…",
            keyed(screen, "edit latency and faults", "lab('lane_settings')"),
            lambda: screen.open_lane_settings(lane),
        ),
        SystemCommand(
            f"Mode {lane} inline",
            "update it in the command's transaction",
            line(f"mode {lane} inline"),
        ),
        SystemCommand(
            f"Mode {lane} async", "update it through the bus", line(f"mode {lane} async")
        ),
        SystemCommand(
            f"Latency {lane} default",
            DEFAULT_LATENCY[lane],
            line(f"latency {lane} {DEFAULT_LATENCY[lane]}"),
        ),
    ]
    actions += [
        SystemCommand(
            f"Latency {lane} {spec}", f"latency {lane} {spec}", line(f"latency {lane} {spec}")
        )
        for spec in LATENCY_PRESETS
    ]
    for spec in FAULT_PRESETS:
        text = f"faults {lane} {spec}" if spec == "none" else f"faults {lane} none {spec}"
        actions.append(SystemCommand(f"Faults {lane} {spec}", text, line(text)))
    return actions
