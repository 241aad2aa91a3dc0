"""The benchmark as text: each figure, its baseline from the same run, the ratio, the target."""

from __future__ import annotations

from cqrs_lab.bench.harness import Figure
from cqrs_lab.bench.runner import BenchReport


def render(report: BenchReport) -> str:
    env = report.environment
    kind = "--quick" if report.plan.quick else "full run"
    lines = [
        f"cqrs-lab bench ({kind}): Python {env['python']}, SQLite {env['sqlite']}, "
        f"{env['cpus']} CPUs, load average {env['load_average']} at the start",
        "",
    ]
    for figure in report.figures:
        lines.extend(_figure(figure))
    took = sum(report.seconds.values())
    lines.append(
        f"measured in {took:.0f} s: "
        + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in report.seconds.items())
    )
    for name, why in report.failures.items():
        lines.append(f"[failed]  {name}: {why}")
    for name, why in report.skipped.items():
        lines.append(f"[skipped] {name}: {why}")
    missed = [f for f in report.figures if f.met is False]
    lines.append("")
    lines.append(
        f"{len(missed)} of {sum(f.target is not None for f in report.figures)} targets missed"
        + (": " + "; ".join(f.name for f in missed) if missed else "")
    )
    return "\n".join(lines) + "\n"


def _figure(figure: Figure) -> list[str]:
    mark = {True: "[met]", False: "[MISSED]", None: "[-]"}[figure.met]
    target = f" (target {figure.target})" if figure.target else ""
    lines = [
        f"{mark:<9} {figure.name}: {_amount(figure.value, figure.unit)}",
        f"{'':<9} baseline, {figure.baseline_name}: {_amount(figure.baseline, figure.base_unit)};"
        f" ratio {figure.ratio:,.2f}{target}",
    ]
    if figure.note:
        lines.append(f"{'':<9} {figure.note}")
    return lines


def _amount(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value:.3f} s"
    if unit == "MB":
        return f"{value:,.1f} MB"
    if value >= 100:
        return f"{value:,.0f} {unit}"
    return f"{value:,.1f} {unit}"
