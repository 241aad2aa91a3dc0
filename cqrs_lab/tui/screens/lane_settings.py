"""The lane settings dialog: one lane's latency model and faults, checked like typed lines."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from cqrs_lab import script as sc
from cqrs_lab.sim.latency import ACCEPTED_LATENCIES
from cqrs_lab.tui.screens.dialog import CLOSE, ClosingDialog

FAULTS_HELP = "drop=P dup=P reorder=on|off lost=on|off timeout=2s, or none"


def settings_lines(
    lane: str, latency: str, faults: str, *, old_latency: str, old_faults: str
) -> list[str]:
    """The lab lines that set what changed (faults replace the lane's faults, not add)."""
    lines = []
    if latency.strip() != old_latency:
        lines.append(f"latency {lane} {latency.strip()}")
    if " ".join(faults.split()) != old_faults:
        lines.append(f"faults {lane} none {faults.strip()}".rstrip())
    return lines


class LaneSettingsScreen(ClosingDialog[list[str]]):
    """Dismissed with the lines to run (none if nothing changed), or None when cancelled."""

    AUTO_FOCUS = "#lane-latency"
    BINDINGS = [Binding("escape", "close", "Cancel", id="lane-settings-cancel")]

    def __init__(self, lane: str, latency: str, faults: str) -> None:
        super().__init__(classes="dialog")
        self.lane = lane
        self.latency = latency
        self.faults = faults

    def compose(self) -> ComposeResult:
        with Vertical(id="lane-box", classes="dialog-box"):
            yield Static(f"Lane {self.lane}: latency and faults", id="lane-title", markup=False)
            yield Label(f"latency: {ACCEPTED_LATENCIES}", classes="dialog-label")
            yield Input(self.latency, id="lane-latency")
            yield Label(f"faults: {FAULTS_HELP}", classes="dialog-label")
            yield Input(self.faults, id="lane-faults")
            yield Static(id="lane-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Apply", variant="primary", id="lane-apply")
                yield Button("Cancel", id="lane-cancel", classes=CLOSE)

    @on(Button.Pressed, "#lane-apply")
    @on(Input.Submitted)
    def _apply(self, event: Button.Pressed | Input.Submitted) -> None:
        event.stop()
        lines = settings_lines(
            self.lane,
            self.query_one("#lane-latency", Input).value,
            self.query_one("#lane-faults", Input).value,
            old_latency=self.latency,
            old_faults=self.faults,
        )
        for line in lines:
            try:
                sc.parse_line(line)
            except sc.ScriptError as error:
                self.query_one("#lane-error", Static).update(f"✗ {error.message}")
                return
        self.dismiss(lines)
