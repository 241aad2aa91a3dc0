"""`cqrs-lab serve` as a server: a token to get in, the Origin checked, a folder per visitor,
nothing written outside it, reset left to the instructor, every visitor ended at the stop.

Driven over real HTTP and websockets (aiohttp, which textual-serve brings) against a real
`cqrs-lab serve` process, the way a browser would talk to it; the browser itself is in
test_serve.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from tests.test_serve import accepts, free_port, wait_for_banner, wait_until

TIMEOUT = 30.0
READY = "CRUD"  # the view panel's twin: drawn once the visitor's lab is open
ADDRESS = re.compile(r"open (http://\S+) in a browser")


@dataclass(frozen=True)
class Served:
    url: str
    token: str
    process: subprocess.Popen[bytes]
    visitors: Path
    db: Path
    log: Path


def start_server(tmp_path: Path, *extra: str) -> Served:
    port, db, log = free_port(), tmp_path / "shared.db", tmp_path / "serve.log"
    visitors = tmp_path / "visitors"
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "cqrs_lab", "serve", "--port", str(port)),
            *("--visitors-dir", str(visitors), "--db", str(db), *extra),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    wait_for_banner(process, log)
    wait_until(lambda: accepts(port), "the server to listen", lambda: None)
    found = ADDRESS.search(log.read_text("utf-8"))
    assert found, log.read_text("utf-8")
    address = found.group(1)
    url, _, token = address.partition("/?token=")
    return Served(url, token, process, visitors, db, log)


def stop_server(served: Served) -> None:
    """SIGTERM, as Ctrl+C or a service manager would; the test fails if it hangs."""
    served.process.send_signal(signal.SIGTERM)
    try:
        served.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(served.process.pid, signal.SIGKILL)
        served.process.wait()
        raise AssertionError("the server did not stop on SIGTERM") from None


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    served = start_server(tmp_path)
    try:
        yield served
    finally:
        if served.process.poll() is None:
            stop_server(served)


class Visitor:
    """A browser's side of the websocket: keys in, the terminal's bytes out."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.drawn = ""

    async def wait_for(self, text: str) -> None:
        deadline = time.monotonic() + TIMEOUT
        while text not in self.drawn:
            try:
                message = await asyncio.wait_for(self.ws.receive(), deadline - time.monotonic())
            except TimeoutError:
                shown = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", self.drawn)
                shown = shown[shown.rfind("cannot") - 100 :][:1500]
                raise AssertionError(f"{text!r} never shown; the screen's end: {shown}") from None
            if message.type == aiohttp.WSMsgType.BINARY:
                self.drawn += message.data.decode("utf-8", "replace")
            elif message.type != aiohttp.WSMsgType.TEXT:
                raise AssertionError(f"the lab closed before showing {text!r}: {message}")

    async def focus(self) -> None:
        """What a page sends when its terminal is clicked: keys go to the app from now."""
        await self.ws.send_str(json.dumps(["focus"]))

    async def type_line(self, line: str) -> None:
        await self.ws.send_str(json.dumps(["stdin", line + "\r"]))


def visit(served: Served, *, origin: str | None = "", token: str | None = None):
    session = aiohttp.ClientSession()
    headers = {"Origin": served.url if origin == "" else origin} if origin is not None else {}
    ws_url = f"{served.url}/ws/{served.token if token is None else token}?width=120&height=40"
    return session, session.ws_connect(ws_url, headers=headers)


@contextlib.asynccontextmanager
async def visitor_of(served: Served) -> AsyncIterator[Visitor]:
    """A page that has opened its lab and been clicked (so keys go to the command bar)."""
    session, connecting = visit(served)
    async with session, connecting as ws:
        visitor = Visitor(ws)
        await visitor.focus()
        await visitor.wait_for(READY)
        yield visitor


def all_files(folder: Path) -> set[str]:
    return {str(path.relative_to(folder)) for path in folder.rglob("*")}


