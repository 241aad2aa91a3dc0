"""Where keys go, in words, for the status line: into an input (typing), or to the lab's
single keys (the keymap's names for them)."""

from __future__ import annotations

from collections.abc import Callable

from textual.widget import Widget
from textual.widgets import Input

from cqrs_lab.tui.forms import in_form


def key_mode(focused: Widget | None, bar: Input, single_keys: Callable[[], str]) -> str:
    """`focused` is the screen's; `bar` the command bar's input; `single_keys` names the
    keys (asked only when they are the ones that work)."""
    if in_form(focused):
        return "typing: form · Esc bar"
    if isinstance(focused, Input):
        where = "bar" if focused is bar else "input"
        return f"typing: {where} · Esc keys"
    return f"keys: {single_keys()}"
