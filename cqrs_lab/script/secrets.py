"""Masking passwords in lab lines, by position and by shape, for good lines and bad ones.

A password may follow any word that looks like `register` or `login`: the word itself or a
misspelling of it (Damerau-Levenshtein distance 2 or less, or a prefix of three letters or
more), as the first word of a line or of any `;`-separated part, as the second word after
`race`, `help`, `trace` or an unknown word, and anywhere in a comment. From that verb:

- register-like: the password is the 4th word (index 3) when the 3rd is an email address,
  else the 3rd (the email forgotten or misspelt) when the 2nd is a username or an email,
  else the 2nd;
- login-like: the password is the 3rd word (index 2) when the 2nd is a username, else the
  2nd (the user forgotten).

That word and everything after it on the line becomes `*` (a comment too, and a `;` with
what follows, which can only be more of the password), except the second command of a race
that starts with a shop command word or a password verb (masked on its own); in a comment,
everything after the verb does. Words that only a control character parts are one word.
Columns stay where they were, and whitespace too. When unsure, more is masked, never less.

What cannot be told apart is masked as its likelier reading: a password with ` ; ` in it,
typed without quotes in a race, ends at the `;` if a shop command word follows; and
`login hunter two` is user `hunter` with password `two`.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from cqrs_lab.script.tokens import COMMENT, Token, scan
from cqrs_lab.shop.commands import EMAIL_PATTERN, USERNAME_PATTERN

MASK = "*"
SEPARATOR = ";"
REGISTER = "register"
LOGIN = "login"
RACE = "race"
MAX_DISTANCE = 2
"""A word this close to `register` or `login` is taken for it."""
MIN_PREFIX = 3
"""A word of at least this many letters that begins `register` or `login` is taken for it."""
LEADING_WORDS = (RACE, "help", "trace")
"""Command words whose next word may be a password verb (`race login …`, `help login …`;
`trace login …`, a misspelt `race`)."""

_EMAIL = re.compile(EMAIL_PATTERN)
_USERNAME = re.compile(USERNAME_PATTERN)


@dataclass(frozen=True, slots=True)
class _Part:
    """The tokens of one `;`-separated part of a line, and where the part lies (0-based)."""

    tokens: list[Token]
    begin: int
    """Index of the `;` before the part (0 for the first part)."""
    end: int
    """Index of the `;` after the part (the line's length for the last part)."""
    comment: int | None = None
    """Index of the `#` of the line's comment, for the last part."""


def masked(
    line: str, tokens: Sequence[Token], known: Collection[str], shop: Collection[str]
) -> str:
    """`line` (scanned into `tokens`) with every possible password replaced by `*`; see
    the module's docstring.

    `known` holds the language's command words (a known word other than `register` or
    `login` is never taken for a misspelt one), `shop` those a race takes.
    """
    chars = list(line)
    tokens = _glued(line, tokens)
    parts = _parts(line, tokens)
    two_sided = len(parts) == 2 and _race_like(tokens[0].text, known)
    carry = False
    for part in parts:
        found = _verb(part.tokens, known)
        own = found is not None and found[0] == 0
        if carry and not (two_sided and (own or _starts_with(part, shop))):
            start: int | None = part.begin  # the rest of a password with a `;` in it
        else:
            start = _start(part, found)
        if start is not None:
            _blank(chars, start, part.end)
        carry = carry or found is not None or start is not None
    _mask_comments(chars, line, tokens, known)
    return "".join(chars)


def verb_like(word: str, known: Collection[str]) -> str | None:
    """`register` or `login` if `word` may be meant as it, else None."""
    lowered = word.lower()
    for verb in (REGISTER, LOGIN):
        if lowered == verb:
            return verb
    if lowered in known:
        return None
    for verb in (REGISTER, LOGIN):
        if len(lowered) >= MIN_PREFIX and verb.startswith(lowered):
            return verb
        if distance(lowered, verb) <= MAX_DISTANCE:
            return verb
    return None


def distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance: inserts, deletes, changes and swaps of neighbours; for
    lengths more than `MAX_DISTANCE` apart, only their difference (a lower bound)."""
    if abs(len(a) - len(b)) > MAX_DISTANCE:
        return abs(len(a) - len(b))
    far = len(a) + len(b)
    last_row: dict[str, int] = {}
    rows = [[far] * (len(b) + 2), [far, *range(len(b) + 1)]]
    for i, x in enumerate(a, start=1):
        rows.append([far, i, *[0] * len(b)])
        last_column = 0
        for j, y in enumerate(b, start=1):
            k, swap_column = last_row.get(y, 0), last_column
            same = x == y
            if same:
                last_column = j
            rows[i + 1][j + 1] = min(
                rows[i][j] + (not same),
                rows[i + 1][j] + 1,
                rows[i][j + 1] + 1,
                rows[k][swap_column] + (i - k - 1) + 1 + (j - swap_column - 1),
            )
        last_row[x] = i
    return rows[len(a) + 1][len(b) + 1]


def password_index(kind: str, words: Sequence[str]) -> int:
    """Index in `words` (the verb first) from which the password may stand."""
    count = len(words)
    if kind == REGISTER:
        if count >= 4 and _EMAIL.fullmatch(words[2]):
            return 3
        if count >= 3 and (_USERNAME.fullmatch(words[1]) or _EMAIL.fullmatch(words[1])):
            return 2
        return 1
    return 2 if count >= 3 and _USERNAME.fullmatch(words[1]) else 1


# -- the parts of a line ---------------------------------------------------------------


def _parts(line: str, tokens: Sequence[Token]) -> list[_Part]:
    """`tokens` cut at every unquoted `;`, each part with the span it covers."""
    parts: list[_Part] = []
    current: list[Token] = []
    begin = 0
    for token in tokens:
        if token.text == SEPARATOR and not token.quoted:
            parts.append(_Part(current, begin, token.column - 1))
            current, begin = [], token.column - 1
        else:
            current.append(token)
    comment = _comment_after(line, tokens[-1].end - 1 if tokens else 0)
    parts.append(_Part(current, begin, len(line), comment))
    return parts


def _glued(line: str, tokens: Sequence[Token]) -> list[Token]:
    """`tokens`, with those a control character cut apart (no space between) made one:
    `pass<ESC>word` is one password, not a password and a word after it."""
    glued: list[Token] = []
    for token in tokens:
        gap = line[glued[-1].end - 1 : token.column - 1] if glued else ""
        if gap and not any(char.isspace() for char in gap):
            before = glued.pop()
            text = line[before.column - 1 : token.end - 1]
            token = Token(text, before.column, token.end, before.quoted or token.quoted)
        glued.append(token)
    return glued


def _start(part: _Part, found: tuple[int, str] | None) -> int | None:
    """Index where masking starts in `part`, or None for nothing to mask."""
    if found is None:
        return None
    at, kind = found
    tokens = part.tokens
    index = at + password_index(kind, [t.text for t in tokens[at:]])
    return tokens[index].column - 1 if index < len(tokens) else part.comment


def _race_like(word: str, known: Collection[str]) -> bool:
    lowered = word.lower()
    return lowered == RACE or (lowered not in known and distance(lowered, RACE) <= MAX_DISTANCE)


def _starts_with(part: _Part, words: Collection[str]) -> bool:
    return bool(part.tokens) and part.tokens[0].text.lower() in words


def _verb(tokens: Sequence[Token], known: Collection[str]) -> tuple[int, str] | None:
    """(index, kind) of the part's password verb: its first word, or its second after
    `race`, `help` or an unknown word."""
    if not tokens:
        return None
    kind = verb_like(tokens[0].text, known)
    if kind is not None:
        return 0, kind
    first = tokens[0].text.lower()
    if len(tokens) > 1 and (first in LEADING_WORDS or first not in known):
        kind = verb_like(tokens[1].text, known)
        if kind is not None:
            return 1, kind
    return None


def _blank(chars: list[str], start: int, end: int) -> None:
    for i in range(start, min(end, len(chars))):
        if not chars[i].isspace():
            chars[i] = MASK


# -- comments --------------------------------------------------------------------------


def _mask_comments(
    chars: list[str], line: str, tokens: Sequence[Token], known: Collection[str]
) -> None:
    """Mask every word after a register/login-like word in the comment (nested ones too)."""
    start = _comment_after(line, tokens[-1].end - 1 if tokens else 0)
    while start is not None:
        rest = line[start + 1 :]
        body = _glued(rest, scan(rest).tokens)
        for word in body:
            if verb_like(word.text, known) is not None:
                _blank(chars, start + word.end, len(chars))
                return
        start = _comment_after(line, start + (body[-1].end if body else 1))


def _comment_after(line: str, index: int) -> int | None:
    """0-based index of the `#` starting a comment at or after `index` (past the tokens)."""
    found = line.find(COMMENT, index)
    return None if found < 0 else found
