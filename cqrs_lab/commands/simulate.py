"""`cqrs-lab simulate`: a Poisson workload in virtual time, and a report of what it did."""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable

from cqrs_lab.commands.options import add_lab_options, chosen_db
from cqrs_lab.commands.output import quiet_broken_pipe

HELP = "run a Poisson workload in virtual time and report lag, staleness and the models"
MAX_RATE = 1_000.0
_RATE = re.compile(r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:/s)?", re.IGNORECASE)
_LANE_SETTINGS = {
    "latency": "LANE=SPEC: a lane's latency, e.g. orders=exp:800ms (lanes: catalog, carts, "
    "orders, sales, all; with --services on also payments and shipping)",
    "faults": "LANE=FAULTS: e.g. orders=drop=0.1,dup=0.05,reorder=on",
    "mode": "LANE=MODE: async or inline",
    "gaps": "LANE=POLICY: wait or catch-up",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rate", type=_rate, default=50.0, help="requests a lab second, e.g. 50/s (default 50/s)"
    )
    parser.add_argument(
        "--for",
        dest="duration",
        type=_duration,
        default=600.0,
        help="lab time to run, e.g. 10m or 90s (default 10m)",
    )
    for name, text in _LANE_SETTINGS.items():
        parser.add_argument(
            f"--{name}",
            action="append",
            type=_lane_setting(name),
            default=[],
            metavar="LANE=VALUE",
            help=f"{text}; repeat for more lanes",
        )
    parser.add_argument(
        "--sample",
        type=_duration,
        default=0.1,
        help="lab time between lag samples (default 100ms)",
    )
    parser.add_argument(
        "--services",
        choices=("on", "off"),
        default="off",
        help="on: Orders, Payments and Shipping as services; the report adds each checkout's "
        "latency from order to shipped or cancelled, beside the sum of the lanes' means",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    add_lab_options(parser)


@quiet_broken_pipe
def main(args: argparse.Namespace) -> int:
    from cqrs_lab.simulate import SimulationConfig, SimulationError, render, simulate
    from cqrs_lab.store.errors import StoreError

    lines = tuple(line for name in _LANE_SETTINGS for line in getattr(args, name))
    config = SimulationConfig(
        rate=args.rate,
        duration=args.duration,
        seed=args.seed,
        lines=lines,
        db=chosen_db(args, ":memory:"),
        sample_every=args.sample,
    )
    began = time.perf_counter()
    try:
        if args.services == "on":
            from cqrs_lab.simulate.checkout import render_checkouts, simulate_checkouts

            result, figures = simulate_checkouts(config)
            report = {**result.to_json(), "checkouts": figures.to_json()}
            text = render(result) + "\n" + render_checkouts(figures)
        else:
            result = simulate(config)
            report, text = result.to_json(), render(result)
    except (SimulationError, StoreError) as error:
        print(f"cqrs-lab simulate: {error}", file=sys.stderr)
        return 2
    took = time.perf_counter() - began
    print(json.dumps(report, indent=2) if args.json else text, end="")
    if args.json:
        print()
    print(  # the wall clock differs run to run: it stays out of the report
        f"simulated {args.duration:g}s of lab time in {took:.1f}s "
        f"({args.duration / took:,.0f}x real time)",
        file=sys.stderr,
    )
    return 0


def _rate(text: str) -> float:
    match = _RATE.fullmatch(text.strip())
    if match is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a rate (write requests a second: 50/s)")
    rate = float(match.group(1))
    if not 0 < rate <= MAX_RATE:
        raise argparse.ArgumentTypeError(f"the rate must be above 0/s and at most {MAX_RATE:g}/s")
    return rate


def _duration(text: str) -> float:
    from cqrs_lab.sim.durations import DurationError, parse_duration

    try:
        seconds = parse_duration(text)
    except DurationError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    if seconds <= 0:
        raise argparse.ArgumentTypeError("the duration must be above zero")
    return seconds


def _lane_setting(name: str) -> Callable[[str], str]:
    """LANE=VALUE as the lab line `NAME LANE VALUE` (commas in VALUE become spaces)."""

    def parse(text: str) -> str:
        lane, equals, value = text.partition("=")
        if not equals or not lane or not value:
            raise argparse.ArgumentTypeError(f"expected LANE=VALUE, got {text!r}")
        return f"{name} {lane} {value.replace(',', ' ')}"

    return parse
