"""The config file: what it sets, one clear line for what is wrong (with the key and line),
the theme written back without touching the rest; `cqrs-lab config` and `--version`."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from cqrs_lab.config import Config, load_config, parse_config, save_theme
from tests.robust_helpers import run_cqrs_lab

FULL = """\
# the workshop's settings
theme = "nord"
db = "~/lab.db"
lessons = ["~/my-lessons", "/srv/course"]
speed = 0.5
screenshots = "~/shots"

[keymap]
pause = "f10"

[latency]
orders = "fixed:2s"
"""


def test_every_setting_is_read() -> None:
    config = parse_config(Path("c.toml"), FULL)
    assert config.theme == "nord"
    assert config.db == "~/lab.db"
    assert config.lesson_folders == (Path("~/my-lessons").expanduser(), Path("/srv/course"))
    assert config.speed == 0.5
    assert config.screenshots == Path("~/shots").expanduser()
    assert config.keymap == {"pause": "f10"}
    assert config.latency == {"orders": "fixed:2s"}
    assert config.problem is None


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('theme = "nord"\nspeed = "fast"\n', "line 2: speed: expected a number"),
        ("speed = 0\n", "line 1: speed: expected a number above 0"),
        ('lessons = "~/x"\n', "line 1: lessons: expected a list of folders"),
        ('[keymap]\npause = "f10"\nstep = 6\n', "line 3: keymap.step: expected text in quotes"),
        ('[latency]\norders = "zero"\n[keymap]\norders = 1\n', "line 4: keymap.orders"),
        ('colour = "red"\n', "line 1: colour: unknown setting"),
        ("keymap = 3\n", "line 1: keymap: expected a table"),
        ('theme = "nord\n', "config file"),
    ],
)
def test_a_bad_file_names_the_key_and_line_and_the_lab_runs_on_defaults(
    tmp_path: Path, text: str, said: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text, "utf-8")
    config = load_config(path)
    assert config.problem is not None
    assert said in config.problem
    assert str(path) in config.problem
    assert config.problem.endswith("the lab starts on its defaults")
    assert (config.theme, config.speed, config.keymap) == (None, None, {})


def test_no_file_is_no_problem(tmp_path: Path) -> None:
    assert load_config(tmp_path / "none.toml") == Config(tmp_path / "none.toml")


def test_the_theme_is_saved_in_place_keeping_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(FULL, "utf-8")
    assert save_theme("gruvbox", path) is None
    assert path.read_text("utf-8") == FULL.replace('theme = "nord"', 'theme = "gruvbox"')
    fresh = tmp_path / "new" / "config.toml"
    assert save_theme('odd "name"', fresh) is None
    assert load_config(fresh).theme == 'odd "name"'


def test_a_theme_line_inside_a_table_is_not_the_theme(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[latency]\ntheme = "x"\n', "utf-8")
    save_theme("nord", path)
    assert path.read_text("utf-8") == 'theme = "nord"\n[latency]\ntheme = "x"\n'


def run_cli(*args: str, config: Path) -> subprocess.CompletedProcess[str]:
    return run_cqrs_lab(*args, timeout=60, CQRS_LAB_CONFIG=str(config))


def test_config_path_and_show(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    assert run_cli("config", "path", config=path).stdout.strip() == str(path)
    shown = run_cli("config", "show", config=path).stdout
    assert "no config file yet" in shown
    assert "`cqrs-lab config edit` writes one, every setting explained" in shown
    path.write_text(FULL, "utf-8")
    shown = run_cli("config", "show", config=path)
    assert shown.returncode == 0
    assert "theme = 'nord'" in shown.stdout and "pause = 'f10'" in shown.stdout
    path.write_text("speed = -2\n", "utf-8")
    bad = run_cli("config", config=path)
    assert bad.returncode == 1
    assert "line 1: speed" in bad.stderr and "Traceback" not in bad.stderr


def test_config_edit_starts_from_a_commented_template(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    result = run_cqrs_lab(
        "config", "edit", timeout=60, CQRS_LAB_CONFIG=str(path), EDITOR="true", VISUAL=""
    )
    assert result.returncode == 0, result.stderr
    assert path.read_text("utf-8").startswith("# CQRS Lab's config file.")
    assert load_config(path).problem is None


def test_version(tmp_path: Path) -> None:
    result = run_cli("--version", config=tmp_path / "config.toml")
    assert result.returncode == 0
    assert result.stdout.startswith("cqrs-lab 0.")
