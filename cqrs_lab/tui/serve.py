"""Serving the lab screen to web browsers with textual-serve: one lab process per visitor."""

from __future__ import annotations

from textual_serve.server import Server


def serve_screen(command: str, *, host: str, port: int, public_url: str) -> None:
    """Run `command` (the lab screen) for every visitor until the server is stopped."""
    Server(command, host=host, port=port, title="CQRS Lab", public_url=public_url).serve()