def descendants(pid: int) -> set[int]:
    """Every process below `pid`: the warm starter and the visitors' labs it forked."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rpartition(")")[2].split()[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier}
        found |= frontier
    return found


def visitor_labs(served: Served) -> set[int]:
    """The visitors' labs: below the warm starter, the server's only child."""
    return {pid for pid in descendants(served.process.pid) if pid not in children(served)}


def children(served: Served) -> set[int]:
    return descendants(served.process.pid) - {
        pid for child in descendants(served.process.pid) for pid in descendants(child)
    }


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").exists() and " Z " not in Path(f"/proc/{pid}/stat").read_text()


async def test_the_page_and_the_websocket_need_the_token(served: Served) -> None:
    async with aiohttp.ClientSession() as session:
        for query in ("", "?token=wrong", f"?token={served.token}x"):
            async with session.get(f"{served.url}/{query}") as page:
                assert page.status == 403, query
                assert "token" in await page.text()
        async with session.get(f"{served.url}/?token={served.token}") as page:
            assert page.status == 200
            assert f"/ws/{served.token}" in await page.text()
    for token in ("wrong", "-"):
        await assert_refused(served, token=token)


@pytest.mark.parametrize("origin", ["http://evil.example", "null", None])
async def test_a_foreign_or_missing_origin_is_refused(served: Served, origin: str | None) -> None:
    await assert_refused(served, origin=origin)


async def assert_refused(served: Served, **how: str | None) -> None:
    """The websocket handshake is refused (403) and no lab is started for it."""
    session, connecting = visit(served, **how)
    async with session:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await connecting
        assert refused.value.status == 403
    assert visitor_labs(served) == set()


async def test_a_visitor_writes_only_in_their_own_folder(served: Served, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.txt").write_text("keep me", "utf-8")
    neighbour = served.visitors / "visitor-0-neighbour"
    neighbour.mkdir(parents=True)
    before = all_files(tmp_path)
    for target, why in [
        (str(outside / "victim.txt"), "not a full path"),
        ("../visitor-0-neighbour/exports/x.jsonl", "may not leave the folder"),
        ("../../outside/victim.txt", "may not leave the folder"),
        ("/dev/full", "not a full path"),
    ]:
        async with visitor_of(served) as visitor:  # a fresh bar: a refused line stays in it
            await visitor.type_line(f"export '{target}'")
            await visitor.wait_for(why)
    assert (outside / "victim.txt").read_text("utf-8") == "keep me"
    async with visitor_of(served) as visitor:
        await visitor.type_line("export mine.jsonl")
        await visitor.wait_for("exported")
    added = all_files(tmp_path) - before
    assert all(name.startswith(("visitors/visitor-", "shared.db")) for name in added), added
    assert {name for name in added if name.endswith(".jsonl")} == {
        name for name in added if name.endswith("/exports/mine.jsonl")
    }
    assert len([name for name in added if name.endswith("mine.jsonl")]) == 1
    assert all_files(neighbour) == set()


async def test_a_visitor_of_a_shared_database_cannot_reset_it(served: Served) -> None:
    async with visitor_of(served) as visitor:
        await visitor.type_line('add-product mug "Blue mug" 12.50 10')
        await visitor.wait_for("ProductAdded")
        await visitor.type_line("reset")
        await visitor.wait_for("reset is for the instructor")
    async with visitor_of(served) as visitor:
        await visitor.type_line("rebuild catalog")
        await visitor.wait_for("rebuild is for the instructor")
    with sqlite3.connect(served.db) as connection:
        (count,) = connection.execute("SELECT COUNT(*) FROM events").fetchone()
    assert count == 1


async def test_every_visitors_lab_ends_with_the_server(served: Served) -> None:
    async with contextlib.AsyncExitStack() as pages:
        for _ in range(3):
            await pages.enter_async_context(visitor_of(served))
        labs = visitor_labs(served)
        assert len(labs) == 3
        await asyncio.to_thread(stop_server, served)
        assert [pid for pid in labs if alive(pid)] == []


def test_no_token_is_refused_beyond_this_machine() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cqrs_lab", "serve", "--host", "0.0.0.0", "--no-token"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "--no-token serves only this machine" in result.stderr
    assert "Traceback" not in result.stderr
