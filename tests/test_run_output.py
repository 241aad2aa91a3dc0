"""What `cqrs-lab run` writes: quiet into a pipe closed early, the same bytes for the same
seed and script."""

from __future__ import annotations

import subprocess
from pathlib import Path

from cqrs_lab.commands.output import BROKEN_PIPE_STATUS
from tests.robust_helpers import cqrs_lab_command

LONG_SCRIPT = "".join(f"say line {n} of a script long enough to fill a pipe\n" for n in range(4000))
"""About 200 kB of output: far more than a pipe holds, so `run` is still writing when the
reader closes its end."""


def test_a_reader_that_closes_early_gets_no_traceback(tmp_path: Path) -> None:
    """`cqrs-lab run x.lab | head -1`."""
    script = tmp_path / "long.lab"
    script.write_text(LONG_SCRIPT)
    child = subprocess.Popen(
        cqrs_lab_command("run", str(script)), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert child.stdout is not None and child.stderr is not None
    first = child.stdout.readline()
    child.stdout.close()
    errors = child.stderr.read().decode()
    status = child.wait(timeout=60)
    assert first == b"line 0 of a script long enough to fill a pipe\n"
    assert errors == ""
    assert status == BROKEN_PIPE_STATUS
