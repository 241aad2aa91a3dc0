"""The lab screen's dialogs: help, lane settings and the reset confirmation."""

from __future__ import annotations

from cqrs_lab.tui.screens.confirm import ConfirmScreen
from cqrs_lab.tui.screens.help import HelpScreen
from cqrs_lab.tui.screens.lane_settings import LaneSettingsScreen

__all__ = ["ConfirmScreen", "HelpScreen", "LaneSettingsScreen"]
