"""The config file on the screen: a keymap moves keys (footer, help, the key itself), the
theme is applied and the one chosen is saved, latencies and speed apply, screenshots land in
a folder that exists, and a bad setting is one notification while the lab runs on."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets._footer import FooterKey

from cqrs_lab.config import Config, load_config
from cqrs_lab.lab import Lab
from cqrs_lab.tui.app import LabApp
from cqrs_lab.tui.palette import lab_actions
from cqrs_lab.tui.screens import HelpScreen
from tests.tui.test_app import SIZE, text_of


def config_file(tmp_path: Path, text: str) -> Config:
    path = tmp_path / "config.toml"
    path.write_text(text, "utf-8")
    return load_config(path)


async def footer_text(pilot: Pilot[None], frames: int = 20) -> str:
    """The footer's keys as drawn: a loaded machine can take more than one frame to fill them."""
    for _ in range(frames):
        await pilot.pause()
        footer = " ".join(text_of(key) for key in pilot.app.query(FooterKey))
        if footer.strip():
            return footer
    return footer


async def test_a_keymap_moves_pause_from_f5_to_f10(lab: Lab, tmp_path: Path) -> None:
    config = config_file(tmp_path, '[keymap]\npause = "f10"\n')
    app = LabApp(lab, config=config, refresh_hz=0)
    async with app.run_test(size=SIZE) as pilot:
        footer = await footer_text(pilot)
        assert "F10 Pause" in footer and "F5 Pause" not in footer
        said = {action.title: action.help for action in lab_actions(app.main)}
        assert said["Pause"] == "stop the lab clock (F10, space)"  # the palette's hint too
        await pilot.press("f10")
        assert lab.paused
        await pilot.press("f5")
        assert lab.paused  # F5 does nothing now
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        shown = " ".join(text_of(part) for part in app.screen.query("#help-body Static"))
        assert "F10" in shown and "F5 " not in shown


async def test_the_theme_comes_from_the_config_and_the_chosen_one_is_kept(
    lab: Lab, tmp_path: Path
) -> None:
    config = config_file(tmp_path, '# my settings\ntheme = "nord"\n\n[keymap]\nstep = "f6"\n')
    app = LabApp(lab, config=config, refresh_hz=0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.theme == "nord"
        app.theme = "gruvbox"
        await pilot.pause()
    text = (tmp_path / "config.toml").read_text("utf-8")
    assert text == '# my settings\ntheme = "gruvbox"\n\n[keymap]\nstep = "f6"\n'
    assert load_config(tmp_path / "config.toml").theme == "gruvbox"


async def test_speed_and_latencies_apply_to_the_lab(lab: Lab, tmp_path: Path) -> None:
    config = config_file(tmp_path, 'speed = 0.25\n[latency]\norders = "fixed:2s"\n')
    app = LabApp(lab, config=config, refresh_hz=0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert lab.speed == 0.25
        assert str(lab.latencies["orders"]) == "fixed:2s"


async def test_bad_settings_are_said_once_and_the_lab_runs_on(lab: Lab, tmp_path: Path) -> None:
    config = config_file(
        tmp_path, 'theme = "no-such-theme"\n[keymap]\nno-such = "f3"\n[latency]\nordrs = "zero"\n'
    )
    app = LabApp(lab, config=config, refresh_hz=0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        said = [notification.message for notification in app._notifications]
        assert any("no theme 'no-such-theme'" in message for message in said)
        assert any("keymap: no binding no-such" in message for message in said)
        assert any("no lane 'ordrs'" in message for message in said)
        assert (await pilot.press("f5")) is None and lab.paused  # the defaults still work


async def test_a_config_file_that_cannot_be_read_says_where(lab: Lab, tmp_path: Path) -> None:
    config = config_file(tmp_path, "speed = 1\nspeed = 2\n")
    assert config.problem is not None and "line 2" in config.problem
    app = LabApp(lab, config=config, refresh_hz=0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert any("config.toml" in n.message for n in app._notifications)


async def test_a_screenshot_lands_in_a_folder_that_exists(
    lab: Lab, tmp_path: Path, data_dir: Path
) -> None:
    app = LabApp(lab, config=Config(), refresh_hz=0)
    async with app.run_test(size=SIZE) as pilot:
        app.deliver_screenshot(filename="shot.svg")
        await pilot.pause()
        await pilot.pause()
    assert (data_dir / "screenshots" / "shot.svg").read_text("utf-8").startswith("<svg")


async def test_the_app_opens_on_its_own_as_textual_run_dev_starts_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`textual run --dev cqrs_lab.tui.app:LabApp` makes `LabApp()`: the user's config and
    database, as `cqrs-lab` would open them."""
    (tmp_path / "config.toml").write_text('db = ":memory:"\nspeed = 2\n', "utf-8")
    monkeypatch.setenv("CQRS_LAB_CONFIG", str(tmp_path / "config.toml"))
    app = LabApp()
    async with app.run_test(size=SIZE) as pilot:
        while not (app.ready and app.query("#view-select")):  # the lab's widgets are in
            await pilot.pause(0.01)
        await pilot.pause()
        assert app.lab.speed == 2
        assert app.lab.store.where == "the in-memory database"
