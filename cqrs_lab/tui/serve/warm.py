"""The warm starter: one process that has imported the lab and its screen, forked per visitor.

A new Python that imports Textual, SQLAlchemy, pydantic and the lab spends most of a second
of CPU before it draws anything; twenty visitors arriving together on two cores would wait
ten seconds or more. The server starts this process once; for each visitor it sends the
three ends of the visitor's pipes (stdin, stdout, stderr) and what the visitor's environment
adds, and the warm process forks a child that runs the lab screen on them. The child shares
the imported modules with its parent, so it starts in the time the app itself takes.

The protocol is one request a message on a Unix socket: a JSON object (`argv`, `env`) with
three file descriptors; the answer is the child's pid as text. When the server's end of the
socket closes, the warm process ends every child it started and exits.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Sequence

from cqrs_lab.environment import DATA_DIR_ENV

WARM_MODULES = (
    "cqrs_lab.cli",
    "cqrs_lab.commands.tui",
    "cqrs_lab.tui.app",
    "cqrs_lab.lab",
    "cqrs_lab.lessons",
    "textual.drivers.web_driver",
)
"""Imported once in the warm process, before any visitor comes."""

WARM_SIZE = (120, 40)
MAX_REQUEST = 64 * 1024
STREAMS = 3
ENDING_GRACE = 2.0
"""Seconds a child has to end after SIGTERM before it is killed."""


def main(argv: Sequence[str]) -> int:
    """`python -m cqrs_lab.tui.serve.warm FD`: serve spawn requests on socket FD."""
    channel = socket.socket(fileno=int(argv[0]))
    for module in WARM_MODULES:
        __import__(module)
    warm_up()
    gc.freeze()  # what is here now is shared with every child, never copied by the collector
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server decides when we end
    children: list[int] = []
    try:
        while request := _receive(channel):
            message, fds = request
            pid = _spawn(channel, message, fds)
            children = [*(child for child in children if _alive(child)), pid]
            channel.sendall(str(pid).encode())
    finally:
        end_children(children)
    return 0


def warm_up() -> None:
    """Run one lab screen headless until its lab is open, then throw it away: the caches a
    first run fills (styles, colours, segments, compiled SQL) are then every child's."""
    from cqrs_lab.commands.tui import lab_app

    async def run_once() -> None:
        app = lab_app(argparse.Namespace(db=":memory:", seed=1))
        async with app.run_test(size=WARM_SIZE) as pilot:
            while not app.ready:
                await pilot.pause(0.01)
            await pilot.pause()

    before = os.environ.get(DATA_DIR_ENV)
    with tempfile.TemporaryDirectory(prefix="cqrs-lab-warm-") as folder:
        os.environ[DATA_DIR_ENV] = folder  # its lesson progress is nobody's
        try:
            asyncio.run(run_once())
        finally:
            if before is None:
                del os.environ[DATA_DIR_ENV]
            else:
                os.environ[DATA_DIR_ENV] = before


def _receive(channel: socket.socket) -> tuple[dict[str, object], list[int]] | None:
    data, fds, _, _ = socket.recv_fds(channel, MAX_REQUEST, STREAMS)
    if not data:
        return None
    return json.loads(data), fds


def _spawn(channel: socket.socket, message: dict[str, object], fds: list[int]) -> int:
    pid = os.fork()
    if pid:
        for fd in fds:
            os.close(fd)
        return pid
    try:  # the child: become the visitor's lab screen, never return to the loop above
        channel.close()
        os.setsid()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        env = message.get("env")
        os.environ.update(env if isinstance(env, dict) else {})
        argv = message.get("argv")
        from cqrs_lab.cli import main as lab_main

        code = lab_main([str(word) for word in argv] if isinstance(argv, list) else [])
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else 1
    except BaseException as error:  # what the app could not show goes to the server's log
        with contextlib.suppress(OSError):
            os.write(2, f"the lab screen failed: {type(error).__name__}: {error}\n".encode())
        code = 1
    with contextlib.suppress(Exception):
        sys.stdout.flush()
    os._exit(code or 0)


def end_children(pids: Sequence[int]) -> None:
    """SIGTERM every child's process group, then SIGKILL what is left after a grace."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + ENDING_GRACE
    alive = list(pids)
    while alive and time.monotonic() < deadline:
        alive = [pid for pid in alive if _alive(pid)]
        time.sleep(0.05)
    for pid in alive:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
