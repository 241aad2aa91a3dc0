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


SEEDED_SCRIPT = """
register alice alice@example.com s3cret-pass
add-product mug "Blue mug" 12.50 10
faults orders dup=0.3 reorder=on
add-to-cart alice mug 2
place-order alice
place-order alice
query orders alice
query orders alice --wait
race restock mug 1 ; restock mug 2
trace 4
load 30/s for 2s
settle
query sales
"""


def run_json(script: Path, *extra: str) -> subprocess.CompletedProcess[bytes]:
    command = cqrs_lab_command("run", str(script), "--json", "--seed", "7", *extra)
    return subprocess.run(command, capture_output=True, timeout=120, check=True)


def test_two_runs_with_one_seed_print_the_same_bytes(tmp_path: Path) -> None:
    script = tmp_path / "seeded.lab"
    script.write_text(SEEDED_SCRIPT)
    first, second = run_json(script), run_json(script)
    assert first.stdout == second.stdout
    assert b"cpu_seconds" not in first.stdout
    assert b'"command_id": "' in first.stdout  # the trace line shows one
    assert first.stdout.count(b"\n") == len(SEEDED_SCRIPT.strip().splitlines()) + 1


def test_timings_come_with_the_flag(tmp_path: Path) -> None:
    script = tmp_path / "seeded.lab"
    script.write_text("add-product mug Mug 1.00 1\nquery catalog\n")
    lines = run_json(script, "--timings").stdout.splitlines()
    assert b'"cpu_seconds"' in lines[1]
    assert b'"command_cpu_seconds"' in lines[-1] and b'"query_cpu_seconds"' in lines[-1]


def test_a_refused_command_is_a_result_and_a_failed_line_fails_the_run(tmp_path: Path) -> None:
    refused = tmp_path / "refused.lab"
    refused.write_text("place-order zed\n")
    kept = subprocess.run(cqrs_lab_command("run", str(refused)), capture_output=True, text=True)
    assert kept.returncode == 0, kept.stderr
    assert "refused (unknown_user)" in kept.stdout

    failing = tmp_path / "failing.lab"
    failing.write_text(f"say before\nexport {tmp_path / 'out.jsonl'}\nsay after\n")
    done = subprocess.run(cqrs_lab_command("run", str(failing)), capture_output=True, text=True)
    assert done.returncode == 1
    assert "give a name inside the folder, not a full path" in done.stdout
    assert "after" in done.stdout  # the run goes on past the failed line
    assert done.stderr == "cqrs-lab run: 1 line failed (see above)\n"
    assert not (tmp_path / "out.jsonl").exists()
