"""`cqrs-lab serve` in a real headless Chromium: the page loads, a lab line typed into the
command bar runs in the visitor's own lab, and the page shows the event.

The page draws the terminal on a canvas (the DOM holds no text), so the test checks what
the server sent the page's terminal to draw, the side effect in the database the served
lab writes to (--db), and leaves a screenshot. Debian's chromium is driven by Python
playwright (never `playwright install`: it downloads a browser). Skipped only when
/usr/bin/chromium is missing outside CI; in CI a missing browser fails the test.
"""

from __future__ import annotations

import os
import re
import select
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LINE = "register alice alice@example.com s3cret-pass"
SCREENSHOT = Path("/tmp/cqrs-lab-serve.png")
TIMEOUT = 25.0  # seconds for each wait on the server, the lab process or the page

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"),
    reason="needs Debian's chromium at /usr/bin/chromium (apt-get install -y chromium);"
    " .ci/run installs it, and in CI this test never skips",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(check: Callable[[], bool], what: str, pause: Callable[[], None]) -> None:
    """Poll `check` until it holds; the server and the lab are other processes."""
    deadline = time.monotonic() + TIMEOUT
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {TIMEOUT:.0f}s waiting for {what}")
        pause()


READY = "Press Ctrl+C to quit"  # textual-serve prints it as the server starts


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`cqrs-lab serve` on a free port, every visitor's lab on one database file; the
    address it printed, with its token."""
    port, db = free_port(), tmp_path / "served.db"
    log = tmp_path / "serve.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "cqrs_lab", "serve", "--port", str(port), "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: the visitors' labs end with it
    )
    try:
        wait_for_banner(process, log)
        wait_until(lambda: accepts(port), "the server to listen", lambda: None)
        address = re.search(r"open (http://\S+) in a browser", log.read_text("utf-8"))
        assert address, log.read_text("utf-8")
        yield address.group(1), db
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_for_banner(process: subprocess.Popen[bytes], log: Path) -> None:
    """Read the server's output (blocking on its pipe, no polling) until it says it is up;
    then copy the rest of its output to `log` in the background."""
    assert process.stdout is not None
    fd, seen = process.stdout.fileno(), b""
    deadline = time.monotonic() + TIMEOUT
    while READY.encode() not in seen:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        chunk = os.read(fd, 65536) if ready else b""
        assert chunk, f"the server did not start: {seen.decode(errors='replace')}"
        seen += chunk
    log.write_bytes(seen)

    def copy_rest() -> None:
        with log.open("ab") as out:
            while chunk := os.read(fd, 65536):
                out.write(chunk)

    threading.Thread(target=copy_rest, daemon=True).start()


def accepts(port: int) -> bool:
    """Whether the server takes connections: it binds right after printing its banner."""
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def event_types(db: Path) -> list[str]:
    if not db.exists():
        return []
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        try:
            rows = connection.execute("SELECT type FROM events ORDER BY position").fetchall()
        except sqlite3.OperationalError:  # the lab has not created its tables yet
            return []
    return [row[0] for row in rows]


def test_a_line_typed_in_the_browser_runs_in_the_visitors_lab(server: tuple[str, Path]) -> None:
    from playwright.sync_api import WebSocket, sync_playwright

    url, db = server
    drawn: list[str] = []  # what the server sent the page's terminal to draw

    def watch(websocket: WebSocket) -> None:
        websocket.on(
            "framereceived",
            lambda payload: drawn.append(
                payload.decode("utf-8", "replace") if isinstance(payload, bytes) else payload
            ),
        )

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.on("websocket", watch)
            with page.expect_websocket(timeout=TIMEOUT * 1000) as opened:
                page.goto(url, wait_until="domcontentloaded")
            terminal = opened.value

            def pause() -> None:  # until the server sends the page's terminal something new
                terminal.wait_for_event("framereceived", timeout=TIMEOUT * 1000)

            wait_until(lambda: "CQRS Lab" in "".join(drawn), "the lab screen to draw", pause)
            # Row 0 is the status line: a click there gives the page keyboard focus without
            # moving the app's focus away from the command bar.
            page.locator("#terminal").click(position={"x": 40, "y": 6})
            page.keyboard.type(LINE)
            page.keyboard.press("Enter")
            wait_until(lambda: "UserRegistered" in "".join(drawn), "the event on the page", pause)
            pause()  # one frame more, so the canvas has drawn it
            page.screenshot(path=str(SCREENSHOT))
        finally:
            browser.close()
    assert event_types(db) == ["UserRegistered"]
    assert SCREENSHOT.stat().st_size > 0
