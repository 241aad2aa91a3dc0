"""The lab screen's keys: the app's bindings (with ids, so a keymap can remap them), what
each does for the help screen, how the keymap shows them, and `KeymapApp`, the app's base,
which keeps the keymap to name the keys as it binds them. Textual only.

The lab screen's own actions are bound as `lab('NAME')`: the app hands them to the lab
screen (`LabScreen.action_NAME`), so function keys work from a dialog on top of it too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from textual.app import App
from textual.binding import Binding, BindingsMap, BindingType, Keymap


def on_single_key(binding: Binding, key: str, description: str = "") -> Binding:
    """`binding`'s action on a single key too: live only while no input has focus (so not a
    priority binding), left out of the footer, its id the function key's plus `-key`."""
    return replace(
        binding,
        key=key,
        description=description or binding.description,
        show=False,
        priority=False,
        id=f"{binding.id}-key",
    )


# Function keys work from anywhere, even in the command bar or a dialog.
_HELP = Binding("f1", "help", "Help", priority=True, id="help")
_PAUSE = Binding("f5", "lab('toggle_pause')", "Pause", priority=True, id="pause")
_STEP = Binding("f6", "lab('step')", "Step", priority=True, id="step")
_SLOWER = Binding("f7", "lab('slower')", "Slower", priority=True, id="slower")
_FASTER = Binding("f8", "lab('faster')", "Faster", priority=True, id="faster")
_TRAVEL = Binding("f9", "lab('time_travel')", "Travel", priority=True, id="time-travel")
_STOP_LOAD = Binding("ctrl+x", "lab('stop_load')", "Stop load", priority=True, id="stop-load")

BINDINGS: list[BindingType] = [
    _HELP,
    # The lesson keys (F2 hint, F3, F4, h, [, ]) join around F2 forms when the lab opens.
    Binding("f2", "lab('toggle_forms')", "Forms", priority=True, id="forms"),
    _PAUSE,
    _STEP,
    _SLOWER,
    _FASTER,
    _TRAVEL,
    Binding("f10", "present", "Present", priority=True, id="present"),
    Binding("ctrl+p", "command_palette", "Palette", show=False, priority=True, id="palette"),
    Binding("ctrl+q", "quit", "Quit", priority=True, id="quit"),
    # Single keys: only when no input has focus (Escape leaves the bar).
    Binding("escape", "lab('leave_bar')", "Leave bar", show=False, id="leave-bar"),
    on_single_key(_PAUSE, "space"),
    on_single_key(_STEP, "n"),
    on_single_key(_SLOWER, "minus"),
    on_single_key(_FASTER, "plus,equals_sign"),
    on_single_key(_HELP, "question_mark"),
    Binding("r", "lab('rebuild')", "Rebuild", id="rebuild"),
    _STOP_LOAD,
    on_single_key(_STOP_LOAD, "x"),
    Binding("l", "lab('lane_settings')", "Lane", id="lane-settings"),
    Binding("colon", "lab('focus_bar')", "Bar", id="focus-bar"),
    on_single_key(_TRAVEL, "T", "Time travel"),
    Binding("t", "lab('trace')", "Trace", id="trace"),
    Binding("p", "lab('predict')", "Predict", id="predict"),
]
KEY_HELP = {
    "help": "this help",
    "lab('toggle_forms')": "show or hide the shop command forms",
    "lab('toggle_pause')": "pause or resume the lab clock",
    "lab('step')": "deliver the next event in flight (moves lab time to it)",
    "lab('slower')": "slow the lab clock down",
    "lab('faster')": "speed the lab clock up",
    "command_palette": "command palette: every lab action",
    "lab('leave_bar')": "leave the command bar (then the single keys work)",
    "lab('focus_bar')": "back to the command bar",
    "lab('rebuild')": "rebuild the selected lane's projection",
    "lab('stop_load')": "stop the load running in the background (`load RATE/s for DURATION`)",
    "lab('lane_settings')": "latency and faults of the selected lane",
    "lab('time_travel')": (
        "time travel: rewind the bus and the views to any moment; fork from there"
    ),
    "present": "presenter mode: big, high contrast, the two tables and their lane only",
    "lab('trace')": "causation trace of the event under the log's cursor (or the newest)",
    "lab('predict')": "hold the view's lane, predict what it will show, then release",
    "quit": "quit",
}
"""What each action does, for the help screen (with the lesson panel's `LESSON_KEY_HELP`)."""
MODE_KEYS = ("pause-key", "step-key", "slower-key", "faster-key", "help-key", "focus-bar")
"""The single keys the status line names while they are live (focus off every input)."""
LAB_ACTIONS = frozenset(
    binding.action.partition("(")[0] for binding in BINDINGS if isinstance(binding, Binding)
) - {"quit"}
"""The actions that need the lab (`lab`, `help`, `command_palette`): off until it is open."""

