"""The lesson panel's page: the step's text, or the lesson's introduction, as Markdown,
shown from its top each time it changes. Textual's Markdown is imported with the first page
(a lesson opening), not with the lab."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.containers import VerticalScroll

if TYPE_CHECKING:
    from textual.widgets import Markdown


class LessonText(VerticalScroll):
    """Empty until the first `show`."""

    def __init__(self, **options: str) -> None:
        super().__init__(**options)
        self._markdown: Markdown | None = None

    @property
    def source(self) -> str:
        """The Markdown shown ("" before the first page)."""
        return self._markdown.source if self._markdown is not None else ""

    def show(self, markdown: str) -> None:
        if self._markdown is None:
            from textual.widgets import Markdown

            self._markdown = Markdown(markdown, id="lesson-markdown")
            self.mount(self._markdown)
        else:
            self._markdown.update(markdown)
        self.scroll_home(animate=False)
