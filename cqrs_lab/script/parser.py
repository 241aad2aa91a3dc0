"""The lab script parser: one line of text -> one Action, or a ScriptError saying where and why.

Everything is checked here, before anything runs: shop fields by building the command
(pydantic), durations, latency specs and faults by the simulation's own parsers. An error
names the offending token's column and, for a misspelt word, the closest known word.

This module holds the table of command words; each family of lines is read by its own
module: shop commands from the verb registry (`shop_lines`), the reading lines
(`read_lines`), the lab's controls (`control_lines`), on the helpers of `arguments`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from cqrs_lab.script.actions import (
    Action,
    Check,
    Hold,
    Pause,
    Race,
    Rebuild,
    Release,
    Reset,
    Resume,
    Send,
    Settle,
    WaitKey,
)
from cqrs_lab.script.arguments import (
    Args,
    LineCommand,
    close_word,
    is_separator,
    lane_line,
    sides_of,
)
from cqrs_lab.script.control_lines import (
    ID_PREFIX,
    MAX_SPEED,
    MIN_SPEED,
    advance_line,
    capacity_line,
    export_line,
    faults_line,
    gaps_line,
    help_line,
    latency_line,
    load_line,
    mode_line,
    no_arguments,
    say_line,
    seed_line,
    speed_line,
    step_line,
    trace_line,
    trace_target,
)
from cqrs_lab.script.errors import ScriptError, ScriptErrors, shown
from cqrs_lab.script.production_lines import PRODUCTION_COMMANDS
from cqrs_lab.script.read_lines import login_line, predict_line, query_line
from cqrs_lab.script.secrets import masked
from cqrs_lab.script.service_lines import SERVICE_COMMANDS
from cqrs_lab.script.shop_lines import shop_line
from cqrs_lab.script.tokens import Token, scan
from cqrs_lab.shop.commands import COMMAND_SPECS, PASSWORD_HINT, SHOP_VERBS


def parse_line(text: str, line_no: int | None = None) -> Action | None:
    """The action of one line; None for a blank or comment-only line.

    Raises ScriptError (with `line_no` and a password-masked `source_line`) for a bad line.
    """
    result = scan(text)
    try:
        if result.problem is not None:
            raise result.problem
        if not result.tokens:
            return None
        return _dispatch(result.tokens)
    except ScriptError as error:
        raise error.located(line_no, _masked(text, result.tokens)) from None


def parse_script(text: str) -> list[tuple[int, Action]]:
    """(line number, action) for every line that has one.

    Raises ScriptErrors holding every bad line's error, so nothing runs from a bad file.
    """
    actions: list[tuple[int, Action]] = []
    errors: list[ScriptError] = []
    for line_no, line in enumerate(text.removeprefix("\ufeff").split("\n"), start=1):
        try:
            action = parse_line(line.removesuffix("\r"), line_no)
        except ScriptError as error:
            errors.append(error)
            continue
        if action is not None:
            actions.append((line_no, action))
    if errors:
        raise ScriptErrors(errors)
    return actions


def _dispatch(tokens: Sequence[Token]) -> Action:
    head, rest = tokens[0], tokens[1:]
    word = head.text.lower()
    command = _COMMANDS.get(word)
    if command is None:
        suggestion = close_word(word, COMMAND_WORDS)
        hint = "" if suggestion else " (help lists every command)"
        raise ScriptError(
            f"unknown command {shown(head.text)}{hint}", head.column, suggestion=suggestion
        )
    if word not in ("race", "say"):
        for token in rest:
            if is_separator(token):
                raise ScriptError(
                    "';' only separates the two commands of race; write one command a line",
                    token.column,
                )
    return command.handler(Args(head, rest, command))


def race_line(args: Args) -> Race:
    usage = f"usage: {args.usage}"
    separators = [t for t in args.tokens if is_separator(t)]
    if not separators:
        raise ScriptError(
            f"race: put ' ; ' between the two shop commands; {usage}",
            args.tokens[0].column if args.tokens else args.end,
        )
    if len(separators) > 1:
        raise ScriptError(f"race takes exactly two shop commands; {usage}", separators[1].column)
    sides = sides_of(args.tokens)
    sends = []
    for side, where, which in zip(
        sides, (separators[0].column, args.end), ("first", "second"), strict=True
    ):
        if not side:
            raise ScriptError(f"race: missing the {which} command; {usage}", where)
        head = side[0]
        if head.text.lower() not in SHOP_VERBS:
            known = head.text.lower() in _COMMANDS
            raise ScriptError(
                f"race: {shown(head.text)} is not a shop command (race takes two of: "
                f"{', '.join(SHOP_VERBS)})",
                head.column,
                suggestion=None if known else close_word(head.text.lower(), SHOP_VERBS),
            )
        word = head.text.lower()
        sends.append(_SHOP_LINES[word](Args(head, side[1:], _COMMANDS[word])))
    return Race(sends[0], sends[1])


def mask_secrets(line: str) -> str:
    """`line` with every password it may hold (and what follows it on its command) replaced
    by `*`: safe to log, keep in history or export. Columns stay where they were.

    Misspelt lines are masked too: see `cqrs_lab.script.secrets`."""
    return _masked(line, scan(line).tokens)


def _masked(line: str, tokens: Sequence[Token]) -> str:
    return masked(line, tokens, _COMMANDS, SHOP_VERBS)


# --- the command table ---------------------------------------------------------

_SHOP_LINES: dict[str, Callable[[Args], Send]] = {
    spec.verb: shop_line(spec) for spec in COMMAND_SPECS
}
_COMMANDS: dict[str, LineCommand] = {
    **{
        spec.verb: LineCommand(
            spec.usage,
            spec.help,
            _SHOP_LINES[spec.verb],
            spec.hint,
            tuple(argument.known or "" for argument in spec.arguments),
        )
        for spec in COMMAND_SPECS
    },
    "login": LineCommand(
        "login USER PASSWORD",
        "Check a user's password (a query: it changes nothing).",
        login_line,
        PASSWORD_HINT,
        completion=("user",),
    ),
    "query": LineCommand(
        "query VIEW [USER] [page N] [--crud] [--wait [TIMEOUT]]",
        "Read catalog, cart USER, orders USER or sales; the catalog 50 products a page "
        "(page N for more); --crud reads the CRUD twin, "
        "--wait waits until the view has your own writes.",
        query_line,
    ),
    "latency": LineCommand(
        "latency LANE SPEC",
        "Set a lane's delivery delay: zero, fixed:1s, uniform:100ms..2s, exp:800ms "
        "or lognormal:300ms,0.8.",
        latency_line,
        completion=("lane", "latency"),
    ),
    "faults": LineCommand(
        "faults LANE FAULT...",
        "Set a lane's faults: drop=P dup=P reorder=on|off lost=on|off timeout=DURATION, or none.",
        faults_line,
    ),
    "capacity": LineCommand(
        "capacity LANE RATE/s|none",
        "Let a lane's consumer handle at most RATE events a second (none: no limit).",
        capacity_line,
    ),
    "mode": LineCommand(
        "mode LANE inline|async",
        "Update a projection in the command's transaction (inline) or through the bus (async).",
        mode_line,
        completion=("lane", "mode"),
    ),
    "gaps": LineCommand(
        "gaps LANE wait|catch-up",
        "On a missing event, wait for it or catch up by reading the event store.",
        gaps_line,
        completion=("lane", "gaps"),
    ),
    "pause": LineCommand("pause", "Stop the lab clock.", no_arguments(Pause)),
    "resume": LineCommand("resume", "Start the lab clock again.", no_arguments(Resume)),
    "step": LineCommand("step [N]", "Move a paused lab N steps forward (default 1).", step_line),
    "speed": LineCommand(
        "speed FACTOR",
        f"Run lab time FACTOR times as fast as real time ({MIN_SPEED:g} to {MAX_SPEED:g}).",
        speed_line,
    ),
    "advance": LineCommand(
        "advance DURATION",
        "Move lab time forward by DURATION (e.g. 5s), delivering what falls due.",
        advance_line,
    ),
    "settle": LineCommand("settle", "Run until nothing is in flight.", no_arguments(Settle)),
    "check": LineCommand(
        "check",
        "Audit the lab's database: the store, each projection against a rebuild, the CRUD twin.",
        no_arguments(Check),
    ),
    "rebuild": LineCommand(
        "rebuild LANE",
        "Clear a projection and replay the whole event store into it.",
        lane_line(Rebuild),
        completion=("lane",),
    ),
    "load": LineCommand(
        "load RATE/s for DURATION",
        "Send a random (Poisson) workload of RATE commands a second, e.g. load 20/s for 30s.",
        load_line,
        completion=("", "for"),
    ),
    "reset": LineCommand("reset", "Start over with an empty shop.", no_arguments(Reset)),
    "seed": LineCommand(
        "seed N",
        "Seed the lab's randomness: the same script and seed give the same run.",
        seed_line,
    ),
    "say": LineCommand("say TEXT", "Show a caption (for demos and lessons).", say_line),
    "wait-key": LineCommand(
        "wait-key", "Wait for a key press before going on (demos).", no_arguments(WaitKey)
    ),
    "export": LineCommand("export FILE", "Write what the lab recorded to FILE.", export_line),
    "race": LineCommand(
        "race COMMAND ; COMMAND",
        "Decide two shop commands against the same state: the second meets a concurrency conflict.",
        race_line,
    ),
    "hold": LineCommand(
        "hold LANE",
        "Hold a lane's deliveries back until release.",
        lane_line(Hold),
        completion=("lane",),
    ),
    "release": LineCommand(
        "release LANE", "Let a held lane deliver again.", lane_line(Release), completion=("lane",)
    ),
    "predict": LineCommand(
        "predict VIEW [USER] read=EXPECT crud=EXPECT",
        "Say what a query will show once its held lane is released, in the read model and "
        "in the CRUD twin: a row count (2), has:VALUE or no:VALUE; release judges it.",
        predict_line,
        completion=("view", "user"),
    ),
    "trace": LineCommand(
        "trace POSITION|COMMAND_ID",
        "The causation trace of an event: its command, the command's events, their deliveries"
        f" and when each projection applied them. A number of up to {ID_PREFIX - 1} digits is"
        f" an event position; {ID_PREFIX} characters or more are a command id or its start"
        " (as the event log shows it), digits only too.",
        trace_line,
    ),
    "help": LineCommand(
        "help [TOPIC]",
        "Show help, on everything or on one command.",
        help_line,
        completion=("command",),
    ),
    **PRODUCTION_COMMANDS,
    **SERVICE_COMMANDS,
}

COMMAND_WORDS: tuple[str, ...] = tuple(sorted(_COMMANDS))
"""Every command word, sorted (for completion)."""

USAGE: dict[str, str] = {
    word: f"{command.usage}\n{command.description}" for word, command in sorted(_COMMANDS.items())
}
"""Per command word: its usage line, a newline, and a one-sentence description."""

ARGUMENT_KINDS: dict[str, tuple[str, ...]] = {
    word: command.completion for word, command in _COMMANDS.items() if any(command.completion)
}
"""Per command word: what each argument names, by position, for completion ("": nothing
the lab knows; query, faults and race are completed apart)."""

__all__ = [
    "ARGUMENT_KINDS",
    "COMMAND_WORDS",
    "ID_PREFIX",
    "USAGE",
    "ScriptError",
    "ScriptErrors",
    "mask_secrets",
    "parse_line",
    "parse_script",
    "trace_target",
]
