"""Errors of the lab script language: one clear message, its column, and a caret to show it."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

SHOWN_TEXT_LIMIT = 40
"""Longest piece of user text quoted back in a message (longer text is cut with …)."""


class ScriptError(ValueError):
    """A bad line: what is wrong, where (1-based column, line if known), and a close word.

    `source_line` is the line as typed, except that passwords are masked with `*`, so it is
    safe to print; `caret()` shows it with a `^` under the column.
    """

    def __init__(
        self,
        message: str,
        column: int,
        *,
        line_no: int | None = None,
        suggestion: str | None = None,
        source_line: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.column = column
        self.line_no = line_no
        self.suggestion = suggestion
        self.source_line = source_line

    def located(self, line_no: int | None, source_line: str) -> ScriptError:
        """The same error, placed on a line of a script."""
        return ScriptError(
            self.message,
            self.column,
            line_no=line_no,
            suggestion=self.suggestion,
            source_line=source_line,
        )

    def __str__(self) -> str:
        where = f"column {self.column}"
        if self.line_no is not None:
            where = f"line {self.line_no}, {where}"
        text = f"{where}: {self.message}"
        if self.suggestion is not None:
            text += f" — did you mean {shown(self.suggestion)}?"
        return text

    def __repr__(self) -> str:
        return f"ScriptError({str(self)!r})"

    def caret(self) -> str:
        """The source line and, under it, a `^` at the error's column (terminal-safe)."""
        line = "".join(_visible(char) for char in self.source_line)
        prefix = self.source_line[: max(self.column - 1, 0)]
        pad = "".join(_pad(char) for char in prefix)
        pad += " " * max(self.column - 1 - len(self.source_line), 0)
        return f"{line}\n{pad}^"


class ScriptErrors(ValueError):
    """Every bad line of a script; raised so that nothing runs from a file with a bad line."""

    def __init__(self, errors: Iterable[ScriptError]) -> None:
        self.errors = tuple(errors)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(error) for error in self.errors)

    def __repr__(self) -> str:
        return f"ScriptErrors({len(self.errors)} errors)"


def shown(text: str) -> str:
    """User text quoted for a message: cut if long, invisible characters escaped."""
    if len(text) > SHOWN_TEXT_LIMIT:
        text = text[: SHOWN_TEXT_LIMIT - 1] + "…"
    return "'" + "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text) + "'"


def _visible(char: str) -> str:
    """A character as it may be printed to a terminal: control characters as symbols."""
    if char == "\t" or char.isprintable():
        return char
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode "control pictures": ␛ for ESC, ␀ for NUL…
    return "\u2421" if code == 0x7F else "\ufffd"


def _pad(char: str) -> str:
    """Blank space as wide on screen as `char` (after `_visible`), to line the caret up."""
    if char == "\t":
        return "\t"
    shown_char = _visible(char)
    if unicodedata.combining(shown_char) or unicodedata.category(shown_char) in ("Mn", "Me"):
        return ""
    return "  " if unicodedata.east_asian_width(shown_char) in ("W", "F") else " "
