"""Running lab script lines against a Lab: parse once, admit, perform, tell the observers.

Every failure a user can cause (a bad line, a refused command, a bad lane, a database that
cannot be written) becomes one `Outcome` with a clear message. Anything else is a bug, and
raises. The outcome carries the parsed action, and every outcome of `execute` goes to the
lab's `line_observers` (an open lesson checks its goal there).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import singledispatch
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from cqrs_lab import script as sc
from cqrs_lab.lab import recording
from cqrs_lab.lab.answers import QueryAnswer
from cqrs_lab.lab.audit import audit
from cqrs_lab.lab.errors import LabError, NothingNamed
from cqrs_lab.lab.load import run_load
from cqrs_lab.lab.outcome import Outcome, control
from cqrs_lab.lab.production import PERFORMERS
from cqrs_lab.lab.rebuilds import rebuilt
from cqrs_lab.lab.recording_format import is_recording
from cqrs_lab.lab.service_performers import SERVICE_PERFORMERS
from cqrs_lab.lab.trace import TraceNotFound, describe_trace, trace, trace_json
from cqrs_lab.read import catalog_page
from cqrs_lab.read.subscriber import GapPolicy, Mode
from cqrs_lab.script.actions import Predict
from cqrs_lab.shop.commands import Command
from cqrs_lab.shop.errors import DomainError
from cqrs_lab.shop.money import format_cents
from cqrs_lab.shop.state import user_stream
from cqrs_lab.sim.durations import format_duration
from cqrs_lab.sim.faults import FaultSpecError, parse_faults
from cqrs_lab.sim.latency import LatencySpecError
from cqrs_lab.store.errors import StoreError
from cqrs_lab.wording import counted
from cqrs_lab.write.results import Accepted, CommandResult, Rejected

if TYPE_CHECKING:
    from cqrs_lab.lab.core import Lab
    from cqrs_lab.sim.bus import Delivery
    from cqrs_lab.sim.bus import Outcome as BusOutcome
    from cqrs_lab.store.event_store import RecordedEvent

REFUSALS = (LabError, StoreError, FaultSpecError, LatencySpecError, ValidationError)
"""What a line may run into that is the user's to fix, not a bug: said, never raised. A
`ValidationError` is data the shop's models refuse (an old event read without its
upcaster)."""


@dataclass(frozen=True, slots=True)
class ParsedLine:
    """One lab line, parsed once: its action, or why it is not one."""

    text: str = field(repr=False)
    """The line as given (it may hold a password: never printed)."""
    shown: str
    """The line with passwords masked: what is printed, exported, shown and kept."""
    action: sc.Action | None
    """None for a blank line or a comment, and for a line that did not parse."""
    error: sc.ScriptError | None = None


def parse(line: str, line_no: int | None = None) -> ParsedLine:
    shown = sc.mask_secrets(line)
    try:
        return ParsedLine(line, shown, sc.parse_line(line, line_no))
    except sc.ScriptError as error:
        return ParsedLine(line, shown, None, error)


def execute(lab: Lab, line: str | ParsedLine, line_no: int | None = None) -> Outcome:
    """Parse (unless parsed already), admit and perform one line; the outcome carries its
    action and goes to the lab's line observers. Never raises for anything a user typed."""
    parsed = parse(line, line_no) if isinstance(line, str) else line
    outcome = admit(lab, parsed)
    if outcome is None:
        assert parsed.action is not None
        outcome = perform(lab, parsed.action, parsed.shown)
    return told(lab, replace(outcome, action=parsed.action))


def admit(lab: Lab, parsed: ParsedLine) -> Outcome | None:
    """The bookkeeping before a line runs: a bad line is counted, a line with an action is
    kept in the history, a refusal is said. None: the line's action is to be performed
    (here by `perform`, or over many frames by a screen)."""
    if parsed.error is not None:
        lab.metrics.bad_lines += 1
        error = parsed.error
        data = {"column": error.column}
        return Outcome(parsed.shown, False, "error", str(error), data, "parse_error")
    if parsed.action is None:
        return Outcome(parsed.shown, True, "control", "")
    lab.history.append(parsed.shown.strip())
    if refusal := lab.refusal(parsed.action):
        return Outcome(parsed.shown, False, "error", refusal, {}, "not_allowed")
    return None


def told(lab: Lab, outcome: Outcome) -> Outcome:
    """`outcome`, after the lab's line observers have seen it."""
    for observer in tuple(lab.line_observers):
        observer(outcome)
    return outcome


