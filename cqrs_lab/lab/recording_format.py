"""What marks a file as a CQRS Lab recording: the format name in its header line."""

from __future__ import annotations

import json
from pathlib import Path

FORMAT = "cqrs-lab-recording"
FORMAT_VERSION = 2
"""2: events exactly as stored, and the header's `production`; 1 is still read."""
_HEADER_LIMIT = 64 * 1024
"""A header line is far shorter; a file whose first line is not is no recording."""


def is_recording(path: Path) -> bool:
    """Whether `path` starts with a recording's header (so an export may replace it)."""
    try:
        with path.open("rb") as file:
            first = file.readline(_HEADER_LIMIT)
        header = json.loads(first)
    except (OSError, ValueError):
        return False
    return isinstance(header, dict) and header.get("format") == FORMAT
