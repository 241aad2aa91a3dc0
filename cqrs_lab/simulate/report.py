"""The simulation report as text: tables of measured figures beside the simple models'
predictions, and ASCII histograms. Nothing here depends on the wall clock, so a seed
prints the same report every time."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from cqrs_lab.sim.durations import format_duration
from cqrs_lab.simulate.models import CountBin
from cqrs_lab.simulate.results import LaneResult, QueryResult, SimulationResult
from cqrs_lab.simulate.stats import Bin, Summary

BAR_WIDTH = 40
FULL = "█"
MARK = "|"


def render(result: SimulationResult) -> str:
    sections = [
        _header(result),
        _requests(result),
        _lag_table(result.lanes),
        _little(result.lanes),
        _stale(result.queries),
        _arrivals(result),
        _histograms(result.lanes),
    ]
    return "\n\n".join(sections) + "\n"


# -- sections -------------------------------------------------------------------------


def _header(result: SimulationResult) -> str:
    s = result.settings
    cost = int(math.log2(s.password_cost))
    lines = [
        f"cqrs-lab simulate: {s.rate:g} requests/s for {format_duration(s.duration)} of lab "
        f"time, seed {s.seed}",
        f"database {s.db}; passwords hashed at scrypt n=2**{cost} to save time (the lab's own "
        "cost is 2**14); lag sampled every " + format_duration(s.sample_every) + " of lab time",
        "lanes: "
        + ", ".join(
            f"{lane.name} {lane.latency}" + (f" ({lane.faults})" if lane.faults != "none" else "")
            for lane in result.lanes
        ),
    ]
    if s.lines:
        lines.append("settings: " + "; ".join(s.lines))
    return "\n".join(lines)


def _requests(result: SimulationResult) -> str:
    load, duration = result.load, result.settings.duration
    events = sum(result.events.values())
    return "\n".join(
        [
            f"Requests  {load.arrivals:,} arrived ({load.arrivals / duration:.1f}/s): "
            f"{load.commands:,} commands, {load.queries.total():,} queries",
            f"Accepted  {load.accepted.total():,}: {_counted(load.accepted.most_common())}",
            f"Refused   {load.rejected.total():,}: {_counted(load.rejected.most_common())}",
            f"Events    {events:,} appended ({events / duration:.1f}/s): "
            f"{_counted(sorted(result.events.items(), key=lambda kv: -kv[1]))}",
        ]
    )


def _lag_table(lanes: Sequence[LaneResult]) -> str:
    rows = [
        [
            lane.name,
            lane.latency,
            *(_secs(v) for v in _five(lane.lag_seconds)),
            f"{lane.lag_events.mean:,.1f}",
            *(f"{v:,.0f}" for v in _five(lane.lag_events)[1:]),
        ]
        for lane in lanes
    ]
    head = ["projection", "latency", "mean", "p50", "p95", "p99", "max"]
    table = _table([*head, "events: mean", "p50", "p95", "p99", "max"], rows, "ll")
    return (
        "Lag per projection, in lab time (seconds since the oldest event not yet applied, and "
        "events behind):\nmean and percentiles over the fixed samples, max over every delivery\n"
        + table
    )


def _little(lanes: Sequence[LaneResult]) -> str:
    rows = []
    for lane in lanes:
        if lane.mode != "async":
            rows.append([lane.name, "inline: nothing in flight", "", "", "", "", "", ""])
            continue
        rows.append(
            [
                lane.name,
                f"{lane.arrival_rate:.1f}",
                _secs(lane.delay_measured, 3),
                f"{lane.little:.1f}",
                f"{lane.in_flight:.1f}",
                _diff(lane.little, lane.in_flight),
                _secs(lane.delay_model, 3),
                f"{lane.naive:.1f}",
            ]
        )
    head = ["projection", "λ/s", "W measured", "λW", "L measured", "diff", "W model", "λW model"]
    text = (
        "Little's law: mean deliveries in flight L = λW\n"
        "(λ deliveries put on the lane a second, W mean time a delivery spends on the bus)\n"
        + _table(head, rows, "l")
    )
    if any(lane.fifo and lane.mode == "async" for lane in lanes):
        text += (
            "\nFIFO lanes (reorder off) hand events over in order: a delivery waits behind slower"
            " ones sent\nbefore it, so W exceeds the latency model's mean, and λ times that mean "
            "underestimates L."
        )
    return text


def _stale(queries: Sequence[QueryResult]) -> str:
    rows: list[list[str]] = []
    for query in queries:
        if not query.reads:
            continue
        for bucket in query.buckets:
            if not bucket.reads:
                continue
            rows.append(
                [
                    "",
                    _span(bucket.low, bucket.high),
                    f"{bucket.reads:,}",
                    f"{bucket.stale:,}",
                    _pct(bucket.stale / bucket.reads),
                    _pct(bucket.expected / bucket.reads),
                ]
            )
        if query.off_lane:
            rows.append(
                [
                    "",
                    "write off lane",
                    f"{query.off_lane:,}",
                    f"{query.off_lane_stale:,}",
                    _pct(query.off_lane_stale / query.off_lane),
                    "",
                ]
            )
        rows.append(["", "all", f"{query.reads:,}", f"{query.stale:,}", _pct(query.ratio), ""])
    _name_first_rows(rows, queries)
    head = ["query", "t since write", "reads", "stale", "measured", "model"]
    formulas = "".join(f"\n  {q.view}: {q.formula}" for q in queries if q.reads)
    return (
        "Stale reads: users reading right after their own writes (the session, for sales).\n"
        "Model: a read t after the write is stale if that write's delivery takes longer than t,"
        f" P(delay > t):{formulas}\n"
        "Rows by t count only reads whose asker's last write put an event on the view's lane;\n"
        "'write off lane' reads are stale only behind other askers' events, so no model row.\n"
        "The model ignores the other events on the lane: FIFO order and waiting at gaps make a\n"
        "read wait for them too (staler); catch-up at gaps lets it skip ahead (fresher).\n"
        + _table(head, rows, "ll")
    )


def _name_first_rows(rows: list[list[str]], queries: Sequence[QueryResult]) -> None:
    """Put each query's name on its first row only."""
    names = iter(q.view for q in queries if q.reads)
    starting = True
    for row in rows:
        row[0] = next(names) if starting else ""
        starting = row[1] == "all"


