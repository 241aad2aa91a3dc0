"""`cqrs-lab replay FILE`: rebuild a lab from a recording that `export FILE` wrote."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cqrs_lab.commands.options import add_lab_options
from cqrs_lab.commands.output import quiet_broken_pipe

if TYPE_CHECKING:
    from cqrs_lab.lab import Lab
    from cqrs_lab.lab.recording import Recording

HELP = "rebuild a lab from a recording (export FILE) and show it, or open the screen on it"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="the recording (JSON Lines)")
    parser.add_argument(
        "--to", type=int, metavar="POSITION", help="stop after the event at this position"
    )
    shown = parser.add_mutually_exclusive_group()
    shown.add_argument("--json", action="store_true", help="print one JSON object")
    shown.add_argument("--tui", action="store_true", help="open the lab screen on the replay")
    add_lab_options(parser)
    parser.epilog = (
        "The lab is rebuilt in memory (or in the empty database --db names) from the recorded"
        " events, with the recorded seed, lane settings and production's (error policies, parked"
        " events, snapshots, cache, replicas, routes, upcasters); --seed replaces the seed for what"
        " you do next. Passwords are never recorded: replayed users cannot log in."
    )


@quiet_broken_pipe
def main(args: argparse.Namespace) -> int:
    from cqrs_lab.lab.recording import RecordingError, read, replay_recording
    from cqrs_lab.sim.clock import ScaledClock, VirtualClock
    from cqrs_lab.store.errors import StoreError

    try:
        recording = read(args.file)
        lab = replay_recording(
            recording,
            args.to,
            db=args.db,
            clock=ScaledClock() if args.tui else VirtualClock(),
        )
    except (RecordingError, StoreError) as error:
        print(f"cqrs-lab replay: {error}", file=sys.stderr)
        return 2
    try:
        if args.seed is not None:
            lab.reseed(args.seed)
        if args.tui:
            from cqrs_lab.tui.app import LabApp  # Textual loads only for the screen

            LabApp(lab).run()
        elif args.json:
            print(json.dumps(summary_json(args.file, recording, lab, args.to)))
        else:
            print(summary_text(args.file, recording, lab))
    finally:
        lab.close()
    return 0


def summary_json(file: Path, recording: Recording, lab: Lab, to: int | None) -> dict[str, Any]:
    return {
        "kind": "replay",
        "file": str(file),
        "created_at": recording.created_at,
        "to": to,
        "recorded_head": recording.head,
        "lines": list(lab.history),
        "events": dict(lab.metrics.events),
        "views": {view: lab.query(view, record=False).to_json() for view in ("catalog", "sales")},
        **lab.report(),
    }


def summary_text(file: Path, recording: Recording, lab: Lab) -> str:
    from cqrs_lab.lab.interpreter import describe_answer

    report = lab.report()
    cut = "" if lab.head == recording.head else f", stopped at #{lab.head} of #{recording.head}"
    out = [
        f"replayed {file} (recorded {recording.created_at}, seed {recording.seed}): "
        f"{sum(lab.metrics.events.values())} events{cut}, lab time t={report['now']:.3f}s"
    ]
    if lab.history:
        out.append(f"lines of the session ({len(lab.history)}):")
        out.extend(f"  {line}" for line in lab.history)
    counts = ", ".join(f"{kind} {count}" for kind, count in sorted(lab.metrics.events.items()))
    out.append(f"events: {counts or 'none'}")
    for name, lane in report["lanes"].items():
        trouble = [f"{lane['parked']} parked"] if lane["parked"] else []
        if stall := lab.subscribers[name].guard.stall:
            trouble.append(stall.describe(lab.clock.now()))
        out.append(
            f"lane {name}: {lane['mode']}, latency {lane['latency']}, faults {lane['faults']},"
            f" gaps {lane['gap_policy']}, on-error {lane['error_policy']}; projection at"
            f" #{lane['checkpoint']}" + "".join(f"; {what}" for what in trouble)
        )
    out.extend(describe_answer(lab.query(view, record=False)) for view in ("catalog", "sales"))
    return "\n".join(out)
