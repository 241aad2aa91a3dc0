"""The lines that control the lab: lanes (latency, faults, capacity, mode, gaps, rebuild,
hold, release), the clock (pause, resume, step, speed, advance), a load, the seed, captions,
export, trace and help."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar, cast

from cqrs_lab.script.actions import (
    GAP_POLICIES,
    MODES,
    Action,
    Advance,
    Export,
    GapPolicy,
    Help,
    Lane,
    Load,
    Mode,
    Say,
    Seed,
    SetCapacity,
    SetFaults,
    SetGaps,
    SetLatency,
    SetMode,
    ShowTrace,
    Speed,
    Step,
)
from cqrs_lab.script.arguments import (
    Args,
    checked_choice,
    checked_duration,
    checked_fault_tokens,
    checked_lane,
    checked_latency,
    whole,
    whole_from,
)
from cqrs_lab.script.errors import shown
from cqrs_lab.script.service_actions import ServiceLaneSetting
from cqrs_lab.script.service_lines import service_lane
from cqrs_lab.script.tokens import Token

MIN_SPEED = 0.05
MAX_SPEED = 20.0
MAX_STEPS = 10_000
MAX_LOAD_RATE = 1_000.0
MAX_LOAD_COMMANDS = 1_000_000
"""Most commands one `load` may send on average (rate x duration)."""
MAX_SEED = 2**64 - 1
ID_PREFIX = 8
"""Characters of a command id the event log shows. A trace target this long or longer is a
command id (or the start of one), even when it is all digits; a shorter number is a position."""

_FACTOR = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)x?", re.IGNORECASE)
_RATE = re.compile(r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)/s", re.IGNORECASE)
_MODE_CHOICES = {mode: mode for mode in MODES}
_GAP_CHOICES = {policy: policy for policy in GAP_POLICIES}
_TRACE_POSITION = re.compile(rf"#([0-9]+)|([0-9]{{1,{ID_PREFIX - 1}}})")
_TRACE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


_Setting = TypeVar("_Setting", SetLatency, SetFaults, SetCapacity)


def latency_line(args: Args) -> SetLatency | ServiceLaneSetting:
    lane_token, spec = args.count(2, 2)
    return _on_lane(args, lane_token, lambda lane: SetLatency(lane, checked_latency(args, spec)))


def faults_line(args: Args) -> SetFaults | ServiceLaneSetting:
    lane_token, *tokens = args.count(2, None)
    return _on_lane(
        args, lane_token, lambda lane: SetFaults(lane, checked_fault_tokens(args, tokens))
    )


def capacity_line(args: Args) -> SetCapacity | ServiceLaneSetting:
    lane_token, rate_token = args.count(2, 2)
    return _on_lane(args, lane_token, lambda lane: SetCapacity(lane, _rate(args, rate_token)))


def _on_lane(
    args: Args, token: Token, setting: Callable[[Lane], _Setting]
) -> _Setting | ServiceLaneSetting:
    """`setting` on the lane `token` names: a view's lane, or a lane between services."""
    service = service_lane(token)
    if service is None:
        return setting(checked_lane(args, token))
    return ServiceLaneSetting(setting(service))


def _rate(args: Args, rate_token: Token) -> float | None:
    if rate_token.text.lower() in ("none", "off"):
        return None
    return _per_second(args, rate_token, "deliveries a second, like 5/s, or none")


def _per_second(args: Args, token: Token, like: str) -> float:
    """A rate written N/s, above 0 and at most MAX_LOAD_RATE; `like` says how to write it."""
    match = _RATE.fullmatch(token.text)
    if match is None:
        raise args.error(f"{shown(token.text)} is not a rate ({like})", token)
    rate = float(match.group(1))
    if not 0 < rate <= MAX_LOAD_RATE:
        raise args.error(f"the rate must be above 0/s and at most {MAX_LOAD_RATE:g}/s", token)
    return rate


