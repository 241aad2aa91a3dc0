"""`cqrs-lab bench --classroom --quick`, small: three attendee processes for three seconds on a
SQLite file, an instructor process polling; every figure measured, every target met, nothing
lost (a lost or doubled row fails the measurement)."""

from __future__ import annotations

import json

import pytest

from cqrs_lab import cli


def test_a_small_classroom_bench(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CQRS_LAB_BENCH_DB", raising=False)  # a SQLite file, here
    argv = ["bench", "--classroom", "--quick", "--attendees", "3", "--seconds", "3", "--json"]
    status = cli.main(argv)
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert report["failures"] == {}, report["failures"]
    assert status == 0, err
    assert report["classroom_3_matched"] == 3
    assert 0 < report["classroom_3_p95_delay_s"] <= 1.0
    assert 0 < report["classroom_3_instructor_cpu_pct"] < 100
    assert report["classroom_3_rows"] >= 3 * 3  # joined, a state, left: each at least
    assert all(target["met"] for target in report["targets"].values()), report["targets"]
    assert "3 attendees for 3 s on a SQLite file" in err
