"""`cqrs-lab serve` as a server: a token to get in, the Origin checked, a folder per visitor.

textual-serve's `Server` runs any command for any page that connects. This subclass adds
what a workshop on a shared network needs:

- the page and its websocket need the session's token (in the address `serve` prints), so
  a guess at the port opens nothing;
- the websocket's `Origin` must be the served address, so another web page the instructor
  opens cannot drive a lab (a browser always sends it; a missing one is refused too);
- every visitor gets a data folder of their own (their progress, their `exports/`) and,
  when the database is shared, the visitor role that leaves `reset` to the instructor;
- visitors' labs are forked from a warm process and all end when the server stops.
"""

from __future__ import annotations

import hmac
import itertools
import logging
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp_jinja2
from aiohttp import web
from textual_serve.server import Server, to_int

from cqrs_lab.environment import CONFIG_ENV, DATA_DIR_ENV, DB_ENV, VISITOR_ENV
from cqrs_lab.tui.serve.starter import WarmStarter
from cqrs_lab.tui.serve.visitor import VisitorService

log = logging.getLogger("textual-serve")

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
REFUSED_PAGE = """\
<!doctype html><title>CQRS Lab</title>
<p>This lab needs the address that <code>cqrs-lab serve</code> printed, with its token
(<code>/?token=…</code>). Ask the instructor for it.</p>
"""


class LabServer(Server):
    def __init__(
        self,
        argv: Sequence[str],
        *,
        host: str,
        port: int,
        public_url: str,
        token: str | None,
        visitors_dir: Path | None,
        shared_db: bool,
        db: str | None = None,
    ) -> None:
        super().__init__("cqrs-lab " + " ".join(argv), host=host, port=port, title="CQRS Lab")
        self.public_url = public_url.rstrip("/")
        self.argv = list(argv)
        self.token = token
        self.shared_db = shared_db
        self.db = db or ":memory:"
        """Handed to each visitor in $CQRS_LAB_DB, never in its argv."""
        self._own_visitors_dir = visitors_dir is None
        self.visitors_dir = visitors_dir or Path(tempfile.mkdtemp(prefix="cqrs-lab-serve-"))
        self._numbers = itertools.count(1)
        self._origins = allowed_origins(self.public_url, port)
        self._starter: WarmStarter | None = None

    async def _make_app(self) -> web.Application:
        app = web.Application()
        aiohttp_jinja2.setup(app, loader=_templates(self.templates_path))
        app.add_routes(
            [
                web.get("/", self.handle_index, name="index"),
                web.get("/ws/{token}", self.handle_websocket, name="websocket"),
                web.get("/download/{key}", self.handle_download, name="download"),
                web.static("/static", self.statics_path, name="static"),
            ]
        )
        app.on_startup.append(self.on_startup)
        app.on_shutdown.append(self.on_shutdown)
        return app

    async def on_startup(self, app: web.Application) -> None:
        self.visitors_dir.mkdir(parents=True, exist_ok=True)
        self._starter = WarmStarter()
        self.console.print(f"Serving CQRS Lab on {self.public_url}")
        self.console.print("\n[cyan]Press Ctrl+C to quit")

    async def on_shutdown(self, app: web.Application) -> None:
        if self._starter is not None:
            self._starter.close()  # ends every visitor's lab
            self._starter = None
        if self._own_visitors_dir:
            shutil.rmtree(self.visitors_dir, ignore_errors=True)

    def _admits(self, token: str | None) -> bool:
        if self.token is None:
            return True
        return token is not None and hmac.compare_digest(token.encode(), self.token.encode())

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        token = request.query.get("token")
        if not self._admits(token):
            return web.Response(status=403, text=REFUSED_PAGE, content_type="text/html")
        scheme = "wss" if self.public_url.startswith("https") else "ws"
        context = {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": f"{scheme}:{self.public_url.split(':', 1)[1]}/ws/{token or '-'}",
            "config": {"static": {"url": f"{self.public_url}/static/"}},
            "application": {"name": self.title},
        }
        return aiohttp_jinja2.render_template("app_index.html", request, context)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        origin = request.headers.get("Origin")
        if origin not in self._origins:
            log.warning("refused a websocket from origin %r", origin)
            raise web.HTTPForbidden(text="this lab is served to its own page only")
        if not self._admits(request.match_info.get("token")):
            raise web.HTTPForbidden(text="this lab needs the token serve printed")
        if self._starter is None:
            raise web.HTTPServiceUnavailable(text="the server is stopping")
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        service = VisitorService(
            self._starter,
            self.argv,
            self._visitor_env(),
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=websocket.close,
            download_manager=self.download_manager,
        )
        try:
            await websocket.prepare(request)
            await service.start(width, height)
            await self._process_messages(websocket, service)
        except Exception as error:
            log.exception(error)
        finally:
            await service.stop()
        return websocket

    def _visitor_env(self) -> dict[str, str]:
        folder = tempfile.mkdtemp(prefix=f"visitor-{next(self._numbers)}-", dir=self.visitors_dir)
        # Their own config file too: a theme a visitor picks is saved there, not in yours.
        env = {
            DATA_DIR_ENV: folder,
            CONFIG_ENV: str(Path(folder) / "config.toml"),
            DB_ENV: self.db,
        }
        if self.shared_db:
            env[VISITOR_ENV] = "1"
        return env


def allowed_origins(public_url: str, port: int) -> frozenset[str]:
    """The Origin a page of ours sends: the public address, and its loopback aliases."""
    parts = urlsplit(public_url)
    origins = {f"{parts.scheme}://{parts.netloc}"}
    if parts.hostname in ("127.0.0.1", "localhost", "::1"):
        origins |= {f"{parts.scheme}://{name}:{port}" for name in LOOPBACK_NAMES}
    return frozenset(origins)


def _templates(path: Path) -> Any:
    import jinja2

    return jinja2.FileSystemLoader(path)
