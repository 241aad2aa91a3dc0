"""Kill `cqrs-lab run` with SIGKILL in the middle of a workload, again and again, and show
that nothing is lost or half-written: the store stays intact, projections resume from their
checkpoints to exactly what a rebuild gives, and the CRUD twin agrees with them.

The kill points are seeded (the delays and the scripts come from one `random.Random`); where
in its work each kill lands still depends on the machine's speed, which is the point: over
the runs, kills fall inside command transactions, scrypt hashing, projection flushes and
rebuilds alike. Every delay is a bounded wait on the child process, never a sleep.
"""

from __future__ import annotations

import contextlib
import itertools
import random
import select
import signal
import subprocess
from pathlib import Path

from cqrs_lab.lab import Lab
from cqrs_lab.lab.interpreter import execute
from tests.robust_helpers import check_read_side, check_store, child_env, cqrs_lab_command

KILLS = 20
SEED = 20240611
STARTUP_TIMEOUT = 60.0


SETUP = """
latency all zero
register ann ann@example.com ann-pass-1
register ben ben@example.com ben-pass-1
register cleo cleo@example.com cleo-pass-1
add-product mug "Blue mug" 12.50 40
add-product tea "Green tea" 4.00 25
add-product pen "Pencil set" 3.20 8
add-product lamp "Desk lamp" 29.90 3
add-to-cart ann mug 2
add-to-cart ann tea 1
place-order ann
pay last
settle
"""
LANE_SETTINGS = (
    "latency all exp:300ms",
    "latency all uniform:100ms..1s",
    "faults all drop=0.1 dup=0.1 reorder=on",
    "faults orders dup=0.3",
    "gaps all catch-up",
    "mode sales inline",
    "mode orders inline",
    "mode carts inline",
)


def workload_script(rng: random.Random) -> str:
    """A script that runs far longer than the kill comes: settings, maybe a rebuild, load."""
    lines = ["say started"]
    lines += rng.sample(LANE_SETTINGS, k=rng.randint(0, 3))
    if rng.random() < 0.3:
        lines.append(f"rebuild {rng.choice(['all', 'orders', 'sales'])}")
    lines.append(f"load {rng.choice([40, 80, 150])}/s for 1h")
    return "\n".join(lines) + "\n"


def run_and_kill(db: str, script: Path, seed: int, delay: float) -> None:
    """Start `cqrs-lab run` on `db`; SIGKILL it `delay` seconds after its lab is open."""
    child = subprocess.Popen(
        cqrs_lab_command("run", str(script), "--db", str(db), "--seed", str(seed)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
    )
    try:
        assert child.stdout is not None
        ready, _, _ = select.select([child.stdout], [], [], STARTUP_TIMEOUT)
        first = child.stdout.readline() if ready else ""
        assert first.strip() == "started", f"the run did not start: {first!r} {child.stderr}"
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=delay)  # a bounded wait on the child, which should not end
        assert child.poll() is None, f"the run ended before the kill: {child.communicate()}"
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=STARTUP_TIMEOUT) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
        child.communicate()


def test_killed_runs_lose_nothing_and_resume_to_a_rebuild(tmp_path: Path, db: str) -> None:
    lab = Lab.open(db, seed=1, password_cost=2**4)
    for line in SETUP.strip().splitlines():
        assert execute(lab, line).ok, line
    lab.close()

    rng = random.Random(SEED)
    heads = [check_store(db)[-1]["position"]]
    for kill in range(KILLS):
        script = tmp_path / f"workload-{kill}.lab"
        script.write_text(workload_script(rng), "utf-8")
        run_and_kill(db, script, seed=rng.randrange(1, 10**6), delay=rng.uniform(0.02, 0.4))

        heads.append(len(check_store(db)))
        restarted = Lab.open(db, seed=kill, password_cost=2**4)
        try:
            check_read_side(restarted)
        finally:
            restarted.close()

    assert heads[-1] > heads[0]  # the runs did write, between the kills
    assert sum(b > a for a, b in itertools.pairwise(heads)) >= KILLS // 2
