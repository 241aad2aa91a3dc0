"""Which view the view panel shows, and for which user: a select and a user input."""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Label, Select

from cqrs_lab.read.view_specs import VIEW_NAMES
from cqrs_lab.tui.completion import Vocabulary, WordSuggester
from cqrs_lab.tui.widgets.choice import word_choice


class ViewPicker(Horizontal):
    """Posts `Changed` when the learner picks another view or types another user. Its label,
    select and input are `PREFIX-label`, `PREFIX-select` and `PREFIX-user`; with `words`,
    the input suggests the user names they give."""

    class Changed(Message):
        """`view` or `user` changed."""

    def __init__(
        self,
        view: str,
        words: Callable[[], Vocabulary] | None = None,
        *,
        user: str = "",
        id: str,
        prefix: str = "view",
    ) -> None:
        super().__init__(id=id)
        self.view = view
        self.user = user
        self._words = words
        self._prefix = prefix

    def compose(self) -> ComposeResult:
        yield Label("view", id=f"{self._prefix}-label")
        yield word_choice(VIEW_NAMES, self.view, id=f"{self._prefix}-select")
        yield Input(
            self.user,
            placeholder="user (cart, orders)",
            compact=True,
            id=f"{self._prefix}-user",
            suggester=WordSuggester("user", self._words) if self._words else None,
        )

    def show(self, view: str, user: str) -> None:
        """Pick `view` and `user` (as the screen follows a line): no `Changed`."""
        self.view, self.user = view, user
        self.query_one(Select).value = view
        self.query_one(Input).value = user

    @on(Select.Changed)
    def _view_picked(self, event: Select.Changed) -> None:
        event.stop()
        if isinstance(event.value, str) and event.value != self.view:
            self.view = event.value
            self.post_message(self.Changed())

    @on(Input.Changed)
    def _user_typed(self, event: Input.Changed) -> None:
        event.stop()
        if event.value.strip() != self.user:
            self.user = event.value.strip()
            self.post_message(self.Changed())
