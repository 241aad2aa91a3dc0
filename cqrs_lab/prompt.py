"""A plain line prompt on a lab: for terminals where the full screen is not wanted."""

from __future__ import annotations

from cqrs_lab.lab import Lab


def run_prompt(lab: Lab) -> int:
    print(f"CQRS Lab (seed {lab.seed}). Type lab lines, 'help' for commands, ctrl-d to quit.")
    while True:
        try:
            line = input("lab> ")
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        lab.tick()
        outcome = lab.execute(line)
        if outcome.message:
            print(outcome.message)
