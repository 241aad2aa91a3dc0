"""Visitors arriving together at `cqrs-lab serve`: time to a ready lab, memory per visitor.

A real `cqrs-lab serve` process on a loopback port; each visitor is a websocket client
that does what the page does (the token, its Origin, a size) and waits until the screen
shows the lab open (the CRUD twin's panel). The baseline is one visitor alone on the same
server, measured first. Memory per visitor is the proportional set size (shared pages
split between the processes sharing them) of each visitor's process, read from
/proc/PID/smaps_rollup while all of them are open, beside the whole warm process's.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from cqrs_lab.bench.harness import Figure, Plan, Target

if TYPE_CHECKING:
    import aiohttp

READY = "CRUD"
ADDRESS = re.compile(r"open (http://\S+) in a browser")
TIMEOUT = 120.0
P95_LIMIT = 5.0


def measure(plan: Plan, folder: Path) -> list[Figure]:
    visitors = 8 if plan.quick else 20
    port = _free_port()
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "cqrs_lab", "serve", "--port", str(port)),
            *("--visitors-dir", str(folder / "visitors")),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        url, token = _address(server)
        _wait_until_listening(port)
        alone = [asyncio.run(_visitors(url, token, 1, server.pid))[0][0] for _ in range(3)]
        times, pss = asyncio.run(_visitors(url, token, visitors, server.pid))
        warm_rss = _warm_rss(server.pid)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    times.sort()
    p95 = times[max(0, round(0.95 * len(times)) - 1)]
    return [
        Figure(
            f"serve: {visitors} visitors at once, p95 time to a ready lab",
            p95,
            "s",
            "one visitor alone",
            statistics.median(alone),
            Target(P95_LIMIT, at_least=False),
            {"serve_p95_ready_s": "value", "serve_alone_ready_s": "baseline"},
            note=f"median {statistics.median(times):.2f} s, slowest {times[-1]:.2f} s",
            extra={"serve_visitors": visitors, "serve_median_ready_s": statistics.median(times)},
        ),
        Figure(
            "serve: memory per visitor (PSS)",
            statistics.mean(pss),
            "MB",
            "the warm process every visitor is forked from (RSS)",
            warm_rss,
            None,
            {"serve_visitor_pss_mb": "value", "serve_warm_rss_mb": "baseline"},
        ),
    ]


async def _visitors(
    url: str, token: str, count: int, server: int
) -> tuple[list[float], list[float]]:
    """Seconds each of `count` visitors took to a ready lab; then each one's PSS in MB."""
    import aiohttp  # comes with textual-serve; only this measurement needs it

    async with aiohttp.ClientSession() as session:
        done = asyncio.Event()
        loop = asyncio.get_running_loop()
        ready = [loop.create_future() for _ in range(count)]
        visits = [
            asyncio.create_task(_visit(session, url, token, arrived, done)) for arrived in ready
        ]
        times = await asyncio.gather(*ready)
        pss = [_pss_mb(pid) for pid in _visitor_pids(server)]
        done.set()
        await asyncio.gather(*visits)
    return list(times), pss


async def _visit(
    session: aiohttp.ClientSession,
    url: str,
    token: str,
    ready: asyncio.Future[float],
    done: asyncio.Event,
) -> None:
    """Open a lab as a page does; say how long it took to be ready; stay until `done`."""
    import aiohttp

    began = time.monotonic()
    try:
        async with session.ws_connect(
            f"{url}/ws/{token}?width=120&height=40", headers={"Origin": url}
        ) as ws:
            await ws.send_str(json.dumps(["resize", {"width": 120, "height": 40}]))
            drawn = ""
            while READY not in drawn:
                message = await asyncio.wait_for(ws.receive(), TIMEOUT)
                if message.type == aiohttp.WSMsgType.BINARY:
                    drawn += message.data.decode("utf-8", "replace")
                elif message.type != aiohttp.WSMsgType.TEXT:
                    raise RuntimeError(f"a visitor's lab closed before it was ready: {message}")
            ready.set_result(time.monotonic() - began)
            draining = asyncio.create_task(_drain(ws))
            await done.wait()
            draining.cancel()
    except Exception as error:
        if not ready.done():
            ready.set_exception(error)
        raise


async def _drain(ws: aiohttp.ClientWebSocketResponse) -> None:
    """Read what the screen sends on, so its process never blocks on a full pipe."""
    async for _ in ws:
        pass


def _address(server: subprocess.Popen[bytes]) -> tuple[str, str]:
    assert server.stdout is not None
    seen, deadline = "", time.monotonic() + TIMEOUT
    while "Press Ctrl+C to quit" not in seen:
        line = server.stdout.readline()
        if not line or time.monotonic() > deadline:
            raise RuntimeError(f"cqrs-lab serve did not start: {seen}")
        seen += line.decode("utf-8", "replace")
    found = ADDRESS.search(seen)
    if not found:
        raise RuntimeError(f"cqrs-lab serve printed no address: {seen}")
    url, _, token = found.group(1).partition("/?token=")
    return url, token


def _wait_until_listening(port: int) -> None:
    """The banner comes just before the server binds its port: wait for the bind."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        if time.monotonic() > deadline:
            raise RuntimeError(f"cqrs-lab serve never listened on port {port}")
        time.sleep(0.02)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _visitor_pids(server: int) -> list[int]:
    return [pid for warm in _children(server) for pid in _children(warm)]


def _warm_rss(server: int) -> float:
    (warm,) = _children(server)
    return _rollup(warm, "Rss:")


def _pss_mb(pid: int) -> float:
    return _rollup(pid, "Pss:")


def _rollup(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} for process {pid}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
