"""The screen bench's frames figures: under about 500 and about 2,000 events/s, each judged
on its ratio to the light load's frames, with the load's rate and the keys' echo beside."""

from __future__ import annotations

from cqrs_lab.bench.screen_load import (
    AT_500,
    AT_2000,
    BUSIEST_EVENTS_PER_S,
    EVENTS_PER_S,
    _frames,
)

LIGHT = {"seconds": 10.0, "frames": 320.0, "appended": 52.0}


def run(frames: float, appended: float) -> dict[str, float]:
    """What the probe prints for a 10 s run, as the bench parses it."""
    return {
        "seconds": 10.0,
        "frames": frames,
        "appended": appended,
        "applied": appended - 100,
        "key_p50": 0.02,
        "key_p95": 0.1,
    }


def test_the_500_figure_keeps_its_keys_and_the_2000_figure_has_its_own() -> None:
    at_500 = _frames(EVENTS_PER_S, run(300, 5_500), LIGHT, AT_500)
    at_2000 = _frames(BUSIEST_EVENTS_PER_S, run(160, 20_000), LIGHT, AT_2000)
    assert at_500.name == "lab screen under a load of about 500 events/s"
    assert at_500.flat() == {
        "tui_fps_at_500": 30.0,
        "tui_fps_light": 32.0,
        "tui_fps_ratio": 0.9375,
        "tui_events_per_s": 550.0,
        "tui_applied_per_s": 540.0,
        "tui_key_p50_ms_at_500": 20.0,
        "tui_key_p95_ms_at_500": 100.0,
    }
    assert at_2000.name == "lab screen under a load of about 2,000 events/s"
    assert at_2000.flat() == {
        "tui_fps_at_2000": 16.0,
        "tui_fps_light": 32.0,
        "tui_fps_ratio_2000": 0.5,
        "tui_events_per_s_at_2000": 2_000.0,
        "tui_applied_per_s_at_2000": 1_990.0,
        "tui_key_p50_ms_at_2000": 20.0,
        "tui_key_p95_ms_at_2000": 100.0,
    }
    assert at_500.met is True and at_2000.met is False  # issue 21's bar: 0.8x light load
    assert "2,000 events/s appended" in at_2000.note and "p50 20, p95 100 ms" in at_2000.note
