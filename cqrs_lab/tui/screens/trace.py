"""The causation trace of one event: the command that recorded it, its events, their
deliveries down each lane and when each projection applied them, with lab times.

The trace is live: while an event is still in flight or held, the dialog follows it until
every projection has applied it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.console import Group, RenderableType
from rich.text import Text
from rich.tree import Tree
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from cqrs_lab.lab.guard import LabGuard
from cqrs_lab.lab.trace import DeliveryRecord, EventTrace, LaneTrace, Trace, TraceNotFound, trace
from cqrs_lab.tui.screens.dialog import CLOSE, ClosingDialog
from cqrs_lab.tui.widgets.format import short_id

if TYPE_CHECKING:
    from cqrs_lab.lab import Lab

FOLLOW_SECONDS = 0.25
"""How often an unfinished trace is read again (wall seconds)."""
STATUS_WORDS = {
    "in flight": "… in flight",
    "held at the door": "‖ held at the door",
    "waiting for a gap": "… arrived, waiting for an earlier event",
    "lost": "✗ lost on the bus (catch-up or a rebuild fills it)",
    "not applied yet": "… not applied yet",
}


def at(t: float, since: float | None = None) -> str:
    """t=2.330s, and (+2.000s) after `since`."""
    text = f"t={t:.3f}s"
    return text if since is None else f"{text} (+{max(0.0, t - since):.3f}s)"


def render_trace(chain: Trace) -> RenderableType:
    """The chain as a tree: command → events → lanes → deliveries and the apply."""
    head = Text.assemble(
        ("command ", "bold"),
        (chain.command, "bold"),
        f"   id {short_id(chain.command_id)} · correlation {short_id(chain.correlation_id)}"
        f" · causation {short_id(chain.causation_id)} · handled at {at(chain.recorded_at)}",
    )
    tree = Tree(head, guide_style="dim")
    for item in chain.events:
        _event_branch(tree, item, chain.focus)
    parts: list[RenderableType] = [tree]
    if chain.related:
        listed = ", ".join(f"{e.type} #{e.position}" for e in chain.related)
        parts.append(Text(f"same correlation, other commands: {listed}", style="dim"))
    if chain.hops:
        parts.append(Text("across the services", style="bold"))
        parts.extend(Text(f"  {hop}") for hop in chain.hops)
    return Group(*parts)


def _event_branch(tree: Tree, item: EventTrace, focus: int | None) -> None:
    event = item.event
    label = Text.assemble(
        ("▶ " if event.position == focus else "", "bold"),
        (f"event #{event.position} {event.type}", "bold"),
        f" on {event.stream_id} v{event.version}, recorded {at(event.metadata.recorded_at)}",
    )
    branch = tree.add(label)
    recorded = event.metadata.recorded_at
    for lane in item.lanes:
        _lane_branch(branch, lane, recorded)
    if item.not_sent:
        branch.add(
            Text(
                f"not sent to {', '.join(item.not_sent)}: their projections ignore {event.type}",
                style="dim",
            )
        )


def _lane_branch(branch: Tree, lane: LaneTrace, recorded: float) -> None:
    if lane.applied is not None:
        state = Text(f"✓ applied at {at(lane.applied.at, recorded)}, {lane.applied.how}")
    elif lane.status == "applied":
        state = Text("✓ applied (before this session's trace began)")
    else:
        state = Text(STATUS_WORDS[lane.status])
        if lane.due_at is not None:
            state.append(f", due {at(lane.due_at)}")
        if lane.why:
            state.append(f" ({lane.why})")
    sent = f"sent {at(lane.sent_at)} → " if lane.sent_at is not None else ""
    node = branch.add(Text.assemble((f"{lane.lane:<8}", "bold"), " ", sent, state))
    if (parked := lane.parked) is not None:
        node.add(Text(f"parked at {at(parked.parked_at, recorded)}: {parked.reason}"))
    for delivery in lane.deliveries:
        node.add(Text(_delivery_text(delivery), style="dim"))


def _delivery_text(delivery: DeliveryRecord) -> str:
    kind = "" if delivery.kind == "first" else f"{delivery.kind} "
    return (
        f"{kind}delivery sent {at(delivery.sent_at)}, due {at(delivery.due_at)}: "
        f"{delivery.outcome} at {at(delivery.at)} — {delivery.effect}"
    )


class TraceScreen(ClosingDialog[None]):
    """One event's causation chain; Escape or q closes it."""

    AUTO_FOCUS = "#trace-body"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="trace.close"),
    ]

    def __init__(self, lab: Lab, target: int | str, guard: LabGuard | None = None) -> None:
        """`guard`: held while the trace is read (a load's worker thread may be sending)."""
        super().__init__(classes="dialog")
        self.lab = lab
        self.guard = guard or LabGuard()
        self.target = target
        self.chain: Trace | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="trace-box", classes="dialog-box"):
            yield Static(id="trace-title", markup=False)
            with VerticalScroll(id="trace-body"):
                yield Static(id="trace-chain")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Close (Esc)", id="trace-close", classes=CLOSE)

    def on_mount(self) -> None:
        self.refresh_trace()
        self.set_interval(FOLLOW_SECONDS, self._follow, name="trace-follow")

    def refresh_trace(self) -> None:
        """Read the trace again from the lab (deliveries may have happened since)."""
        title = self.query_one("#trace-title", Static)
        chain_view = self.query_one("#trace-chain", Static)
        try:
            with self.guard:
                self.chain = trace(self.lab, self.target)
        except TraceNotFound as error:
            self.chain = None
            title.update("Causation trace")
            chain_view.update(Text(f"✗ {error}"))
            return
        title.update(
            f"Causation trace of {describe_target(self.target)} — command → events → "
            "deliveries → projections, in lab time"
        )
        chain_view.update(render_trace(self.chain))

    def _follow(self) -> None:
        if self.chain is not None and not finished(self.chain):
            self.refresh_trace()


def finished(chain: Trace) -> bool:
    """Every lane of every event applied (or lost): nothing left to follow."""
    return all(lane.status in ("applied", "lost") for item in chain.events for lane in item.lanes)


def describe_target(target: int | str) -> str:
    return f"event #{target}" if isinstance(target, int) else f"command {short_id(str(target))}"
