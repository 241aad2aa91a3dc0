"""The command bar: an Input for lab lines with completion and history, and the result or
error of the last line under it (the error in words and with a caret, not by colour alone)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.geometry import Size
from textual.message import Message
from textual.reactive import Reactive
from textual.widgets import Input, Static

from cqrs_lab import script as sc
from cqrs_lab.tui.completion import LineSuggester, Vocabulary, complete

HISTORY_LIMIT = 200
PASTED_SHOWN = 7
"""Results of a pasted script shown under the bar (the last ones, under a count)."""
PLACEHOLDERS = (
    "type a lab line: register, add-product, query, latency… (Tab completes, F1 help)",
    "type a lab line: register, query, latency… (Tab completes, F1 help)",
    "type a lab line (Tab completes, F1 help)",
    "a lab line (Tab, F1)",
)
"""What the empty bar says, longest first: it says the longest that fits whole."""


@dataclass
class History:
    """Lines sent from the bar, browsed with up and down like a shell's history.

    A password never enters it: a line with one is kept only up to where the password began,
    so recalling it leaves the password to be typed again.
    """

    lines: list[str] = field(default_factory=list)
    _index: int | None = None  # position while browsing; None when not browsing
    _draft: str = ""  # what was typed before browsing started

    def add(self, line: str) -> None:
        kept = _without_secrets(line).rstrip()
        self._index = None
        if not kept.strip() or (self.lines and self.lines[-1] == kept):
            return
        self.lines.append(kept)
        del self.lines[:-HISTORY_LIMIT]

    def previous(self, current: str) -> str:
        """The line before the one shown (the newest at first); stays at the oldest."""
        if not self.lines:
            return current
        if self._index is None:
            self._draft = current
            self._index = len(self.lines)
        self._index = max(0, self._index - 1)
        return self.lines[self._index]

    def next(self, current: str) -> str:
        """The line after the one shown; past the newest, the draft typed before browsing."""
        if self._index is None:
            return current
        self._index += 1
        if self._index >= len(self.lines):
            self._index = None
            return self._draft
        return self.lines[self._index]


def _without_secrets(line: str) -> str:
    """`line` up to where its first possible password begins (all of it if none)."""
    masked = sc.mask_secrets(line)
    if masked == line:
        return line
    first = next(i for i, (a, b) in enumerate(zip(line, masked, strict=True)) if a != b)
    return line[:first]


class CommandInput(Input):
    """The bar's Input: up/down browse the history, Tab completes the word.

    Tab never moves focus away from the bar: a learner typing on would otherwise send
    keys to another widget. Escape leaves the bar.
    """

    virtual_size = Reactive(Size(0, 0), layout=False)
    """The typed line's width, to scroll within the bar. Input's own asks for a layout of
    the whole screen at every key that changes it; the bar's size never depends on it (its
    height is fixed, its width the screen's), so here a key repaints the bar alone."""

    BINDINGS = [
        Binding("up", "history_previous", "Previous line", show=False),
        Binding("down", "history_next", "Next line", show=False),
        Binding("tab", "complete", "Complete", show=False),
    ]

    def __init__(
        self, history: History, vocabulary: Callable[[], Vocabulary], **options: object
    ) -> None:
        super().__init__(suggester=LineSuggester(vocabulary), **options)  # type: ignore[arg-type]
        self.history = history
        self._vocabulary = vocabulary

    def on_resize(self) -> None:
        width = self.content_size.width
        self.placeholder = next((p for p in PLACEHOLDERS if len(p) <= width), PLACEHOLDERS[-1])

    def action_history_previous(self) -> None:
        self._show(self.history.previous(self.value))

    def action_history_next(self) -> None:
        self._show(self.history.next(self.value))

    def action_complete(self) -> None:
        """Complete the word before the cursor (at the end of the line), if one fits."""
        if not self.cursor_at_end:
            return
        completed = complete(self.value, self._vocabulary())
        if completed is not None:
            self._show(completed)
        else:
            self.app.bell()

    def _show(self, value: str) -> None:
        self.value = value
        self.cursor_position = len(value)

    class PastedLines(Message):
        """Several lines pasted at once: the bar runs them one after another."""

        def __init__(self, lines: list[str]) -> None:
            super().__init__()
            self.lines = lines

    def _on_paste(self, event: events.Paste) -> None:
        lines = [line for line in event.text.splitlines() if line.strip()]
        if len(lines) > 1:  # otherwise Input's own handler inserts the text
            event.prevent_default()
            event.stop()
            self.post_message(self.PastedLines(lines))

    async def action_submit(self) -> None:
        """Submit and clear at once, so keys typed (or pasted) next start a fresh line.

        Clearing later, when the app has run the line, would wipe what was typed meanwhile.
        """
        line, self.value = self.value, ""
        self.post_message(self.Submitted(self, line))


