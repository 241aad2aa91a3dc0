"""`cqrs-lab serve`: the lab screen in a web browser, one lab process per visitor.

textual-serve starts `python -m cqrs_lab tui` for every browser that connects, so each
workshop attendee gets a lab of their own (in memory unless --db names a shared database).
"""

from __future__ import annotations

import argparse
import ipaddress
import shlex
import socket
import sys

from cqrs_lab.commands.options import add_lab_options

HELP = "serve the lab screen to web browsers (one lab per visitor)"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
LAN_WARNING = """\
WARNING: serving on {host}: anyone who can reach this machine on port {port} (the whole
classroom network, maybe more) can open a lab here. Each visitor runs a process on this
machine, there is no login, and traffic is not encrypted. Use it on a network you trust,
and stop the server (Ctrl+C) after the workshop."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default {DEFAULT_HOST}, this machine only; 0.0.0.0 for"
        " a classroom network)",
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="default %(default)s")
    parser.add_argument(
        "--public-url",
        help="the address browsers use to reach this server (default: guessed from --host)",
    )
    add_lab_options(parser)
    parser.epilog = (
        "Every visitor gets a lab in memory, forgotten when the page closes. With --db FILE"
        " every visitor's lab works on that one database: they see each other's events."
    )


def main(args: argparse.Namespace) -> int:
    if not 0 < args.port < 65536:
        print(f"cqrs-lab serve: --port must be from 1 to 65535, got {args.port}", file=sys.stderr)
        return 2
    public_url = args.public_url or f"http://{_reachable_host(args.host)}:{args.port}"
    if not _is_loopback(args.host):
        print(LAN_WARNING.format(host=args.host, port=args.port), file=sys.stderr)
    print(f"open {public_url} in a browser (Ctrl+C stops the server)", file=sys.stderr)
    from cqrs_lab.tui.serve import serve_screen  # aiohttp and friends load only to serve

    try:
        serve_screen(
            app_command(args.db, args.seed), host=args.host, port=args.port, public_url=public_url
        )
    except OSError as error:  # most often: the port is taken
        print(f"cqrs-lab serve: cannot serve on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 2
    return 0


def app_command(db: str | None, seed: int | None) -> str:
    """The shell command textual-serve runs per visitor: this Python, the lab screen."""
    words = [sys.executable, "-m", "cqrs_lab", "tui", "--db", db if db is not None else ":memory:"]
    if seed is not None:
        words += ["--seed", str(seed)]
    return shlex.join(words)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _reachable_host(host: str) -> str:
    """The host part of the URL the page is told to connect back to. A wildcard address
    cannot be connected to: use this machine's address on its default route instead."""
    if host not in ("0.0.0.0", "::", ""):
        return f"[{host}]" if ":" in host else host
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # UDP connect sends nothing; it picks a route
            return str(probe.getsockname()[0])
        except OSError:
            return socket.gethostname()
