"""`ConfiguredApp`, the app's base: the app as the config file sets it. Its theme (a theme
chosen in the app is kept for the next start), the folder its screenshots go to, and what
the file could not set, said once as notifications. Textual and the config only."""

from __future__ import annotations

from cqrs_lab.config import Config
from cqrs_lab.tui.keys import KeymapApp
from cqrs_lab.tui.settings import save_theme_choice, screenshot_folder


class ConfiguredApp(KeymapApp):
    def __init__(self, config: Config) -> None:
        super().__init__()
        self.config = config
        self.settings_problems: list[str] = []
        """What the config file could not set, not said yet (`say_settings_problems`)."""

    def say_settings_problems(self) -> None:
        """What in the config file could not be used, once, as notifications."""
        for problem in self.settings_problems:
            self.notify(problem, title="config file", severity="warning", timeout=12)
        self.settings_problems = []

    def watch_theme(self, theme: str) -> None:
        """A theme chosen in the app (ctrl+p → Theme) is kept for the next start."""
        if self.is_mounted and (problem := save_theme_choice(self.config, theme)):
            self.notify(problem, severity="warning")

    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str | None:
        """The palette's Screenshot: into the screenshot folder, created if need be (the
        browser downloads it when served)."""
        folder = path or screenshot_folder(self.config)
        return super().deliver_screenshot(filename, folder, time_format)