class CommandBar(Vertical):
    """The bar and, under it, what the last line did."""

    class Submitted(Message):
        """A line to run, sent from the bar."""

        def __init__(self, line: str) -> None:
            super().__init__()
            self.line = line

    class Pasted(Message):
        """Several lines pasted at once, to run one after another (see `collecting`)."""

        def __init__(self, lines: list[str]) -> None:
            super().__init__()
            self.lines = lines

    def __init__(self, vocabulary: Callable[[], Vocabulary], **options: str) -> None:
        super().__init__(**options)
        self.history = History()
        self._submitted_line: str | None = None  # the bar's last line, until its result shows
        self._vocabulary = vocabulary
        self._collected: list[tuple[str, bool]] | None = None  # results while collecting

    def compose(self) -> ComposeResult:
        yield CommandInput(
            self.history,
            self._vocabulary,
            placeholder=PLACEHOLDERS[0],
            id="command-input",
            max_length=sc.MAX_LINE_LENGTH,
        )
        yield Static(id="command-message", markup=False)

    @property
    def input(self) -> CommandInput:
        return self.query_one(CommandInput)

    @on(CommandInput.PastedLines)
    def _pasted(self, event: CommandInput.PastedLines) -> None:
        event.stop()
        for line in event.lines:
            self.history.add(line)
        self.post_message(self.Pasted(event.lines))

    @contextmanager
    def collecting(self) -> Iterator[None]:
        """Show every result given meanwhile, one a line (a pasted script), not the last."""
        self._collected = []
        try:
            yield
        finally:
            collected, self._collected = self._collected, None
            self._show_collected(collected)

    def _show_collected(self, results: list[tuple[str, bool]]) -> None:
        refused = sum(not ok for _, ok in results)
        shown = Text(f"pasted: {len(results) - refused} ok, {refused} refused")
        if len(results) > PASTED_SHOWN:
            shown.append(f" (the last {PASTED_SHOWN} shown)")
        for text, ok in results[-PASTED_SHOWN:]:
            first = text.splitlines()[0] if text else ""
            shown.append("\n" + ("✓ " if ok else "✗ ") + first)
        message = self.query_one("#command-message", Static)
        message.update(shown)
        message.set_class(bool(refused), "-error")
        message.set_class(not refused, "-ok")
        message.add_class("-pasted")

    @on(Input.Submitted, "#command-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        line = event.value
        if not line.strip():
            return
        self.history.add(line)
        self._submitted_line = line
        self.post_message(self.Submitted(line))

    def show_result(self, text: str, *, ok: bool, detail: str = "") -> None:
        """Show what a line did; a refused line from the bar comes back to be fixed (without
        anything that may be a password: that is typed again), selected, so typing replaces
        it and an arrow key or End keeps it to edit."""
        if self._collected is not None:
            self._collected.append((text, ok))
            return
        message = self.query_one("#command-message", Static)
        message.remove_class("-pasted")
        mark = "✓ " if ok else "✗ "
        shown = Text(mark + text if text else "")
        if detail:
            shown.append("\n" + detail)
        message.update(shown)
        message.set_class(not ok, "-error")
        message.set_class(ok, "-ok")
        failed, self._submitted_line = self._submitted_line, None
        if not ok and failed and not self.input.value:  # give the line back to fix it,
            kept = _without_secrets(failed)  # up to where a password could begin
            self.input.value = kept
            self.input.select_all()

    def show_note(self, text: str) -> None:
        """Show information that is neither a success nor an error (an event's details)."""
        if self._collected is not None:
            self._collected.append((text, True))
            return
        message = self.query_one("#command-message", Static)
        message.update(Text(text))
        message.remove_class("-error", "-ok", "-pasted")
