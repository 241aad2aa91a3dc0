"""A tiny in-memory shop for domain tests: decide + evolve over a dict of states."""

from __future__ import annotations

from cqrs_lab.shop.commands import Command
from cqrs_lab.shop.decide import Pending, decide, evolve
from cqrs_lab.shop.state import State, initial_state


class MemoryShop:
    def __init__(self) -> None:
        self.states: dict[str, State] = {}
        self.history: list[Pending] = []

    def load(self, stream_id: str) -> State:
        return self.states.get(stream_id) or initial_state(stream_id)

    def send(self, command: Command) -> list[Pending]:
        pending = decide(command, self.load)
        for item in pending:
            self.states[item.stream_id] = evolve(self.load(item.stream_id), item.event)
        self.history.extend(pending)
        return pending
