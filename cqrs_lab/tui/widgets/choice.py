"""The one-line select the forms and the view pickers offer a fixed list of words in."""

from __future__ import annotations

from collections.abc import Iterable

from textual.widgets import Select


def word_choice(words: Iterable[str], value: str, *, id: str) -> Select[str]:
    """A compact select of `words`, each shown as itself, with `value` chosen: never blank."""
    return Select(
        [(word, word) for word in words], value=value, allow_blank=False, compact=True, id=id
    )
