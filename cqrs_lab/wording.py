"""How the lab counts things in words: "1 event", "3 events", "2 deliveries".

It imports nothing of the lab, so every layer may use it (as `config.py`).
"""

from __future__ import annotations


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """`number` and `noun`, plural unless it is 1 (`plural`: when not noun + "s")."""
    if number == 1:
        return f"1 {noun}"
    return f"{number} {plural or noun + 's'}"
