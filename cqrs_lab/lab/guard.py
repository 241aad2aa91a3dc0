"""One thread at a time in a Lab: the guard a screen and its load's worker thread share.

The Lab is single-threaded where it runs. While a load runs in a worker thread, the
screen's thread and the worker take turns holding this guard. The screen asks first
(`acquire()`: its frames and the learner's lines come before the load); the worker asks with
`urgent=False`, is let in only while nobody urgent waits, and lets go at its next request
boundary once `wanted` says someone does. Reentrant for the thread that holds it.
"""

from __future__ import annotations

import threading
from types import TracebackType


class LabGuard:
    """A reentrant lock whose urgent callers go before the others."""

    def __init__(self) -> None:
        self._turn = threading.Condition()
        self._owner: int | None = None
        self._depth = 0
        self._urgent = 0  # urgent callers waiting

    @property
    def wanted(self) -> bool:
        """An urgent caller is waiting: the holder should let go soon."""
        return self._urgent > 0

    def held(self) -> bool:
        """Whether the calling thread holds the guard."""
        return self._owner == threading.get_ident()

    def acquire(self, *, urgent: bool = True, timeout: float | None = None) -> bool:
        """Hold the guard (waiting at most `timeout` seconds); whether it is held now."""
        me = threading.get_ident()
        with self._turn:
            if self._owner == me:
                self._depth += 1
                return True
            self._urgent += urgent
            try:
                free = self._turn.wait_for(
                    lambda: self._owner is None and (urgent or not self._urgent), timeout
                )
            finally:
                self._urgent -= urgent
                if urgent:
                    self._turn.notify_all()  # a non-urgent caller may go now
            if free:
                self._owner, self._depth = me, 1
            return free

    def release(self) -> None:
        with self._turn:
            if self._owner != threading.get_ident():
                raise RuntimeError("the lab guard is released by a thread that does not hold it")
            self._depth -= 1
            if not self._depth:
                self._owner = None
                self._turn.notify_all()

    def __enter__(self) -> LabGuard:
        self.acquire()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()
