"""The server's side of the warm starter: start it, ask it for visitors, end it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import version

from cqrs_lab.tui.serve import warm

SCREEN_ENVIRONMENT = {
    "TEXTUAL_DRIVER": "textual.drivers.web_driver:WebDriver",
    "TEXTUAL_FPS": "60",
    "TEXTUAL_COLOR_SYSTEM": "truecolor",
    "TERM_PROGRAM": "textual",
}
"""What textual-serve sets for the app it runs. Textual reads it when imported, so the warm
process has it from the start."""


@dataclass(frozen=True, slots=True)
class VisitorProcess:
    """A visitor's lab screen: its pid (a process group of its own) and its pipes."""

    pid: int
    stdin: asyncio.StreamWriter
    stdout: asyncio.StreamReader
    stderr: asyncio.StreamReader


class WarmStarter:
    def __init__(self) -> None:
        self._channel, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        env = dict(os.environ) | SCREEN_ENVIRONMENT
        env["TERM_PROGRAM_VERSION"] = version("textual-serve")
        with theirs:
            self._process = subprocess.Popen(
                [sys.executable, "-m", warm.__name__, str(theirs.fileno())],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                env=env,
            )
        self._lock = asyncio.Lock()

    async def start(self, argv: Sequence[str], env: Mapping[str, str]) -> VisitorProcess:
        """A new lab screen running `cqrs-lab ARGV` with `env` added to its environment."""
        stdin_r, stdin_w = os.pipe()
        stdout_r, stdout_w = os.pipe()
        stderr_r, stderr_w = os.pipe()
        theirs = [stdin_r, stdout_w, stderr_w]
        request = json.dumps({"argv": list(argv), "env": dict(env)}).encode()
        try:
            async with self._lock:
                pid = await asyncio.to_thread(self._ask, request, theirs)
        finally:
            for fd in theirs:
                os.close(fd)
        loop = asyncio.get_running_loop()
        return VisitorProcess(
            pid,
            await _writer(loop, stdin_w),
            await _reader(loop, stdout_r),
            await _reader(loop, stderr_r),
        )

    def _ask(self, request: bytes, fds: list[int]) -> int:
        socket.send_fds(self._channel, [request], fds)
        answer = self._channel.recv(64)
        if not answer:
            raise OSError("the warm starter has ended")
        return int(answer)

    def close(self) -> None:
        """End the warm process; it ends every visitor's screen first."""
        self._channel.close()
        try:
            self._process.wait(timeout=warm.ENDING_GRACE + 3)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


async def _reader(loop: asyncio.AbstractEventLoop, fd: int) -> asyncio.StreamReader:
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(fd, "rb", buffering=0)
    )
    return reader


async def _writer(loop: asyncio.AbstractEventLoop, fd: int) -> asyncio.StreamWriter:
    transport, protocol = await loop.connect_write_pipe(
        lambda: asyncio.streams.FlowControlMixin(loop=loop), os.fdopen(fd, "wb", buffering=0)
    )
    return asyncio.StreamWriter(transport, protocol, None, loop)


def end(process: VisitorProcess) -> None:
    """Close the screen's input; it ends on its own, or with the warm process."""
    with contextlib.suppress(Exception):
        process.stdin.close()
