"""Forms for the shop commands, for those who prefer fields to typing a line.

A form builds the same lab line the bar would take (each value quoted with the script's own
`quote`), so it is checked by the same parser and pydantic models and fails the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Input, Select

from cqrs_lab import script as sc
from cqrs_lab.shop.commands import SHOP_VERBS, SPEC_OF_VERB, Argument
from cqrs_lab.tui.completion import Vocabulary, WordSuggester
from cqrs_lab.tui.widgets.choice import word_choice


def fields_of(verb: str) -> tuple[Argument, ...]:
    """The fields of a shop command: its arguments in the verb registry (`USER`, `SKU`...)."""
    return SPEC_OF_VERB[verb].arguments


def build_line(verb: str, values: Sequence[str]) -> str:
    """The lab line of a form: values quoted, up to the first empty one.

    Stopping at the first empty field lets the parser name what is missing ('missing SKU')
    instead of reading the next value in its place.
    """
    words = [verb]
    for value in values:
        if not value.strip():
            break
        words.append(sc.quote(value.strip()))
    return " ".join(words)


class CommandForm(Horizontal):
    """A Select of the shop command, one field per argument, and a Send button.

    Tab moves through them all; Escape goes back to the command bar. Inside the form the
    lab's single keys are never live: a character typed on the Select or the Send button
    goes into the first field (space on Send presses it), so a learner who thinks they type
    into a field never pauses the lab or opens a trace.
    """

    BINDINGS = [Binding("escape", "leave", "Back to the bar", show=False)]

    class Left(Message):
        """Escape in the form: focus goes back to the command bar."""

    class Submitted(Message):
        """The form's line, to run like a line typed in the bar."""

        def __init__(self, line: str) -> None:
            super().__init__()
            self.line = line

    def __init__(self, vocabulary: Callable[[], Vocabulary], **options: str) -> None:
        super().__init__(**options)
        self._vocabulary = vocabulary
        self.verb = SHOP_VERBS[0]

    def compose(self) -> ComposeResult:
        yield word_choice(SHOP_VERBS, self.verb, id="form-verb")
        yield Horizontal(*self._inputs(), id="form-fields")
        yield Button("Send", id="form-send", compact=True)

    def _inputs(self) -> list[Input]:
        inputs = []
        for field in fields_of(self.verb):
            kind = field.known
            inputs.append(
                Input(
                    placeholder=field.name.lower() + (" (optional)" if field.optional else ""),
                    password=field.kind == "secret",
                    suggester=WordSuggester(kind, self._vocabulary) if kind else None,
                    compact=True,
                    classes="form-field",
                )
            )
        return inputs

    @on(Select.Changed, "#form-verb")
    async def _verb_changed(self, event: Select.Changed) -> None:
        event.stop()
        if not isinstance(event.value, str) or event.value == self.verb:
            return
        self.verb = event.value
        fields = self.query_one("#form-fields", Horizontal)
        await fields.remove_children()
        await fields.mount_all(self._inputs())

    @property
    def fields(self) -> list[Input]:
        return list(self.query(".form-field").results(Input))

    def focus_verb(self) -> None:
        """Focus the form's first control, the command's Select (F2)."""
        self.query_one("#form-verb", Select).focus()

    def focus_field(self) -> None:
        """Focus the first field, where typing goes."""
        fields = self.fields
        if fields:
            fields[0].focus()
        else:
            self.focus_verb()

    def action_leave(self) -> None:
        self.post_message(self.Left())

    def on_key(self, event: events.Key) -> None:
        """Keys typed on the Select or the Send button: never the lab's single keys."""
        if isinstance(self.app.focused, Input) or event.character is None:
            return
        if event.key == "space" and isinstance(self.app.focused, Button):
            event.stop()
            event.prevent_default()
            self.app.focused.press()
        elif event.character.isprintable() and event.key != "space":
            event.stop()
            event.prevent_default()
            self._type_into_field(event)

    def _type_into_field(self, event: events.Key) -> None:
        """Focus the first field, then hand it the key (after the focus, which selects)."""
        fields = self.fields
        if not fields:
            return
        fields[0].focus()
        key = events.Key(event.key, event.character)
        self.app.call_later(fields[0].post_message, key)

    @property
    def line(self) -> str:
        return build_line(self.verb, [field.value for field in self.query(".form-field")])

    @on(Button.Pressed, "#form-send")
    @on(Input.Submitted, ".form-field")
    def _send(self, event: Message) -> None:
        event.stop()
        if not isinstance(self.app.focused, Input):  # Send pressed: back where typing works
            self.focus_field()
        self.post_message(self.Submitted(self.line))

    def clear(self) -> None:
        """Empty the fields (after the line was accepted) and focus the first one."""
        for field in self.fields:
            field.value = ""
        self.focus_field()


def in_form(widget: Widget | None) -> bool:
    """Whether `widget` is the command form or inside it."""
    return widget is not None and any(
        node.id == "command-form" for node in widget.ancestors_with_self
    )
