"""The names completion offers (users, SKUs, order ids), kept up with the lab the screen
shows: a lab opened on a file gives its names once, after the first frame, and then every
event the screen draws gives its own."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cqrs_lab.tui.completion import Vocabulary

if TYPE_CHECKING:
    from cqrs_lab.lab import Lab, LabSnapshot


class LearnedNames:
    """`vocabulary`, and how far into the log it has learned."""

    def __init__(self) -> None:
        self.vocabulary = Vocabulary()
        self._learned = 0
        """The head of the last snapshot learned from."""

    def learn_lab(self, lab: Lab) -> str:
        """Learn the names already in `lab`; "" or why they could not be read (completion
        is a comfort: the screen never fails for it)."""
        try:
            known = Vocabulary.from_lab(lab)
        except Exception as error:
            return f"no names for completion: {error}"
        for kind in ("users", "skus", "orders"):
            mine = getattr(self.vocabulary, kind)
            mine.extend(word for word in getattr(known, kind) if word not in mine)
        return ""

    def learn(self, snapshot: LabSnapshot) -> None:
        """The names in the events since the last snapshot (all anew after a reset)."""
        if snapshot.head < self._learned:  # the lab was reset: its new events count from 1
            self.forget()
        fresh = [event for event in snapshot.recent_events if event.position > self._learned]
        self.vocabulary.learn(reversed(fresh))
        self._learned = snapshot.head

    def forget(self) -> None:
        """Every name (the lab was reset, or the screen goes on with another)."""
        self.vocabulary.clear()
        self._learned = 0
