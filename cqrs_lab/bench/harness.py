"""What every measurement returns, and the small tools they share."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any


class Skipped(Exception):
    """A measurement that cannot run here (say, no server given): listed with the reason."""


@dataclass(frozen=True, slots=True)
class Target:
    """A goal from the issue: `value` (or the ratio) at least or at most `limit`."""

    limit: float
    at_least: bool
    on_ratio: bool = False

    def met(self, figure: Figure) -> bool:
        measured = figure.ratio if self.on_ratio else figure.value
        return measured >= self.limit if self.at_least else measured <= self.limit

    def __str__(self) -> str:
        sign = ">=" if self.at_least else "<="
        what = "x baseline" if self.on_ratio else ""
        return f"{sign} {self.limit:g}{what}"


@dataclass(frozen=True, slots=True)
class Figure:
    """One measured figure beside its baseline from the same run."""

    name: str
    value: float
    unit: str
    baseline_name: str
    baseline: float
    target: Target | None = None
    keys: dict[str, str] = field(default_factory=dict)
    """JSON key -> "value" | "baseline" | "ratio": where the flat JSON puts each number."""
    note: str = ""
    extra: dict[str, float] = field(default_factory=dict)  # more JSON keys, as they are
    baseline_unit: str = ""  # when the baseline counts something else than the value

    @property
    def base_unit(self) -> str:
        return self.baseline_unit or self.unit

    @property
    def ratio(self) -> float:
        return self.value / self.baseline if self.baseline else 0.0

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.target.met(self)

    def flat(self) -> dict[str, float]:
        numbers = {"value": self.value, "baseline": self.baseline, "ratio": self.ratio}
        flat = {key: numbers[which] for key, which in self.keys.items()}
        return {key: round(value, 4) for key, value in (flat | self.extra).items()}


def ratio_figure(
    name: str,
    value: float,
    unit: str,
    baseline_name: str,
    baseline: float,
    *,
    at_least: float | None = None,
    at_most: float | None = None,
    keys: tuple[str, str, str],
    note: str = "",
    extra: dict[str, float] | None = None,
) -> Figure:
    """A figure judged on its ratio to the baseline (at least `at_least` or at most `at_most`
    times it), whose value, baseline and ratio the flat JSON gives under `keys`, in that
    order."""
    if at_least is not None and at_most is None:
        target = Target(at_least, at_least=True, on_ratio=True)
    elif at_most is not None and at_least is None:
        target = Target(at_most, at_least=False, on_ratio=True)
    else:
        raise ValueError("a ratio target is at least or at most a limit: give one")
    value_key, baseline_key, ratio_key = keys
    flat = {value_key: "value", baseline_key: "baseline", ratio_key: "ratio"}
    return Figure(name, value, unit, baseline_name, baseline, target, flat, note, extra or {})


@dataclass(frozen=True, slots=True)
class Plan:
    """How much each measurement does: `--quick` for CI, full for the README's figures."""

    quick: bool
    appends: int
    commands: int
    events: int
    sales_orders: tuple[int, ...]
    query_repeats: int
    starts: int
    screen_seconds: float

    @classmethod
    def of(cls, quick: bool) -> Plan:
        if quick:
            return cls(True, 2_000, 1_500, 20_000, (10_000, 100_000), 5, 2, 3.0)
        return cls(False, 20_000, 10_000, 100_000, (10_000, 100_000), 25, 5, 10.0)


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def timed(action: Callable[[], object]) -> float:
    began = time.perf_counter()
    action()
    return time.perf_counter() - began


@contextmanager
def scratch() -> Iterator[Path]:
    """A temporary folder for the benchmark's databases, removed afterwards."""
    with TemporaryDirectory(prefix="cqrs-lab-bench-") as folder:
        yield Path(folder)


def run_probe(
    module: str, *args: str, timeout: float = 300.0, env: dict[str, str] | None = None
) -> list[str]:
    """Run `python -m module args` (a fresh interpreter) and return its output lines."""
    env = {**(os.environ if env is None else env), "PYTHONUNBUFFERED": "1"}
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=env,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{module} {' '.join(args)} failed:\n{done.stderr.strip()}")
    return done.stdout.splitlines()


def parse_pairs(lines: list[str]) -> dict[str, Any]:
    """`key value` lines, as a probe prints them."""
    pairs: dict[str, Any] = {}
    for line in lines:
        key, _, value = line.partition(" ")
        if key:
            pairs[key] = float(value)
    return pairs
