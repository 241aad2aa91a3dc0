"""One browser visitor's lab screen, started by the warm starter instead of a new shell."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Mapping, Sequence
from typing import Any

from textual_serve.app_service import AppService

from cqrs_lab.tui.serve.starter import VisitorProcess, WarmStarter

QUIT_GRACE = 3.0
"""Seconds a screen has to quit when its page closes before its process group is killed."""


class VisitorService(AppService):
    """textual-serve's AppService, but the process comes forked from the warm starter, with
    the visitor's own data folder in its environment, and it always ends."""

    def __init__(
        self,
        starter: WarmStarter,
        argv: Sequence[str],
        env: Mapping[str, str],
        **options: Any,
    ) -> None:
        super().__init__("cqrs-lab " + " ".join(argv), **options)
        self._starter = starter
        self._argv = list(argv)
        self._env = dict(env)
        self.visitor: VisitorProcess | None = None

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Any:
        env = self._env | {"COLUMNS": str(width), "ROWS": str(height)}
        self.visitor = await self._starter.start(self._argv, env)
        self._process = self.visitor  # type: ignore[assignment]  # what `run` reads from
        self._stdin = self.visitor.stdin
        return self.visitor

    async def stop(self) -> None:
        if self._task is not None:
            with contextlib.suppress(TimeoutError, ConnectionError, RuntimeError):
                await asyncio.wait_for(asyncio.shield(super().stop()), QUIT_GRACE)
        if self.visitor is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.visitor.pid, signal.SIGKILL)
            with contextlib.suppress(Exception):
                self.visitor.stdin.close()
            self.visitor = None
