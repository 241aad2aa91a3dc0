"""An attendee's lab, read-only, as their lab last sent it: the bus, the views, the event log."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.widget import Widget

from cqrs_lab.classroom.model import clock_text

LANE_WIDTH = 24
"""Cells of a lane's track, where its events in flight are drawn."""


class PictureView(Widget):
    """Empty until `show`: whose lab, the picture (None: not arrived yet) and its age."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.name_shown: str | None = None
        self.picture: Mapping[str, Any] | None = None
        self.age = 0.0

    def show(self, name: str | None, picture: Mapping[str, Any] | None, age: float) -> None:
        self.name_shown, self.picture, self.age = name, picture, age
        self.refresh()

    def render(self) -> RenderableType:
        if self.name_shown is None:
            return Text("Select an attendee and press Enter to watch their lab.", "dim")
        if self.picture is None:
            return Text(f"Waiting for {self.name_shown}'s lab to send its picture…", "dim")
        picture = self.picture
        paused = "  paused" if picture.get("paused") else ""
        title = Text.assemble(
            (f"{self.name_shown}'s lab", "bold"),
            f"  head {picture.get('head', 0)}{paused}",
            (f"  (sent {clock_text(self.age)} ago)", "dim"),
        )
        conflicts = picture.get("conflicts", 0)
        if conflicts:
            title.append(f"  {conflicts} conflicts", "bold red")
        return Group(title, lanes_table(picture), *_views(picture), _events(picture))


def lanes_table(picture: Mapping[str, Any]) -> Table:
    """Each lane of a picture: its events in flight on a track, its lag and latency."""
    table = Table(box=None, pad_edge=False, padding=(0, 1), header_style="bold", expand=True)
    table.add_column("lane", no_wrap=True)
    table.add_column("in flight", no_wrap=True, width=LANE_WIDTH + 1)
    table.add_column("lag", justify="right", no_wrap=True)
    table.add_column("latency", no_wrap=True, ratio=1)
    for lane in picture.get("lanes", []):
        table.add_row(
            lane["name"],
            _track(lane.get("in_flight", [])),
            f"{lane.get('lag_events', 0)} ev",
            Text(f"{lane.get('latency', '')} {lane.get('mode', '')}", "dim"),
        )
    return table


def _track(in_flight: list[Mapping[str, Any]]) -> Text:
    """Events on their way, each at how far it travelled: ● at the projection's end."""
    cells = ["─"] * LANE_WIDTH
    for delivery in in_flight:
        at = min(LANE_WIDTH - 1, int(float(delivery.get("travelled", 0.0)) * (LANE_WIDTH - 1)))
        cells[at] = "●"
    return Text("".join(cells) + "▶", "cyan")


def _views(picture: Mapping[str, Any]) -> list[Text]:
    lines = []
    for view in picture.get("views", []):
        rows, twin = view.get("rows", []), view.get("crud_rows", [])
        behind = view.get("behind", 0)
        line = Text.assemble((f"{view['name']:<16}", "bold"), f" {len(rows)} rows")
        line.append(f" (CRUD {len(twin)})", "dim")
        if rows != twin:
            line.append("  differs from CRUD", "yellow")
        if behind:
            line.append(f"  {behind} behind", "red")
        lines.append(line)
    return lines


def _events(picture: Mapping[str, Any]) -> Text:
    events = picture.get("events", [])
    text = Text("recent events: ", "bold")
    if not events:
        text.append("none yet", "dim")
    text.append("  ".join(f"#{event['position']} {event['type']}" for event in events[:6]))
    return text
