"""Textual's footer, with a key left out whole where Textual's would cut it mid-word.

At 80 columns the lab's keys do not all fit beside the palette's `^p`, and Textual's
footer clips the last one that reaches it ("F7 Slowe"). Here the keys keep their bindings'
order (the most needed first) and every key from the first that does not fit whole is
hidden; its binding still works, and F1's help lists every key.
"""

from __future__ import annotations

from textual.widget import Widget
from textual.widgets import Footer


class KeyFooter(Footer):
    """A footer that shows only the keys it has room for, whole."""

    async def recompose(self) -> None:
        await super().recompose()
        self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        keys = list(self.query_children("FooterKey"))  # Textual keeps the class private
        room = self.size.width - sum(_width(key) for key in keys if _is_palette(key))
        for key in (key for key in keys if not _is_palette(key)):
            room -= _width(key)
            key.display = room >= 0


def _is_palette(key: Widget) -> bool:
    return key.has_class("-command-palette")


def _width(key: Widget) -> int:
    """The columns `key` takes in the footer's row: its text, padding, border and margin."""
    styles = key.styles
    return key.render().cell_len + styles.gutter.width + styles.margin.width