def _arrivals(result: SimulationResult) -> str:
    arrivals = result.arrivals
    dispersion = arrivals.variance / arrivals.mean if arrivals.mean else 0.0
    scale = BAR_WIDTH / max((max(b.seen, b.expected) for b in arrivals.table), default=1) or 1
    rows = [
        [_count_span(b), f"{b.seen:,}", f"{b.expected:.1f}", _bar(b.seen, b.expected, scale)]
        for b in arrivals.table
    ]
    return (
        f"Arrivals per lab second vs Poisson({arrivals.rate:g}) over {arrivals.seconds:,} "
        f"seconds: mean {arrivals.mean:.2f}, variance {arrivals.variance:.2f} "
        f"(Poisson: equal to the mean; ratio {dispersion:.3f})\n"
        + _table(["arrivals", "seconds", "Poisson", f"{FULL} seen  {MARK} Poisson"], rows, "lrrl")
    )


def _histograms(lanes: Sequence[LaneResult]) -> str:
    parts = ["Lag histograms (seconds behind, fixed samples)"]
    for lane in lanes:
        parts.append(f"{lane.name}  {lane.latency}")
        parts.append(_histogram(lane.histogram))
    return "\n".join(parts)


def _histogram(bins: Sequence[Bin]) -> str:
    total = sum(b.count for b in bins)
    if not total:
        return "  (no samples)"
    scale = BAR_WIDTH / max(b.count for b in bins)
    rows = [
        [_span(b.low, b.high), FULL * round(b.count * scale), _pct(b.count / total)] for b in bins
    ]
    return _table(["", "", ""], rows, "llr", header=False, indent="  ")


# -- formatting -----------------------------------------------------------------------


def _five(summary: Summary) -> tuple[float, ...]:
    return (summary.mean, summary.p50, summary.p95, summary.p99, summary.max)


def _secs(seconds: float, digits: int = 2) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    return f"{seconds:.{digits}f}s"


def _pct(ratio: float) -> str:
    return f"{ratio * 100:.1f}%"


def _diff(predicted: float, measured: float) -> str:
    if not measured:
        return "-"
    return f"{(predicted - measured) / measured * 100:+.1f}%"


def _span(low: float, high: float) -> str:
    if math.isinf(high):
        return f"≥ {_secs(low)}"
    return f"{_secs(low)} - {_secs(high)}"


def _count_span(b: CountBin) -> str:
    if b.high is None:
        return f"≥ {b.low}"
    if b.low == 0 and b.high > 0:
        return f"≤ {b.high}"
    return str(b.low) if b.low == b.high else f"{b.low}-{b.high}"


def _bar(seen: float, expected: float, scale: float) -> str:
    """`seen` as a bar, with the expectation marked where its bar would end."""
    filled, mark = round(seen * scale), round(expected * scale)
    cells = [FULL if i < filled else " " for i in range(max(filled, mark + 1))]
    cells[mark] = MARK
    return "".join(cells)


def _counted(items: Iterable[tuple[str, int]]) -> str:
    return ", ".join(f"{name} {count:,}" for name, count in items) or "none"


def _table(
    head: Sequence[str],
    rows: Sequence[Sequence[str]],
    align: str,
    *,
    header: bool = True,
    indent: str = "",
) -> str:
    """Columns padded to their widest cell; `align` has an l or r a column (default r)."""
    lines = [list(head), *map(list, rows)] if header else [list(r) for r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    sides = align.ljust(len(head), "r")
    out = []
    for line in lines:
        cells = [
            cell.ljust(widths[i]) if sides[i] == "l" else cell.rjust(widths[i])
            for i, cell in enumerate(line)
        ]
        out.append((indent + "  ".join(cells)).rstrip())
    return "\n".join(out)