def perform(lab: Lab, action: sc.Action, line: str = "") -> Outcome:
    try:
        return _perform(action, lab, line)
    except DomainError as error:
        return Outcome(line, False, "command", f"refused ({error.code}): {error}", {}, error.code)
    except REFUSALS as error:
        message = str(error)
        if isinstance(error, ValidationError):  # an event stored in a shape no longer read
            lab.metrics.unreadable_events += 1
            message = unreadable(error, upcasting=bool(lab.store.upcasters))
        return Outcome(line, False, "error", message, {}, type(error).__name__)


def unreadable(error: ValidationError, *, upcasting: bool) -> str:
    """Pydantic's errors, on one line: which fields of which shape did not fit."""
    fields = "; ".join(
        f"{'.'.join(str(part) for part in detail['loc']) or 'data'}: {detail['msg'].lower()}"
        for detail in error.errors()
    )
    hint = "" if upcasting else " (an old event shape read without its upcaster: upcasters on)"
    return f"{error.title} does not fit its current shape: {fields}{hint}"


@singledispatch
def _perform(action: Any, lab: Lab, line: str) -> Outcome:
    raise TypeError(f"no way to perform {type(action).__name__}")


for _kind, _performer in (PERFORMERS | SERVICE_PERFORMERS).items():  # poison, services, ...
    _perform.register(_kind)(_performer)


@_perform.register(sc.Send)
def _send(action: sc.Send, lab: Lab, line: str) -> Outcome:
    return describe_result(line, lab.send(_build(lab, action), fresh=True))


def _build(lab: Lab, action: sc.Send) -> Command:
    """The command, with a fresh command id from the lab's seed, `last` resolved and a
    fresh order id for a place-order that names none."""
    command_id = lab.command_ids.new()
    order_id = action.fields.get("order_id")
    if order_id == sc.ORDER_LAST:
        if lab.last_order_id is None:
            raise NothingNamed("no order placed yet: 'last' names nothing")
        return action.build(order_id=lab.last_order_id, command_id=command_id)
    if action.verb == "place-order" and not order_id:
        return action.build(order_id=lab.new_order_id(), command_id=command_id)
    return action.build(command_id=command_id)


def describe_result(line: str, result: CommandResult) -> Outcome:
    verb = type(result.command).verb
    if isinstance(result, Rejected):
        return Outcome(
            line, False, "command", f"refused ({result.code}): {result.error}", {}, result.code
        )
    assert isinstance(result, Accepted)
    events = [
        {"position": e.position, "type": e.type, "stream_id": e.stream_id} for e in result.events
    ]
    data: dict[str, Any] = {"accepted": True, "position": result.position, "events": events}
    order_id = getattr(result.command, "order_id", None)
    if order_id:
        data["order_id"] = order_id
    if result.duplicate:
        message = f"{verb}: already handled (same command id): nothing new written"
    else:
        listed = ", ".join(f"{e.type} #{e.position}" for e in result.events)
        message = f"ok {verb}: {listed}"
        if verb == "place-order":
            message += f" — order {order_id}"
    return Outcome(line, True, "command", message, data)


@_perform.register(sc.Race)
def _race(action: sc.Race, lab: Lab, line: str) -> Outcome:
    built = _build(lab, action.first), _build(lab, action.second)
    first, second, retry = lab.race(*built, fresh=True)
    parts = [describe_result("", first).message, describe_result("", second).message]
    if retry is not None:
        parts.append("retried after reloading: " + describe_result("", retry).message)
    ok = all(r.ok for r in (first, second if retry is None else retry))
    return Outcome(line, ok, "command", " | ".join(parts), {"conflict": retry is not None})


@_perform.register(sc.Login)
def _login(action: sc.Login, lab: Lab, line: str) -> Outcome:
    if lab.login(action.username, action.password.get_secret_value()):
        return Outcome(line, True, "login", f"ok login: welcome, {action.username}")
    return Outcome(
        line, False, "login", "login failed: wrong user name or password", {}, "login_failed"
    )


@_perform.register(sc.Query)
def _query(action: sc.Query, lab: Lab, line: str) -> Outcome:
    answer = lab.query(
        action.view,
        action.username,
        crud=action.crud,
        wait=action.wait,
        timeout=action.timeout,
        page=action.page,
    )
    unknown = bool(action.username) and not lab.store.stream_version(
        user_stream(action.username or "")
    )
    data = answer.to_json() | ({"unknown_user": True} if unknown else {})
    return Outcome(line, True, "query", describe_answer(answer, unknown_user=unknown), data)


