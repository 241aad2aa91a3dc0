"""The environment variables the lab reads, named once (this module imports nothing)."""

from __future__ import annotations

DATA_DIR_ENV = "CQRS_LAB_DATA_DIR"
"""The user data folder: the default lab file, lesson progress, `exports/`."""

VISITOR_ENV = "CQRS_LAB_VISITOR"
"""Set (to 1) by `cqrs-lab serve` for each visitor of a shared database: lines that change
what every lab reads (reset, rebuild) are refused; they are the instructor's."""

CONFIG_ENV = "CQRS_LAB_CONFIG"
"""The config file's path (default: config.toml in the user config folder)."""
