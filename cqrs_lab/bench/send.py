"""End-to-end `Lab.send`: load the aggregates, decide, append, update the CRUD twin.

The commands are the Poisson workload's, checked beforehand against the shop's rules in
memory, sent in order to a fresh lab on a file (the lab's durability); only `send` is
timed. Passwords are hashed at scrypt n=2**4: at the real cost (2**14) the few
registrations would take most of the time, and hashing is not what this measures. The
baseline is the event store's own append rate from the same run: the floor of any command.
"""

from __future__ import annotations

import time
from pathlib import Path

from cqrs_lab.bench.data import shop_commands
from cqrs_lab.bench.harness import Figure, Plan, Target, rate
from cqrs_lab.lab.core import Lab
from cqrs_lab.sim.clock import VirtualClock
from cqrs_lab.write.results import Rejected

PASSWORD_COST = 2**4


def measure(plan: Plan, folder: Path, store_append_per_s: float) -> list[Figure]:
    commands = shop_commands(plan.commands)
    lab = Lab.open(
        str(folder / "send.db"), seed=1, clock=VirtualClock(), password_cost=PASSWORD_COST
    )
    try:
        elapsed = 0.0
        refused = 0
        for command in commands:
            began = time.perf_counter()
            result = lab.send(command)
            elapsed += time.perf_counter() - began
            refused += isinstance(result, Rejected)
            lab.clock.advance(0.02)
    finally:
        lab.close()
    if refused:
        raise RuntimeError(f"{refused} of the benchmark's commands were refused")
    return [
        Figure(
            "end-to-end send (load, decide, append, CRUD twin)",
            rate(len(commands), elapsed),
            "commands/s",
            "event store append",
            store_append_per_s,
            Target(3_000, at_least=True),
            {"send_per_s": "value", "send_ratio_vs_store_append": "ratio"},
            note=f"{len(commands):,} workload commands, scrypt n=2**4",
            baseline_unit="appends/s",
        )
    ]
