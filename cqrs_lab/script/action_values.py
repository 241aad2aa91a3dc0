"""How an action class is declared: `@action` makes it a frozen, slotted dataclass, a plain
immutable value compared by its fields (the interpreter dispatches on its class). One place
for that choice instead of the same decorator on every action of every kind of line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar, dataclass_transform

_Action = TypeVar("_Action")


@dataclass_transform(frozen_default=True)
def action(cls: type[_Action]) -> type[_Action]:
    return dataclass(frozen=True, slots=True)(cls)
