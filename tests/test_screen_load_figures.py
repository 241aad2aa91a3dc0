"""The screen bench's frames figures: under about 500 and about 2,000 events/s, each judged
on its ratio to the light load's frames, with the load's rate and the keys' echo beside."""

from __future__ import annotations

import pytest

from cqrs_lab.bench.screen_load import (
    AT_500,
    AT_2000,
    BUSIEST_EVENTS_PER_S,
    EVENTS_PER_S,
    FrameKeys,
    _frames,
)

LIGHT = {"seconds": 10.0, "frames": 320.0, "appended": 52.0}
CASES = [  # the 500 figure's JSON keys as they always were; the 2,000 figure's own
    (EVENTS_PER_S, AT_500, 300, 5_500, "500", ("tui_fps_at_500", "tui_fps_ratio"), True),
    (
        BUSIEST_EVENTS_PER_S,
        AT_2000,
        160,
        20_000,
        "2,000",
        ("tui_fps_at_2000", "tui_fps_ratio_2000"),
        False,
    ),
]
MORE_KEYS = {
    AT_500: (
        "tui_events_per_s",
        "tui_applied_per_s",
        "tui_key_p50_ms_at_500",
        "tui_key_p95_ms_at_500",
    ),
    AT_2000: (
        "tui_events_per_s_at_2000",
        "tui_applied_per_s_at_2000",
        "tui_key_p50_ms_at_2000",
        "tui_key_p95_ms_at_2000",
    ),
}


@pytest.mark.parametrize(
    ("events_per_s", "keys", "frames", "appended", "shown", "fps", "met"), CASES
)
def test_a_frames_figure_is_judged_on_its_ratio_to_the_light_load(
    events_per_s: float,
    keys: FrameKeys,
    frames: float,
    appended: float,
    shown: str,
    fps: tuple[str, str],
    met: bool,
) -> None:
    heavy = {  # what the probe prints for a 10 s run, as the bench parses it
        "seconds": 10.0,
        "frames": frames,
        "appended": appended,
        "applied": appended - 100,
        "key_p50": 0.02,
        "key_p95": 0.1,
    }
    figure = _frames(events_per_s, heavy, LIGHT, keys)
    assert figure.name == f"lab screen under a load of about {shown} events/s"
    events, applied, p50, p95 = MORE_KEYS[keys]
    assert figure.flat() == {
        fps[0]: frames / 10,
        "tui_fps_light": 32.0,
        fps[1]: round(frames / 10 / 32.0, 4),
        events: appended / 10,
        applied: (appended - 100) / 10,
        p50: 20.0,
        p95: 100.0,
    }
    assert figure.met is met  # issue 21's bar: 0.8x the light load's frames
    assert f"{appended / 10:,.0f} events/s appended" in figure.note
    assert "p50 20, p95 100 ms" in figure.note
