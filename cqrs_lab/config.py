"""The user's config file: TOML in the platformdirs config folder ($CQRS_LAB_CONFIG wins).

```toml
theme = "textual-light"          # the app's theme (the app saves the one chosen with ctrl+p)
db = "~/workshop/lab.db"         # the database when --db names none
lessons = ["~/my-lessons"]       # more lesson folders, beside the shipped course
speed = 0.5                      # the lab clock's speed on the screen at start
screenshots = "~/Pictures"       # where the palette's Screenshot saves (default: data folder)

[keymap]                         # binding id -> keys (see the help screen, F1)
pause = "f10"

[latency]                        # lane -> latency model, as `latency LANE MODEL` takes it
orders = "fixed:2s"
```

A file that cannot be read or holds a bad value is reported in one line that names the
key and its line; the lab then starts on its defaults (`Config.problem` says so). Only the
theme is ever written back, by replacing (or adding) its one line: comments and the rest
of the file stay as the user wrote them.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from cqrs_lab.environment import CONFIG_ENV

APP_NAME = "cqrs-lab"
CONFIG_FILE = "config.toml"
_TOP_LEVEL_THEME = re.compile(r"^\s*theme\s*=.*$")
_TABLE = re.compile(r"^\s*\[")


class ConfigError(ValueError):
    """A config file that cannot be used; the message names the file, key and line."""


@dataclass(frozen=True, slots=True)
class Config:
    path: Path | None = None
    """The file it came from (None: no file; nothing is saved)."""
    theme: str | None = None
    db: str | None = None
    lesson_folders: tuple[Path, ...] = ()
    speed: float | None = None
    screenshots: Path | None = None
    keymap: dict[str, str] = field(default_factory=dict)
    latency: dict[str, str] = field(default_factory=dict)
    problem: str | None = None
    """Why the file was not used (the lab runs on defaults), or None."""


def config_path() -> Path:
    configured = os.environ.get(CONFIG_ENV)
    if configured:
        return Path(configured).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME)) / CONFIG_FILE


def load_config(path: Path | None = None) -> Config:
    """The config file's settings; defaults (with `problem` set) if it is bad."""
    path = path or config_path()
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return Config(path)
    except (OSError, UnicodeDecodeError) as error:
        return Config(path, problem=f"config file {path}: cannot read it ({error})")
    try:
        return parse_config(path, text)
    except ConfigError as error:
        return Config(path, problem=f"{error}; the lab starts on its defaults")


def parse_config(path: Path, text: str) -> Config:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"config file {path}: {error}") from None
    reader = _Reader(path, text, data)
    config = Config(
        path,
        theme=reader.text("theme"),
        db=reader.text("db"),
        lesson_folders=tuple(Path(p).expanduser() for p in reader.texts("lessons")),
        speed=reader.speed("speed"),
        screenshots=_folder(reader.text("screenshots")),
        keymap=reader.table("keymap"),
        latency=reader.table("latency"),
    )
    reader.no_unknown_keys()
    return config


def _folder(value: str | None) -> Path | None:
    return Path(value).expanduser() if value else None


KNOWN_KEYS = ("theme", "db", "lessons", "speed", "screenshots", "keymap", "latency")


class _Reader:
    """Typed reads of the parsed TOML, each error naming the key and the line it is on."""

    def __init__(self, path: Path, text: str, data: dict[str, Any]) -> None:
        self.path, self.lines, self.data = path, text.splitlines(), data

    def error(self, key: str, message: str) -> ConfigError:
        line = self._line_of(key)
        where = f"line {line}: " if line else ""
        return ConfigError(f"config file {self.path}: {where}{key}: {message}")

    def _line_of(self, key: str) -> int | None:
        """The line `key` ("name" or "table.name") is set on, if it can be found."""
        table, _, name = key.rpartition(".")
        header = re.compile(rf"^\s*\[\s*{re.escape(name)}\s*\]")
        setting = re.compile(rf"^\s*{re.escape(name)}\s*=")
        current = ""
        for number, line in enumerate(self.lines, start=1):
            if _TABLE.match(line):
                if not table and header.match(line):
                    return number
                current = line.strip().strip("[]").strip()
            elif current == table and setting.match(line):
                return number
        return None

    def text(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is None or isinstance(value, str):
            return value
        raise self.error(key, f"expected text in quotes, got {value!r}")

    def texts(self, key: str) -> list[str]:
        value = self.data.get(key, [])
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return value
        raise self.error(key, 'expected a list of folders, like ["~/my-lessons"]')

    def speed(self, key: str) -> float | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= 100:
            return float(value)
        raise self.error(key, f"expected a number above 0 and at most 100, got {value!r}")

    def table(self, key: str) -> dict[str, str]:
        value = self.data.get(key, {})
        if not isinstance(value, dict):
            raise self.error(key, "expected a table ([" + key + "]) of names and texts")
        for name, item in value.items():
            if not isinstance(item, str):
                raise self.error(f"{key}.{name}", f"expected text in quotes, got {item!r}")
        return dict(value)

    def no_unknown_keys(self) -> None:
        for key in self.data:
            if key not in KNOWN_KEYS:
                raise self.error(key, f"unknown setting (known: {', '.join(KNOWN_KEYS)})")


def save_theme(theme: str, path: Path | None = None) -> str | None:
    """Write `theme = "…"` into the config file, keeping the rest of it; the problem, if any."""
    path = path or config_path()
    try:
        lines = path.read_text("utf-8").splitlines() if path.exists() else []
    except (OSError, UnicodeDecodeError) as error:
        return f"could not save the theme to {path}: {error}"
    setting = f"theme = {_quoted(theme)}"
    top = next((i for i, line in enumerate(lines) if _TABLE.match(line)), len(lines))
    found = next((i for i in range(top) if _TOP_LEVEL_THEME.match(lines[i])), None)
    if found is None:
        lines.insert(0, setting)
    else:
        lines[found] = setting
    return _write(path, "\n".join(lines) + "\n")


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _write(path: Path, text: str) -> str | None:
    temporary: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".config-")
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except OSError as error:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        return f"could not save the config file {path}: {error}"
    return None