Display = Callable[[Binding], str]


def join_lesson_keys(
    bound: BindingsMap, hint: Binding, lesson_keys: Sequence[Binding]
) -> BindingsMap:
    """`bound` (the map Textual built from BINDINGS) with the lesson keys where
    `with_lesson_keys` puts them."""
    bindings = [binding for bindings in bound.key_to_bindings.values() for binding in bindings]
    return BindingsMap(with_lesson_keys(bindings, hint, lesson_keys))


def binding_ids(bound: BindingsMap) -> set[str]:
    """The ids a keymap may name."""
    return {
        binding.id
        for bindings in bound.key_to_bindings.values()
        for binding in bindings
        if binding.id
    }


def with_lesson_keys(
    bindings: Sequence[BindingType], hint: Binding, lesson_keys: Sequence[Binding]
) -> list[BindingType]:
    """`bindings` with the lesson keys where they belong: F2 hint before F2 forms, the rest
    after it."""
    keys: list[BindingType] = []
    for binding in bindings:
        if isinstance(binding, Binding) and binding.id == "forms":
            keys += [hint, binding, *lesson_keys]
        else:
            keys.append(binding)
    return keys


def shown_keys(binding: Binding, keymap: Keymap, display: Display) -> list[str]:
    """The keys `binding` has under `keymap`, as the footer shows them."""
    keys = keymap.get(binding.id or "", binding.key)
    return [display(replace(binding, key=key.strip())) for key in keys.split(",")]


def single_keys(bindings: Sequence[BindingType], keymap: Keymap, display: Display) -> str:
    """The single keys of MODE_KEYS as the keymap sets them ('space n - + ? :')."""
    return " ".join(
        shown_keys(binding, keymap, display)[0]
        for binding in bindings
        if isinstance(binding, Binding) and binding.id in MODE_KEYS
    )


def key_help(
    bindings: Sequence[BindingType], keymap: Keymap, display: Display, more: dict[str, str]
) -> list[tuple[str, str]]:
    """(keys, what they do) for the help screen, with the keymap applied; what the actions
    not in KEY_HELP do is in `more`."""
    said = KEY_HELP | more
    keys: dict[str, list[str]] = {}
    for binding in bindings:
        assert isinstance(binding, Binding)
        keys.setdefault(binding.action, []).extend(shown_keys(binding, keymap, display))
    return [(" / ".join(shown), said.get(action, action)) for action, shown in keys.items()]


class KeymapApp(App[None]):
    """An app that keeps its keymap as given, to name its keys as the keymap binds them."""

    def __init__(self) -> None:
        super().__init__()
        self.keymap: Keymap = {}

    def set_keymap(self, keymap: Keymap) -> None:
        self.keymap = dict(keymap)
        super().set_keymap(keymap)

    def update_keymap(self, keymap: Keymap) -> None:
        self.keymap = {**self.keymap, **keymap}
        super().update_keymap(keymap)

    def get_key_display(self, binding: Binding) -> str:
        """Function keys as F1, F5... (as printed on keyboards)."""
        shown = super().get_key_display(binding)
        return shown.upper() if re.fullmatch(r"f[0-9]{1,2}", shown) else shown

    def single_keys(self) -> str:
        """The single keys the status line names ('space n - + ? :'), as the keymap sets."""
        return single_keys(self.BINDINGS, self.keymap, self.get_key_display)

    def keys_for(self, action: str) -> str:
        """The keys bound to `action` now, as the keymap sets them: 'F5, space' ('' if none)."""
        return ", ".join(
            key
            for bindings in self._bindings.key_to_bindings.values()
            for binding in bindings
            if binding.action == action
            for key in shown_keys(binding, self.keymap, self.get_key_display)
        )