def describe_answer(answer: QueryAnswer, *, unknown_user: bool = False) -> str:
    """One line: the view, its freshness, its rows and summary; a user who never
    registered is said to be unknown (not an empty, possibly stale, answer)."""
    who = f" {answer.username}" if answer.username else ""
    flags = [answer.freshness()]
    if answer.stale:
        flags.append("STALE: behind your last write")
    if answer.waited:
        flags.append(f"waited {format_duration(rounded(answer.waited))}")
    if answer.timed_out:
        flags.append("wait timed out")
    # a read-your-writes violation is what STALE already says: the others are news
    flags.extend(v for v in answer.violations if not v.startswith("read your writes"))
    none = f"(no user named {answer.username} has registered)" if unknown_user else "(none)"
    rows = "; ".join(_row_text(answer.view, row) for row in answer.rows.as_dicts()) or none
    summary = ", ".join(f"{_key(k)}={_value(k, v)}" for k, v in answer.rows.summary)
    text = f"{answer.view}{who} [{' | '.join(flags)}]: {rows}"
    if answer.view == "catalog":
        note = catalog_page.more(answer.rows, answer.source == "crud")
        return f"{text} ({note})" if note else text
    return f"{text} ({summary})" if summary else text


def rounded(seconds: float) -> float:
    """A measured duration as a message shows it: whole ms under 1 s, then 0.01 s, then
    0.1 s from 10 s (1.457459 -> 1.46)."""
    if seconds < 1:
        return round(seconds, 3)
    return round(seconds, 2 if seconds < 10 else 1)


def _key(key: str) -> str:
    """A summary's key as shown: money without its unit (revenue_cents=2500 -> revenue)."""
    return key.removesuffix("_cents")


def _row_text(view: str, row: dict[str, Any]) -> str:
    return " ".join(str(_value(key, value)) for key, value in row.items())


def _value(key: str, value: Any) -> Any:
    if key.endswith("_cents") and isinstance(value, int):
        return format_cents(value)
    if key == "placed_at" and isinstance(value, float):
        return f"t={value:.2f}s"
    return value


@_perform.register(sc.SetLatency)
def _latency(action: sc.SetLatency, lab: Lab, line: str) -> Outcome:
    lab.set_latency(action.lane, action.model)
    return control(
        line, f"latency {action.lane}: {action.model} (mean {format_duration(action.model.mean)})"
    )


@_perform.register(sc.SetFaults)
def _faults(action: sc.SetFaults, lab: Lab, line: str) -> Outcome:
    lab.set_faults(action.lane, lambda current: parse_faults(action.tokens, current))
    shown = ", ".join(f"{name}: {lab.faults[name]}" for name in lab.lanes_named(action.lane))
    return control(line, f"faults {shown}")


@_perform.register(sc.SetCapacity)
def _capacity(action: sc.SetCapacity, lab: Lab, line: str) -> Outcome:
    lab.set_capacity(action.lane, action.rate)
    limit = "no limit" if action.rate is None else f"{action.rate:g} events a second"
    return control(line, f"capacity {action.lane}: {limit}")


@_perform.register(sc.SetMode)
def _mode(action: sc.SetMode, lab: Lab, line: str) -> Outcome:
    lab.set_mode(action.lane, Mode(action.mode))
    return control(line, f"mode {action.lane}: {action.mode}")


@_perform.register(sc.SetGaps)
def _gaps(action: sc.SetGaps, lab: Lab, line: str) -> Outcome:
    lab.set_gap_policy(action.lane, GapPolicy(action.policy))
    return control(line, f"gaps {action.lane}: {action.policy}")


def _plain(
    method: str, attribute: str | None, said: str
) -> Callable[[sc.Action, Lab, str], Outcome]:
    """How a line that only calls the lab is performed: hand the action's `attribute` (when
    the line has a value) to the lab's `method`, say `said` with that value put in."""

    def performer(action: sc.Action, lab: Lab, line: str) -> Outcome:
        given = () if attribute is None else (getattr(action, attribute),)
        getattr(lab, method)(*given)
        return control(line, said.format(*given))

    return performer


for _kind, _method, _attribute, _said in (
    (sc.Pause, "pause", None, "paused: lab time stands still (step delivers one event)"),
    (sc.Resume, "resume", None, "resumed"),
    (sc.Reset, "reset", None, "reset: the lab is empty again"),
    (sc.Speed, "set_speed", "factor", "speed x{:g}"),
    (sc.Seed, "reseed", "value", "seed {}"),
    (sc.Hold, "hold", "lane", "holding deliveries to {0}: release {0} lets them in"),
):
    _perform.register(_kind)(_plain(_method, _attribute, _said))


@_perform.register(sc.Step)
def _step(action: sc.Step, lab: Lab, line: str) -> Outcome:
    seen: list[str] = []

    def observe(delivery: Delivery[RecordedEvent], outcome: BusOutcome) -> None:
        seen.append(describe_delivery(delivery, outcome))

    lab.bus.add_observer(observe)
    try:
        done = lab.step(action.count)
    finally:
        lab.bus.remove_observer(observe)
    if not done:
        return control(line, "step: nothing in flight", delivered=0)
    what = "; ".join(seen[:STEP_SHOWN]) + ("; …" if len(seen) > STEP_SHOWN else "")
    message = f"step: delivered {done}: {what} (t={lab.clock.now():.3f}s)"
    return control(line, message, delivered=done)


