"""The base of the dialogs that close with nothing to say: Escape or their close button."""

from __future__ import annotations

from typing import TypeVar

from textual import on
from textual.screen import ModalScreen
from textual.widgets import Button

Result = TypeVar("Result")

CLOSE = "dialog-close"
"""The class of the button that closes the dialog."""


class ClosingDialog(ModalScreen[Result | None]):
    """Dismissed with None by the `close` action (bound to Escape by each dialog) or by its
    button of the class `CLOSE`."""

    @on(Button.Pressed, f".{CLOSE}")
    def _close_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
