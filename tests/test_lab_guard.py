"""The lab guard: one thread at a time, the screen's (urgent) callers first, reentrant."""

from __future__ import annotations

import threading

import pytest

from cqrs_lab.lab.guard import LabGuard

WAIT = 30.0  # seconds a test waits for a thread at most (it never should)


def test_a_thread_holds_the_guard_again_and_lets_go_as_often() -> None:
    guard = LabGuard()
    with guard:
        with guard:
            assert guard.held()
        assert guard.held()
    assert not guard.held()


def test_only_the_holder_may_let_go() -> None:
    guard = LabGuard()
    with pytest.raises(RuntimeError, match="does not hold it"):
        guard.release()


def test_another_thread_waits_and_gives_up_after_its_timeout() -> None:
    guard = LabGuard()
    got: list[bool] = []
    with guard:
        other = threading.Thread(target=lambda: got.append(guard.acquire(timeout=0.01)))
        other.start()
        other.join(WAIT)
    assert got == [False] and not guard.wanted


def test_an_urgent_caller_goes_before_a_waiting_worker() -> None:
    guard = LabGuard()
    order: list[str] = []
    waiting = threading.Event()

    def worker() -> None:
        assert guard.acquire(urgent=False, timeout=WAIT)
        order.append("worker")
        guard.release()

    def screen() -> None:
        waiting.set()
        assert guard.acquire(timeout=WAIT)
        order.append("screen")
        guard.release()

    guard.acquire()
    threads = [threading.Thread(target=worker), threading.Thread(target=screen)]
    threads[0].start()
    threads[1].start()
    assert waiting.wait(WAIT)
    while not guard.wanted:  # the screen's thread is in acquire now
        threading.Event().wait(0.001)
    guard.release()
    for thread in threads:
        thread.join(WAIT)
    assert order == ["screen", "worker"]