STEP_SHOWN = 3
"""A step names at most this many deliveries."""


def describe_delivery(delivery: Delivery[RecordedEvent], outcome: BusOutcome) -> str:
    """One delivery a step made, in words: '#5 OrderPlaced to orders'."""
    event = f"#{delivery.position} {delivery.event.type}"
    if outcome == "delivered":
        return f"{event} to {delivery.subscription}"
    return f"{event} {outcome} on {delivery.subscription}"


@_perform.register(sc.Advance)
def _advance(action: sc.Advance, lab: Lab, line: str) -> Outcome:
    delivered = lab.advance(action.seconds)
    return control(
        line,
        f"advanced {format_duration(action.seconds)} to t={lab.clock.now():.3f}s: "
        f"{delivered} deliveries",
        delivered=delivered,
    )


@_perform.register(sc.Check)
def _check(action: sc.Check, lab: Lab, line: str) -> Outcome:
    lab.flush()
    report = audit(lab.store)
    findings = [str(finding) for finding in report.findings]
    data = {"head": report.head, "checked": list(report.checked), "findings": findings}
    if report.ok:
        lab.metrics.checks_passed += 1
        message = f"check: {report.head} events; store, projections and CRUD twin agree"
        return control(line, message, **data)
    lab.metrics.checks_failed += 1
    message = f"check: {len(findings)} difference(s): " + "; ".join(findings)
    return Outcome(line, False, "error", message, data, "check_failed")


@_perform.register(sc.Settle)
def _settle(action: sc.Settle, lab: Lab, line: str) -> Outcome:
    delivered = lab.settle()
    deliveries = counted(delivered, "delivery", "deliveries")
    return control(line, f"settled at t={lab.clock.now():.3f}s: {deliveries}")


@_perform.register(sc.Rebuild)
def _rebuild(action: sc.Rebuild, lab: Lab, line: str) -> Outcome:
    names = lab.lanes_named(action.lane)
    counts = {name: lab.rebuild(name) for name in names}
    shown = ", ".join(rebuilt(lab, name, count) for name, count in counts.items())
    return control(line, f"rebuilt {shown}", rebuilt=counts)


@_perform.register(sc.Load)
def _load(action: sc.Load, lab: Lab, line: str) -> Outcome:
    report = run_load(lab, action.rate, action.duration)
    return control(line, report.summary(), **report.to_json())


@_perform.register(sc.Say)
def _say(action: sc.Say, lab: Lab, line: str) -> Outcome:
    return Outcome(line, True, "say", action.text)


@_perform.register(sc.WaitKey)
def _wait_key(action: sc.WaitKey, lab: Lab, line: str) -> Outcome:
    return Outcome(line, True, "wait-key", "press space to go on")


@_perform.register(sc.Export)
def _export(action: sc.Export, lab: Lab, line: str) -> Outcome:
    target = lab.exports.target(action.path, may_replace=is_recording)
    count = recording.export(lab, target)
    return control(line, f"exported {count} events to {target}", path=str(target))


@_perform.register(sc.Release)
def _release(action: sc.Release, lab: Lab, line: str) -> Outcome:
    released = lab.release(action.lane)
    message = f"released {released} deliveries to {action.lane}"
    verdicts = lab.predictions.last_judged
    if verdicts:
        message += "; " + "; ".join(verdict.describe() for verdict in verdicts)
    right = [verdict.right for verdict in verdicts]
    return control(line, message, released=released, predictions_right=right)


@_perform.register(Predict)
def _predict(action: Predict, lab: Lab, line: str) -> Outcome:
    prediction = lab.predictions.predict(
        lab, action.view, action.username, action.read, action.crud
    )
    return control(
        line,
        f"predicted {prediction.describe()}: release {prediction.lane} to see who is right",
    )


@_perform.register(sc.ShowTrace)
def _trace(action: sc.ShowTrace, lab: Lab, line: str) -> Outcome:
    try:
        chain = trace(lab, action.target)
    except TraceNotFound as error:
        return Outcome(line, False, "error", str(error), {}, "not_found")
    return control(line, describe_trace(chain), **trace_json(chain))


@_perform.register(sc.Help)
def _help(action: sc.Help, lab: Lab, line: str) -> Outcome:
    topic = action.topic
    if topic and topic in sc.USAGE:
        return control(line, sc.USAGE[topic])
    return control(line, "commands: " + ", ".join(sc.COMMAND_WORDS) + " (help WORD for one)")
