"""Forms for the shop commands, for those who prefer fields to typing a line.

A form builds the same lab line the bar would take (each value quoted with the script's own
`quote`), so it is checked by the same parser and pydantic models and fails the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, Input, Select

from cqrs_lab import script as sc
from cqrs_lab.tui.completion import SHOP_WORDS, Vocabulary, WordSuggester

FIELD_KINDS = {"USER": "user", "SKU": "sku", "ORDER": "order"}
"""Fields whose values the lab knows, for completion."""


@dataclass(frozen=True, slots=True)
class Field:
    name: str  # as in the usage line: USER, SKU, QTY...
    optional: bool

    @property
    def secret(self) -> bool:
        return self.name == "PASSWORD"


def fields_of(verb: str) -> tuple[Field, ...]:
    """The fields of a shop command, from its usage line ('add-to-cart USER SKU [QTY]')."""
    usage = sc.USAGE[verb].splitlines()[0].split()[1:]
    return tuple(Field(word.strip("[]"), word.startswith("[")) for word in usage)


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
    """A Select of the shop command, one field per argument, and a Send button."""

    class Submitted(Message):
        """The form's line, to run like a line typed in the bar."""

        def __init__(self, line: str) -> None:
            super().__init__()
            self.line = line

    def __init__(self, vocabulary: Callable[[], Vocabulary], **options: str) -> None:
        super().__init__(**options)
        self._vocabulary = vocabulary
        self.verb = SHOP_WORDS[0]

    def compose(self) -> ComposeResult:
        yield Select(
            [(verb, verb) for verb in SHOP_WORDS],
            value=self.verb,
            allow_blank=False,
            compact=True,
            id="form-verb",
        )
        yield Horizontal(*self._inputs(), id="form-fields")
        yield Button("Send", id="form-send", compact=True)

    def _inputs(self) -> list[Input]:
        inputs = []
        for field in fields_of(self.verb):
            kind = FIELD_KINDS.get(field.name)
            inputs.append(
                Input(
                    placeholder=field.name.lower() + (" (optional)" if field.optional else ""),
                    password=field.secret,
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
    def line(self) -> str:
        return build_line(self.verb, [field.value for field in self.query(".form-field")])

    @on(Button.Pressed, "#form-send")
    @on(Input.Submitted, ".form-field")
    def _send(self, event: Message) -> None:
        event.stop()
        self.post_message(self.Submitted(self.line))

    def clear(self) -> None:
        """Empty the fields (after the line was accepted)."""
        for field in self.query(".form-field").results(Input):
            field.value = ""
