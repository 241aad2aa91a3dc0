"""Completion for the command bar: the next word of a lab line, from the words the lab knows.

`complete(line, vocabulary)` is plain Python (tested without a screen); the suggesters wrap
it for Textual's `Input`, which shows the rest of the suggestion dimmed after the cursor.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual.suggester import Suggester

from cqrs_lab import script as sc
from cqrs_lab.read.view_specs import USER_VIEW_WORDS
from cqrs_lab.shop.commands import SHOP_VERBS
from cqrs_lab.store.event_store import RecordedEvent

if TYPE_CHECKING:
    from cqrs_lab.lab import Lab

LANE_WORDS = (*sc.LANES, sc.LANE_ALL)
LATENCY_WORDS = ("zero", "fixed:", "uniform:", "exp:", "lognormal:")
FAULT_WORDS = ("none", "drop=", "dup=", "reorder=", "lost=", "timeout=")
QUERY_OPTIONS = ("--crud", "--wait")
SEPARATOR = ";"
KNOWN_LIMIT = 500
"""Most names of each kind kept for completion (the most recent ones)."""
STARTUP_EVENTS = 2_000
"""How many of the store's latest events an opened lab learns names from."""


@dataclass
class Vocabulary:
    """User names, SKUs and order ids the lab has seen, most recent first."""

    users: list[str] = field(default_factory=list)
    skus: list[str] = field(default_factory=list)
    orders: list[str] = field(default_factory=list)

    @classmethod
    def from_lab(cls, lab: Lab) -> Vocabulary:
        """The names in the lab's latest events and its catalog (a lab opened on a file)."""
        vocabulary = cls()
        head = lab.store.head()
        vocabulary.learn(lab.store.read_all(after=max(0, head - STARTUP_EVENTS)))
        catalog = lab.query("catalog", crud=True, record=False).rows
        if "sku" in catalog.columns:
            index = catalog.columns.index("sku")
            for row in reversed(catalog.rows):
                _remember(vocabulary.skus, str(row[index]))
        return vocabulary

    def learn(self, events: Iterable[RecordedEvent]) -> None:
        """Remember the names in `events` (oldest first: the last one ends up first)."""
        for event in events:
            data = event.data
            for key, known in (("username", self.users), ("sku", self.skus)):
                value = data.get(key)
                if isinstance(value, str):
                    _remember(known, value)
            if event.type == "OrderPlaced" and isinstance(data.get("order_id"), str):
                _remember(self.orders, data["order_id"])

    def clear(self) -> None:
        self.users.clear()
        self.skus.clear()
        self.orders.clear()

    def words(self, kind: str) -> Sequence[str]:
        """The candidates for an argument of `kind` (see `script.ARGUMENT_KINDS`)."""
        choices: dict[str, Sequence[str]] = {
            "user": self.users,
            "sku": self.skus,
            "order": (*self.orders, sc.ORDER_LAST),
            "lane": LANE_WORDS,
            "view": sc.VIEW_NAMES,
            "latency": LATENCY_WORDS,
            "fault": FAULT_WORDS,
            "mode": sc.MODES,
            "gaps": sc.GAP_POLICIES,
            "command": sc.COMMAND_WORDS,
            "shop": SHOP_VERBS,
            "for": ("for",),
        }
        return choices.get(kind, ())


def _remember(known: list[str], word: str) -> None:
    if known and known[0] == word:
        return
    if word in known:
        known.remove(word)
    known.insert(0, word)
    del known[KNOWN_LIMIT:]


def complete(line: str, vocabulary: Vocabulary) -> str | None:
    """`line` with its last word completed, or None when there is nothing to add.

    Words are split on spaces; a word with a quote in it is not completed.
    """
    if not line.strip() or line.lstrip().startswith("#"):
        return None
    words = line.split()
    partial = "" if line[-1].isspace() else words.pop()
    if '"' in partial or "'" in partial:
        return None
    return complete_word(line, partial, _candidates(words, vocabulary))


def complete_word(text: str, partial: str, candidates: Iterable[str]) -> str | None:
    """`text` (ending in `partial`) with the first candidate that extends `partial`."""
    for candidate in candidates:
        if len(candidate) > len(partial) and candidate.startswith(partial):
            return text + candidate[len(partial) :]
    return None


def _candidates(words: Sequence[str], vocabulary: Vocabulary) -> Sequence[str]:
    """The words that may follow `words` (the finished words of a line)."""
    if not words:
        return vocabulary.words("command")
    command, arguments = words[0].lower(), list(words[1:])
    if command == "race":
        if SEPARATOR in arguments:
            arguments = arguments[len(arguments) - arguments[::-1].index(SEPARATOR) :]
        if not arguments:
            return SHOP_VERBS
        return _candidates(arguments, vocabulary) if arguments[0].lower() in SHOP_VERBS else ()
    if command == "query":
        return _query_candidates(arguments, vocabulary)
    if command == "faults":
        return vocabulary.words("fault" if arguments else "lane")
    kinds = sc.ARGUMENT_KINDS.get(command, ())
    return vocabulary.words(kinds[len(arguments)]) if len(arguments) < len(kinds) else ()


def _query_candidates(arguments: Sequence[str], vocabulary: Vocabulary) -> Sequence[str]:
    if not arguments:
        return vocabulary.words("view")
    if len(arguments) == 1 and arguments[0].lower() in USER_VIEW_WORDS:
        return vocabulary.words("user")
    if arguments[-1].lower() == "page":
        return ()
    paging = ("page",) if arguments[0].lower() == "catalog" else ()
    return tuple(option for option in (*paging, *QUERY_OPTIONS) if option not in arguments)


class LineSuggester(Suggester):
    """Suggests the rest of a lab line's last word in the command bar."""

    def __init__(self, vocabulary: Callable[[], Vocabulary]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self._vocabulary = vocabulary

    async def get_suggestion(self, value: str) -> str | None:
        return complete(value, self._vocabulary())


class WordSuggester(Suggester):
    """Suggests one word of a kind (user, sku, order...) in a form field."""

    def __init__(self, kind: str, vocabulary: Callable[[], Vocabulary]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self._kind = kind
        self._vocabulary = vocabulary

    async def get_suggestion(self, value: str) -> str | None:
        return complete_word(value, value, self._vocabulary().words(self._kind))
