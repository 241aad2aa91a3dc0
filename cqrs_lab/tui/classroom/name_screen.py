"""The first thing a `serve --classroom` visitor sees: their name, asked before the lab opens.

Enter tries the name (`seat`, which seats it in the classroom); a name the classroom refuses
(taken, not a name, the classroom closed meanwhile) is one line under the field, and the
visitor tries another. The screen ends with the name it seated.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from cqrs_lab.store.errors import StoreError


class NameScreen(ModalScreen[str]):
    DEFAULT_CSS = """
    NameScreen {
        align: center middle;
    }
    NameScreen > Vertical {
        width: 60;
        height: auto;
        padding: 1 2;
        border: round $accent;
        background: $panel;
    }
    NameScreen #name-problem {
        color: $error;
        height: auto;
    }
    """

    def __init__(self, code: str, seat: Callable[[str], None]) -> None:
        """`seat(name)` seats `name` or raises `StoreError` with the line to show."""
        super().__init__()
        self.code = code
        self.seat = seat

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"Classroom {self.code}: your name, as the instructor sees it")
            yield Input(placeholder="ada", id="name-input", max_length=32)
            yield Static("", id="name-problem")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        name = event.value.strip()
        problem = self.query_one("#name-problem", Static)
        if not name:
            problem.update("type a name first")
            return
        try:
            self.seat(name)
        except StoreError as error:
            problem.update(str(error))
            return
        self.dismiss(name)
