"""`cqrs-lab serve`: the lab screen in a web browser, one lab process per visitor.

Every browser that connects with the token gets a lab screen of its own, forked from a warm
process (`tui/serve/`), with a data folder of its own; the lab is in memory unless --db
names a database every visitor shares. With --classroom CODE each visitor is asked a name and
joins that classroom (`cqrs-lab join CODE`): their lab is a file in their own folder (the
classroom's database in a shared shop), and their progress comes back from the classroom
when they reconnect under the same name.
"""

from __future__ import annotations

import argparse
import ipaddress
import re
import secrets
import socket
import sys
from pathlib import Path
from urllib.parse import quote

from cqrs_lab.commands.options import add_lab_options, chosen_db

HELP = "serve the lab screen to web browsers (one lab per visitor)"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{4,64}")
LAN_WARNING = """\
WARNING: serving on {host}: anyone who can reach this machine on port {port} (the whole
classroom network, maybe more) and has the address below can open a lab here. Each visitor
runs a process on this machine, the token in the address is the only key, and traffic is
not encrypted. Use it on a network you trust, and stop the server (Ctrl+C) after the
workshop."""


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
    parser.add_argument(
        "--token",
        help="the word visitors need in the address (default: a new random one each start)",
    )
    parser.add_argument(
        "--no-token",
        action="store_true",
        help="let anyone who reaches the port in, without a token (loopback only)",
    )
    parser.add_argument(
        "--visitors-dir",
        type=Path,
        help="where each visitor's data folder goes (default: a temporary folder, removed"
        " when the server stops)",
    )
    parser.add_argument(
        "--classroom",
        metavar="CODE",
        help="serve classroom CODE (on --db's database): each visitor types their name, joins,"
        " and gets their own lab and progress in their own folder",
    )
    add_lab_options(parser)
    parser.epilog = (
        "Every visitor gets a lab in memory, forgotten when the page closes, and a data folder"
        " of their own. With --db FILE every visitor's lab works on that one database: they"
        " see each other's events, and reset and rebuild are left to the instructor."
    )


def main(args: argparse.Namespace) -> int:
    problem = _refusal(args) or _classroom_refusal(args)
    if problem:
        print(f"cqrs-lab serve: {problem}", file=sys.stderr)
        return 2
    token = None if args.no_token else args.token or secrets.token_urlsafe(12)
    public_url = (args.public_url or f"http://{_reachable_host(args.host)}:{args.port}").rstrip("/")
    if not _is_loopback(args.host):
        print(LAN_WARNING.format(host=args.host, port=args.port), file=sys.stderr)
    address = f"{public_url}/?token={quote(token)}" if token else f"{public_url}/"
    print(f"open {address} in a browser (Ctrl+C stops the server)", file=sys.stderr)
    from cqrs_lab.tui.serve.server import LabServer  # aiohttp and friends load only to serve

    db = chosen_db(args)
    shared_db, code = db is not None and db != ":memory:", None
    if args.classroom is not None:
        code, shared_db = classroom_of(args.classroom, db)
    server = LabServer(
        visitor_argv(args.seed, code),
        db=db,
        host=args.host,
        port=args.port,
        public_url=public_url,
        token=token,
        visitors_dir=args.visitors_dir,
        shared_db=shared_db,
    )
    try:
        server.serve()
    except OSError as error:  # most often: the port is taken
        print(f"cqrs-lab serve: cannot serve on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 2
    return 0


def _refusal(args: argparse.Namespace) -> str | None:
    if not 0 < args.port < 65536:
        return f"--port must be from 1 to 65535, got {args.port}"
    if args.no_token and args.token:
        return "--token and --no-token contradict each other"
    if args.no_token and not _is_loopback(args.host):
        return (
            f"--no-token serves only this machine: on {args.host} anyone on the network"
            " could open a lab; leave the token on (it is in the address serve prints)"
        )
    if args.token is not None and not TOKEN_SHAPE.fullmatch(args.token):
        return "--token takes 4 to 64 letters, digits, '-' or '_'"
    return None


def _classroom_refusal(args: argparse.Namespace) -> str | None:
    if args.classroom is None:
        return None
    db = chosen_db(args)
    if db is None or db == ":memory:":
        return "--classroom needs the classroom's database: --db FILE, or $CQRS_LAB_DB"
    from cqrs_lab.store.errors import StoreError

    try:
        classroom_of(args.classroom, db)
    except StoreError as error:
        return str(error)
    return None


def classroom_of(code: str, db: str | None) -> tuple[str, bool]:
    """Classroom `code`'s own spelling and whether it is a shared shop (then every visitor's
    lab is on `db`, and reset and rebuild are the instructor's); `StoreError` if it takes no
    joins."""
    from cqrs_lab.classroom.storage import ClassroomStore

    store = ClassroomStore.open(db)
    try:
        classroom = store.joinable(code)
    finally:
        store.close()
    return classroom.code, classroom.shared_shop


def visitor_argv(seed: int | None, classroom: str | None = None) -> list[str]:
    """What each visitor's lab runs: the lab screen, or with a classroom the attendee's
    screen, which asks the visitor's name. The database is not on it: it goes in the
    visitor's environment ($CQRS_LAB_DB), where `ps` does not show its password."""
    words = ["join", classroom] if classroom else ["tui"]
    if seed is not None:
        words += ["--seed", str(seed)]
    return words


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
