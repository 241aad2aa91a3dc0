"""Reading the lines of production's problems: `on-error`, `poison`, `parked`,
`replay-parked`, `discard-parked`, `snapshots`, `aggregates`, `cache`, `replicas`, `route`,
`upcasters` and `legacy-register` (their actions are in `production_actions`)."""

from __future__ import annotations

import re
from functools import partial
from typing import cast

from cqrs_lab.read.replicas import MAX_REPLICAS
from cqrs_lab.read.view_specs import VIEW_WORDS
from cqrs_lab.script.arguments import (
    Args,
    LineCommand,
    checked_choice,
    checked_duration,
    checked_lane,
    lane_line,
    whole_from,
)
from cqrs_lab.script.errors import shown
from cqrs_lab.script.production_actions import (
    ErrorPolicyWord,
    LegacyRegister,
    Parked,
    ParkedVerb,
    RouteWord,
    SetAggregates,
    SetCache,
    SetErrorPolicy,
    SetPoison,
    SetReplicas,
    SetRoute,
    SetSnapshots,
    SetUpcasters,
    View,
)
from cqrs_lab.script.read_lines import checked_username
from cqrs_lab.shop.commands import EMAIL_PATTERN
from cqrs_lab.shop.events import EVENT_TYPES

MAX_POISON_FAILS = 100
MAX_SNAPSHOT_EVERY = 1_000_000
_POLICIES = {word: word for word in ("retry", "park", "skip", "stop")}
_ROUTES = {word: word for word in ("random", "sticky", "at-least-my-position")}
_ROUTES["at-least"] = "at-least-my-position"
_EVENT_TYPES = {name.lower(): name for name in EVENT_TYPES}
_ON_OFF = {"on": "on", "off": "off"}
_EMAIL = re.compile(EMAIL_PATTERN)


def _view(args: Args, index: int = 0) -> View:
    return cast(View, checked_choice(args, args.tokens[index], VIEW_WORDS, "view"))


def on_error_line(args: Args) -> SetErrorPolicy:
    lane, policy = args.count(2, 2)
    word = cast(ErrorPolicyWord, checked_choice(args, policy, _POLICIES, "error policy"))
    return SetErrorPolicy(checked_lane(args, lane), word)


def poison_line(args: Args) -> SetPoison:
    lane_token, what, *rest = args.count(2, 3)
    lane = checked_lane(args, lane_token)
    word = what.text.lower()
    if word == "next":
        if not rest:
            return SetPoison(lane, "next")
        return SetPoison(lane, "next", fails=whole_from(args, rest[0], 1, MAX_POISON_FAILS))
    if rest:
        raise args.error(f"only 'next' takes a count; usage: {args.usage}", rest[0])
    if word == "off":
        return SetPoison(lane, "off")
    if word in _EVENT_TYPES:
        return SetPoison(lane, "type", event_type=_EVENT_TYPES[word])
    choices = {"next": "next", "off": "off", **_EVENT_TYPES}
    checked_choice(args, what, choices, "poison (next, off or an event type)")
    raise AssertionError("unreachable")


def snapshots_line(args: Args) -> SetSnapshots:
    tokens = args.count(1, 2)
    if tokens[0].text.lower() == "off" and len(tokens) == 1:
        return SetSnapshots(None)
    if tokens[0].text.lower() != "every" or len(tokens) != 2:
        raise args.error(
            f"write snapshots every N, or snapshots off; usage: {args.usage}", tokens[0]
        )
    return SetSnapshots(whole_from(args, tokens[1], 1, MAX_SNAPSHOT_EVERY))


def aggregates_line(args: Args) -> SetAggregates:
    (token,) = args.count(1, 1)
    choice = checked_choice(args, token, {"cached": "cached", "replay": "replay"}, "strategy")
    return SetAggregates("cached" if choice == "cached" else "replay")


