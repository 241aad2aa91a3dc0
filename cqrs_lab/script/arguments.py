"""What every kind of lab line shares: the table entry of a command word, the tokens after
it (`Args`), and the checks that turn a token into a value or a clear ScriptError."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import cast

from cqrs_lab.read.view_specs import LANES
from cqrs_lab.script.actions import LANE_ALL, Action, Lane
from cqrs_lab.script.errors import ScriptError, shown
from cqrs_lab.script.tokens import Token
from cqrs_lab.sim.durations import DurationError, parse_duration
from cqrs_lab.sim.faults import Faults, FaultSpecError, parse_faults
from cqrs_lab.sim.latency import LatencyModel, LatencySpecError, parse_latency

SEPARATOR = ";"
WHOLE = re.compile(r"-?[0-9]+")
_LANE_CHOICES = {name: name for name in (*LANES, LANE_ALL)}
_LATENCY_KINDS = ("zero", "fixed", "uniform", "exp", "lognormal")
_FAULT_KEYS = ("drop", "dup", "reorder", "lost", "timeout")


@dataclass(frozen=True, slots=True)
class LineCommand:
    """One command word of the language: how it is written, said and read."""

    usage: str
    description: str
    handler: Callable[[Args], Action]
    hint: str | None = None
    """Said when there are too many arguments."""
    completion: tuple[str, ...] = ()
    """What each argument names, by position, for completion (see `tui/completion.py`)."""


class Args:
    """The tokens after a command word, with helpers that raise clear ScriptErrors."""

    def __init__(self, head: Token, tokens: Sequence[Token], command: LineCommand) -> None:
        self.head = head
        self.word = head.text.lower()
        self.tokens = tuple(tokens)
        self.command = command
        self.usage = command.usage
        self.end = (tokens[-1] if tokens else head).end + 1
        """Column after the last token and a space: where a missing argument would go."""

    def count(self, low: int, high: int | None) -> tuple[Token, ...]:
        """The tokens, after checking there are from `low` to `high` (None: no limit)."""
        have = len(self.tokens)
        usage = f"usage: {self.usage}"
        if have < low:
            names = self._placeholders()
            missing = names[have] if have < len(names) else "an argument"
            raise ScriptError(f"{self.word}: missing {missing}; {usage}", self.end)
        if high is not None and have > high:
            extra = self.tokens[high]
            if high == 0:
                raise ScriptError(f"{self.word} takes no arguments; {usage}", extra.column)
            hint = self.command.hint
            detail = f" ({hint})" if hint else ""
            raise ScriptError(f"{self.word}: too many arguments{detail}; {usage}", extra.column)
        return self.tokens

    def _placeholders(self) -> list[str]:
        """The argument names of its usage line: 'add-to-cart USER SKU [QTY]' -> USER, SKU, QTY."""
        return [part.strip("[]") for part in self.usage.split()[1:]]

    def error(self, message: str, token: Token, suggestion: str | None = None) -> ScriptError:
        return ScriptError(f"{self.word}: {message}", token.column, suggestion=suggestion)


def whole(args: Args, token: Token, field: str) -> int:
    if not WHOLE.fullmatch(token.text):
        raise args.error(f"{field}: must be a whole number, got {shown(token.text)}", token)
    return int(token.text)


def whole_from(args: Args, token: Token, low: int, high: int) -> int:
    """`token` as the whole number N of a line, from `low` to `high`."""
    number = whole(args, token, "N")
    if not low <= number <= high:
        raise args.error(f"N must be from {low} to {high:,}", token)
    return number


def checked_lane(args: Args, token: Token) -> Lane:
    return cast(Lane, checked_choice(args, token, _LANE_CHOICES, "lane"))


def lane_line(action: Callable[[Lane], Action]) -> Callable[[Args], Action]:
    """The handler of a line `WORD LANE`: `action` on the lane it names."""

    def handler(args: Args) -> Action:
        (lane,) = args.count(1, 1)
        return action(checked_lane(args, lane))

    return handler


def checked_latency(args: Args, spec: Token) -> LatencyModel:
    """The latency model `spec` names (`latency LANE SPEC`)."""
    try:
        return parse_latency(spec.text)
    except LatencySpecError as error:
        raise args.error(str(error), spec, respell(spec.text, ":", _LATENCY_KINDS)) from None


def checked_fault_tokens(args: Args, tokens: Sequence[Token]) -> tuple[str, ...]:
    """The texts of `faults LANE TOKEN...`, each checked to set a fault."""
    faults = Faults()
    for token in tokens:
        try:
            faults = parse_faults([token.text], base=faults)
        except FaultSpecError as error:
            raise args.error(str(error), token, respell(token.text, "=", _FAULT_KEYS)) from None
    return tuple(t.text for t in tokens)


def checked_choice(args: Args, token: Token, choices: Mapping[str, str], what: str) -> str:
    """The canonical word `token` names among `choices` (case-insensitive)."""
    word = token.text.lower()
    if word in choices:
        return choices[word]
    names = list(dict.fromkeys(choices.values()))
    close = close_word(word, list(choices))
    raise args.error(
        f"unknown {what} {shown(token.text)} (one of {', '.join(names)})",
        token,
        choices[close] if close else None,
    )


def checked_duration(args: Args, text: str, token: Token, what: str) -> float:
    try:
        return parse_duration(text)
    except DurationError as error:
        raise args.error(f"{what}: {error}", token) from None


def close_word(word: str, candidates: Sequence[str]) -> str | None:
    matches = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return matches[0] if matches else None


def respell(text: str, separator: str, keys: Sequence[str]) -> str | None:
    """`text` with its misspelt key (before `separator`) replaced by the closest known key."""
    key, found, value = text.lower().partition(separator)
    if not found or key in keys:
        return None
    close = close_word(key, keys)
    return f"{close}{separator}{value}" if close else None


def is_separator(token: Token) -> bool:
    return token.text == SEPARATOR and not token.quoted


def sides_of(tokens: Sequence[Token]) -> list[list[Token]]:
    """`tokens` cut at each separator."""
    sides: list[list[Token]] = [[]]
    for token in tokens:
        if is_separator(token):
            sides.append([])
        else:
            sides[-1].append(token)
    return sides
