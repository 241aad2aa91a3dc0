"""The environment variables the lab reads, named once (this module imports nothing)."""

from __future__ import annotations

DATA_DIR_ENV = "CQRS_LAB_DATA_DIR"
"""The user data folder: the default lab file, lesson progress, `exports/`."""

VISITOR_ENV = "CQRS_LAB_VISITOR"
"""Set (to 1) by `cqrs-lab serve` for each visitor of a shared database: lines that change
what every lab reads (reset, rebuild) are refused; they are the instructor's."""

CONFIG_ENV = "CQRS_LAB_CONFIG"
"""The config file's path (default: config.toml in the user config folder)."""

DB_ENV = "CQRS_LAB_DB"
"""The lab database (a path, ':memory:' or a SQLAlchemy URL) when --db names none. A URL
with a password belongs here, not on the command line, where `ps` and shell history show
it; `serve` hands it to each visitor this way too."""

BENCH_DB_ENV = "CQRS_LAB_BENCH_DB"
"""A PostgreSQL server URL for `cqrs-lab bench` (when --pg-url names none): the bench makes
a scratch database there, runs `simulate` on it beside SQLite, and drops it."""
