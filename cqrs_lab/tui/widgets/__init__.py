"""The lab screen's visual widgets. Add `CSS_FILE` to the app's CSS_PATH for their styles."""

from __future__ import annotations

from pathlib import Path

from cqrs_lab.tui.widgets.bus_view import BusView
from cqrs_lab.tui.widgets.event_log import EventLog
from cqrs_lab.tui.widgets.metrics_strip import MetricsStrip
from cqrs_lab.tui.widgets.services_view import ServicesView
from cqrs_lab.tui.widgets.view_panel import ViewPanel

CSS_FILE = Path(__file__).with_name("widgets.tcss")

__all__ = ["CSS_FILE", "BusView", "EventLog", "MetricsStrip", "ServicesView", "ViewPanel"]
