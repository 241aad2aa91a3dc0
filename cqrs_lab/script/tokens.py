"""Splitting a lab line into tokens.

Tokens are separated by whitespace. "double" or 'single' quotes group words into one token;
inside quotes a backslash escapes the quote character or a backslash (`"say \\"hi\\""`),
any other backslash is kept as typed. A `#` at the start of a word, outside quotes, starts a
comment (shell-like: `pass#word` stays one word, so a `#` never cuts a value silently).
Control characters (other than tab) and lines over `MAX_LINE_LENGTH` are refused.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from cqrs_lab.script.errors import ScriptError

MAX_LINE_LENGTH = 2000
QUOTES = "\"'"
ESCAPE = "\\"
COMMENT = "#"
_REFUSED_CATEGORIES = ("Cc", "Cs", "Zl", "Zp")
_CONTROL_NAMES = {"\n": "newline", "\r": "carriage return", "\x00": "null", "\x1b": "escape"}


@dataclass(frozen=True, slots=True)
class Token:
    """One word of a line: its text (quotes removed) and where it sits (1-based columns)."""

    text: str
    column: int
    """Column of the token's first character (an opening quote included)."""
    end: int
    """Column just past the token's last character."""
    quoted: bool = False
    """True if any part of the token was in quotes (a quoted ";" is text, not a separator)."""


@dataclass(frozen=True, slots=True)
class Scan:
    """The tokens of a line and its first problem, if any.

    Scanning goes on past a problem (an unterminated quote runs to the end of the line),
    so the parser can still tell which tokens are secret and mask them in the message.
    """

    tokens: tuple[Token, ...]
    problem: ScriptError | None


def tokenize(line: str) -> list[Token]:
    """The tokens of `line`; raises ScriptError (with its column) for a malformed line."""
    result = scan(line)
    if result.problem is not None:
        raise result.problem
    return list(result.tokens)


def scan(line: str) -> Scan:
    """Tokenize `line` without raising: see `Scan`."""
    return _Scanner(line).run()


def quote(text: str) -> str:
    """`text` written as one token: as-is if it is a plain word, else in double quotes."""
    plain = (
        text
        and text != ";"
        and not text.startswith(COMMENT)
        and not any(c.isspace() or c in QUOTES or _refused(c) for c in text)
    )
    if plain:
        return text
    return '"' + text.replace(ESCAPE, ESCAPE * 2).replace('"', ESCAPE + '"') + '"'


def _refused(char: str) -> bool:
    return char != "\t" and unicodedata.category(char) in _REFUSED_CATEGORIES


class _Scanner:
    def __init__(self, line: str) -> None:
        self.line = line
        self.i = 0
        self.tokens: list[Token] = []
        self.problem: ScriptError | None = None
        if len(line) > MAX_LINE_LENGTH:
            self.problem = ScriptError(
                f"the line is too long ({len(line)} characters; at most {MAX_LINE_LENGTH})",
                MAX_LINE_LENGTH + 1,
            )

    def run(self) -> Scan:
        line = self.line
        while self.i < len(line):
            char = line[self.i]
            if _refused(char):
                self._refuse(char)
                self.i += 1
            elif char.isspace():
                self.i += 1
            elif char == COMMENT:
                break
            else:
                self._word()
        return Scan(tuple(self.tokens), self.problem)

    def _word(self) -> None:
        line, start = self.line, self.i
        parts: list[str] = []
        quoted = False
        while self.i < len(line):
            char = line[self.i]
            if char.isspace() or _refused(char):
                break
            if char in QUOTES:
                quoted = True
                parts.append(self._quoted(char))
            else:
                parts.append(char)
                self.i += 1
        self.tokens.append(Token("".join(parts), start + 1, self.i + 1, quoted))

    def _quoted(self, mark: str) -> str:
        """Read a quoted part starting at the opening `mark`; leaves `i` past the closing one."""
        line, opening = self.line, self.i
        self.i += 1
        parts: list[str] = []
        while self.i < len(line):
            char = line[self.i]
            if char == mark:
                self.i += 1
                return "".join(parts)
            if char == ESCAPE and self.i + 1 < len(line) and line[self.i + 1] in (mark, ESCAPE):
                char = line[self.i + 1]
                self.i += 1
            elif _refused(char):
                self._refuse(char)
            parts.append(char)
            self.i += 1
        self._report(f"this quote is never closed (end the text with {mark})", opening + 1)
        return "".join(parts)

    def _refuse(self, char: str) -> None:
        label = f"U+{ord(char):04X}"
        name = _CONTROL_NAMES.get(char) or unicodedata.name(char, "").lower()
        if name:
            label += f" ({name})"
        self._report(f"control character {label} is not allowed in a line", self.i + 1)

    def _report(self, message: str, column: int) -> None:
        if self.problem is None:
            self.problem = ScriptError(message, column)