def cache_line(args: Args) -> SetCache:
    _, policy = args.count(2, 2)
    view = _view(args)
    word = policy.text.lower()
    if word in ("off", "invalidate"):
        return SetCache(view, "off" if word == "off" else "invalidate")
    if word.startswith("ttl:"):
        ttl = checked_duration(args, policy.text[4:], policy, "TTL")
        if ttl <= 0:
            raise args.error("the TTL must be above zero", policy)
        return SetCache(view, "ttl", ttl)
    raise args.error(
        f"unknown cache policy {shown(policy.text)} (ttl:DURATION, invalidate or off)",
        policy,
        "invalidate" if word.startswith("inv") else None,
    )


def replicas_line(args: Args) -> SetReplicas:
    _, count = args.count(2, 2)
    view = _view(args)
    return SetReplicas(view, whole_from(args, count, 0, MAX_REPLICAS))


def route_line(args: Args) -> SetRoute:
    _, route = args.count(2, 2)
    view = _view(args)
    return SetRoute(view, cast(RouteWord, checked_choice(args, route, _ROUTES, "route")))


def upcasters_line(args: Args) -> SetUpcasters:
    (token,) = args.count(1, 1)
    return SetUpcasters(checked_choice(args, token, _ON_OFF, "setting") == "on")


def legacy_register_line(args: Args) -> LegacyRegister:
    user, email = args.count(2, 2)
    if not _EMAIL.match(email.text):
        raise args.error(f"{shown(email.text)} is not a valid email address", email)
    return LegacyRegister(checked_username(args, user), email.text)


_PARKED_LINES: dict[str, tuple[ParkedVerb, str]] = {
    "parked": ("list", "List a lane's parked events (its dead-letter queue)."),
    "replay-parked": ("replay", "Apply a lane's parked events again, oldest first."),
    "discard-parked": (
        "discard",
        "Throw a lane's parked events away (its projection never has them).",
    ),
}
"""The words for a lane's parked events and what each does with them."""

PRODUCTION_COMMANDS: dict[str, LineCommand] = {
    "on-error": LineCommand(
        "on-error LANE retry|park|skip|stop",
        "What a lane does with an event its projection cannot apply: retry with backoff "
        "(then park), park it (dead-letter queue), skip it, or stop (stall) the lane.",
        on_error_line,
        completion=("lane", "policy"),
    ),
    "poison": LineCommand(
        "poison LANE next [N] | TYPE | off",
        "Make the next event on a lane fail to apply (N times, or until off), or switch on a "
        "projection bug: every event of TYPE fails; off fixes it.",
        poison_line,
        completion=("lane",),
    ),
    **{
        word: LineCommand(
            f"{word} LANE", says, lane_line(partial(Parked, verb=verb)), completion=("lane",)
        )
        for word, (verb, says) in _PARKED_LINES.items()
    },
    "snapshots": LineCommand(
        "snapshots every N | off",
        "Save an aggregate snapshot every N versions of a stream; commands load the newest "
        "snapshot plus the events after it (off: back to the in-memory cache).",
        snapshots_line,
    ),
    "aggregates": LineCommand(
        "aggregates cached|replay",
        "Load aggregates from the in-memory cache of folded states (cached), or fold each "
        "stream from its first event on every command (replay), as a stateless handler does.",
        aggregates_line,
    ),
    "cache": LineCommand(
        "cache VIEW ttl:DURATION | invalidate | off",
        "Put a query cache in front of a view and its CRUD twin: answers kept for a TTL, or "
        "until the next event invalidates them.",
        cache_line,
        completion=("view",),
    ),
    "replicas": LineCommand(
        "replicas VIEW N",
        f"Give a view N read replicas (0 to {MAX_REPLICAS}), each with a lag of its own.",
        replicas_line,
        completion=("view",),
    ),
    "route": LineCommand(
        "route VIEW random|sticky|at-least-my-position",
        "Route a view's queries to a random replica, to the same replica per session, or to "
        "one that has reached the session's position.",
        route_line,
        completion=("view",),
    ),
    "upcasters": LineCommand(
        "upcasters on|off",
        "Read events stored in an old shape through their upcasters (on), or as stored (off).",
        upcasters_line,
    ),
    "legacy-register": LineCommand(
        "legacy-register USER EMAIL",
        "Append a UserRegistered in its version-1 shape (the handle under `name`), as the "
        "shop's first release wrote it.",
        legacy_register_line,
    ),
}
"""The command table's entries for these lines (the parser adds them to its own)."""
