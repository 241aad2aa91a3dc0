"""The config file applied to the screen: theme, keymap, speed, latencies, screenshots.

Each `apply_*` returns what it could not use, one line each, for the app to show; nothing
here stops the lab from starting. This module imports only the config (the lab's own
modules load after the first frame), so the app may import it at once.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from cqrs_lab.config import Config, save_theme

if TYPE_CHECKING:
    from textual.app import App

    from cqrs_lab.lab import Lab

SCREENSHOTS = "screenshots"
"""The screenshot folder's name in the user data folder, when the config names none."""


def apply_app_settings(app: App[object], config: Config) -> list[str]:
    """The config's theme (and its own problem, if the file could not be used)."""
    problems = [config.problem] if config.problem else []
    if config.theme is not None:
        if config.theme in app.available_themes:
            app.theme = config.theme
        else:
            known = ", ".join(sorted(app.available_themes))
            problems.append(f"theme: no theme {config.theme!r} (themes: {known})")
    return problems


def apply_keymap(app: App[object], config: Config, binding_ids: set[str]) -> list[str]:
    """The config's keymap (binding id -> keys), for the ids the app has."""
    if not config.keymap:
        return []
    app.set_keymap({name: keys for name, keys in config.keymap.items() if name in binding_ids})
    unknown = sorted(set(config.keymap) - binding_ids)
    if not unknown:
        return []
    return [f"keymap: no binding {', '.join(unknown)} (bindings: {', '.join(sorted(binding_ids))})"]


def apply_lab_settings(lab: Lab, config: Config) -> list[str]:
    """The config's speed and latencies, on a lab just opened for the screen."""
    from cqrs_lab.read.view_specs import LANES
    from cqrs_lab.sim.latency import parse_latency

    problems = []
    if config.speed is not None:
        lab.set_speed(config.speed)
    for lane, model in config.latency.items():
        if lane not in (*LANES, "all"):
            problems.append(f"latency.{lane}: no lane {lane!r} (lanes: {', '.join(LANES)})")
            continue
        try:
            lab.set_latency(lane, parse_latency(model))
        except ValueError as error:
            problems.append(f"latency.{lane}: {error}")
    return problems


def save_theme_choice(config: Config, theme: str) -> str | None:
    """Keep `theme` in the config file (if the app runs on one and it changed)."""
    if config.path is None or config.theme == theme:
        return None
    return save_theme(theme, config.path)


def screenshot_folder(config: Config) -> str:
    """Where screenshots go: the config's folder or the data folder's, created."""
    from cqrs_lab.store.database import data_dir

    folder = config.screenshots or data_dir() / SCREENSHOTS
    Path(folder).mkdir(parents=True, exist_ok=True)
    return str(folder)


def default_opener(config: Config) -> Callable[[], Lab]:
    """The lab `cqrs-lab` opens with no options: the config's database or the default."""

    def open_default() -> Lab:
        from cqrs_lab.lab import Lab
        from cqrs_lab.sim.clock import ScaledClock

        return Lab.open(config.db, clock=ScaledClock())

    return open_default
