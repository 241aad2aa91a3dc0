"""A load sent from a worker thread, so the screen's thread only draws and reads.

The worker sends each arrival when the lab clock reaches it (the load's own schedule, not
the screen's frames), holding the lab's `LabGuard` while it is in the lab and letting go
between two requests as soon as the screen waits for it. Between arrivals it sleeps until
the next one is due, or until the screen wakes it (the clock was resumed or moved on).
Registrations' password hashes are made ahead on a small pool while the load runs
(`lab/hash_ahead.py`: `hashlib.scrypt` lets go of the GIL, so neither the screen's thread nor
the worker waits for them); the lab's own credentials are back once the load is over.
"""

from __future__ import annotations

import threading

from cqrs_lab.lab.guard import LabGuard
from cqrs_lab.lab.load import LoadReport, LoadRun

NAP = 0.05
"""Wall seconds the worker sleeps at most before it looks at the lab clock again (a paused
clock, a speed changed)."""


class LoadThread:
    """Runs `run` in a daemon thread, taking turns with the screen through `guard`."""

    def __init__(self, run: LoadRun, guard: LabGuard) -> None:
        self.run = run
        self.guard = guard
        self.error: Exception | None = None
        """What made the load fail in the worker (the screen says it)."""
        self._state = threading.Condition()
        self._woken = 0  # wakes asked for
        self._idle_since = -1  # the wakes seen by the last pass that found nothing due
        self._over = False
        self._stopping = False
        self._thread = threading.Thread(target=self._work, name="cqrs-lab-load", daemon=True)

    def start(self) -> None:
        """Start sending. The caller holds the guard: the load's hashes stand in for the lab's
        credentials from here on."""
        assert self.guard.held(), "start a load holding the lab guard"
        if self.run.passwords is not None:
            self.run.lab.credentials = self.run.passwords
        self._thread.start()

    def wake(self) -> None:
        """Look at the lab clock now (the screen's frame: time may have moved on)."""
        with self._state:
            self._woken += 1
            self._state.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until everything due by the lab clock at the last `wake` has been sent (or
        the worker ended); whether it was, within `timeout` seconds."""
        with self._state:
            asked = self._woken
            return self._state.wait_for(lambda: self._over or self._idle_since >= asked, timeout)

    def stop(self) -> LoadReport:
        """Send nothing more. The caller holds the guard, so the worker is out of the lab."""
        assert self.guard.held(), "stop a load holding the lab guard"
        self._stopping = True
        self.wake()
        report = self.run.stop()
        self._own_credentials()
        return report

    def _own_credentials(self) -> None:
        """The lab's credentials back (under the guard), once the load is over."""
        passwords, lab = self.run.passwords, self.run.lab
        if passwords is not None and lab.credentials is passwords:
            lab.credentials = passwords.credentials
            passwords.close()

    def _work(self) -> None:
        try:
            while not self._stopping:
                with self._state:
                    seen = self._woken
                if not self.guard.acquire(urgent=False, timeout=NAP):
                    continue
                try:
                    if self._stopping or self.run.done:
                        self._own_credentials()
                        return
                    self.run.poll(until=self._yield)
                    nap = self._nap()
                finally:
                    self.guard.release()
                if nap:
                    self._sleep(seen, nap)
        except Exception as error:  # shown on the screen by the job, never a traceback
            self.error = error
            with self.guard:
                self.run.stop()
                self._own_credentials()
        finally:
            with self._state:
                self._over = True
                self._state.notify_all()

    def _sleep(self, seen: int, nap: float) -> None:
        """Nothing is due: say so, and sleep until the next arrival or a wake."""
        with self._state:
            self._idle_since = seen
            self._state.notify_all()
            self._state.wait_for(lambda: self._woken > seen, nap)

    def _yield(self) -> bool:
        """Stop between two requests: the screen waits for the lab, or the load is stopped."""
        return self.guard.wanted or self._stopping

    def _nap(self) -> float:
        """Wall seconds to sleep before the next arrival (0: one is due now)."""
        due = self.run.due_in()
        if due is None:
            return 0.0
        lab = self.run.lab
        if lab.paused:
            return NAP
        return min(NAP, due / lab.speed) if due > 0 else 0.0