def mode_line(args: Args) -> SetMode:
    lane, mode = args.count(2, 2)
    return SetMode(
        checked_lane(args, lane), cast(Mode, checked_choice(args, mode, _MODE_CHOICES, "mode"))
    )


def gaps_line(args: Args) -> SetGaps:
    lane, policy = args.count(2, 2)
    choice = checked_choice(args, policy, _GAP_CHOICES, "gap policy")
    return SetGaps(checked_lane(args, lane), cast(GapPolicy, choice))


def step_line(args: Args) -> Step:
    tokens = args.count(0, 1)
    if not tokens:
        return Step()
    return Step(whole_from(args, tokens[0], 1, MAX_STEPS))


def speed_line(args: Args) -> Speed:
    (token,) = args.count(1, 1)
    if not _FACTOR.fullmatch(token.text):
        raise args.error(f"{shown(token.text)} is not a number (write it like 0.25 or 2)", token)
    factor = float(token.text.lower().removesuffix("x"))
    if not MIN_SPEED <= factor <= MAX_SPEED:
        raise args.error(
            f"the factor must be from {MIN_SPEED:g} to {MAX_SPEED:g} (pause stops the clock)",
            token,
        )
    return Speed(factor)


def advance_line(args: Args) -> Advance:
    (token,) = args.count(1, 1)
    return Advance(checked_duration(args, token.text, token, "DURATION"))


def load_line(args: Args) -> Load:
    rate_token, for_token, duration_token = args.count(3, 3)
    rate = _per_second(args, rate_token, "write commands a second, like 20/s")
    if for_token.text.lower() != "for":
        raise args.error(f"expected 'for' here; usage: {args.usage}", for_token, "for")
    duration = checked_duration(args, duration_token.text, duration_token, "DURATION")
    if duration <= 0:
        raise args.error("the duration must be above zero", duration_token)
    if rate * duration > MAX_LOAD_COMMANDS:
        raise args.error(
            f"that is about {rate * duration:,.0f} commands; one load sends at most "
            f"{MAX_LOAD_COMMANDS:,}",
            duration_token,
        )
    return Load(rate, duration)


def seed_line(args: Args) -> Seed:
    (token,) = args.count(1, 1)
    value = whole(args, token, "N")
    if not 0 <= value <= MAX_SEED:
        raise args.error("N must be a whole number from 0 to 2**64 - 1", token)
    return Seed(value)


def say_line(args: Args) -> Say:
    tokens = args.count(1, None)
    return Say(" ".join(token.text for token in tokens))


def export_line(args: Args) -> Export:
    (token,) = args.count(1, 1)
    if not token.text.strip():
        raise args.error("FILE is empty", token)
    return Export(token.text)


def trace_line(args: Args) -> ShowTrace:
    (token,) = args.count(1, 1)
    try:
        return ShowTrace(trace_target(token.text))
    except ValueError as error:
        raise args.error(str(error), token) from None


def trace_target(text: str) -> int | str:
    """The event position (int) or command id, or start of one (str), that `text` names.

    `#N` and a number of fewer than ID_PREFIX digits are positions; anything else is a
    command id: `12345678` is the start of one, `#12345678` the position. ValueError if
    `text` can be neither.
    """
    position = _TRACE_POSITION.fullmatch(text)
    if position:
        return int(position.group(1) or position.group(2))
    if _TRACE_ID.fullmatch(text):
        return text
    raise ValueError(
        f"{shown(text)} is neither an event position (like 6) nor a command id (its first"
        f" {ID_PREFIX} characters or more, as the event log shows them)"
    )


def help_line(args: Args) -> Help:
    tokens = args.count(0, 1)
    return Help(tokens[0].text.lower() if tokens else None)


def no_arguments(action: Callable[[], Action]) -> Callable[[Args], Action]:
    def handler(args: Args) -> Action:
        args.count(0, 0)
        return action()

    return handler
