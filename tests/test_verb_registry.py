"""The verb registry (`shop/commands.py` `COMMAND_SPECS`): each shop command declared once, and
everything that lists verbs reading it."""

from __future__ import annotations

from cqrs_lab import script as sc
from cqrs_lab.lab.recording import command_of
from cqrs_lab.read.view_specs import VIEW_NAMES
from cqrs_lab.shop.commands import COMMAND_SPECS, COMMAND_TYPES, SHOP_VERBS
from cqrs_lab.shop.decide import decide
from cqrs_lab.shop.events import EVENT_TYPES
from cqrs_lab.store.event_store import EventMetadata, RecordedEvent


def test_every_command_has_its_rule_and_a_known_event() -> None:
    for spec in COMMAND_SPECS:
        assert spec.command_type in decide.registry
        assert EVENT_TYPES[spec.event.type_name()] is spec.event
    assert len({spec.event for spec in COMMAND_SPECS}) == len(COMMAND_SPECS)


def test_the_parser_reads_each_command_from_the_registry() -> None:
    for spec in COMMAND_SPECS:
        usage, description = sc.USAGE[spec.verb].split("\n")
        assert (usage, description) == (spec.usage, spec.help)
        assert spec.verb in sc.COMMAND_WORDS
    assert sc.USAGE["add-to-cart"].startswith("add-to-cart USER SKU [QTY]\n")


def test_every_field_is_an_argument_and_arguments_fill_fields() -> None:
    for spec in COMMAND_SPECS:
        fields = set(spec.command_type.model_fields) - {"command_id"}
        assert {argument.field for argument in spec.arguments} == fields


def test_views_are_views_and_the_screen_follows_the_first() -> None:
    for spec in COMMAND_SPECS:
        assert set(spec.views) <= set(VIEW_NAMES)
    sends = [sc.parse_line(line) for line in ("place-order alice", "register al a@b.co pass-word")]
    assert [send.view for send in sends if isinstance(send, sc.Send)] == ["orders", None]


def test_completion_kinds_come_from_the_arguments() -> None:
    assert sc.ARGUMENT_KINDS["add-to-cart"] == ("user", "sku", "")
    assert sc.ARGUMENT_KINDS["pay"] == ("order",)
    assert "register" not in sc.ARGUMENT_KINDS  # every argument is a new name
    assert sc.ARGUMENT_KINDS["latency"] == ("lane", "latency")


def test_replay_gives_each_command_back_from_its_event() -> None:
    metadata = EventMetadata("c1", "c1", "c1", 0.0)
    for spec in COMMAND_SPECS:
        data = {name: f"v-{name}" for name in spec.event.model_fields}
        event = RecordedEvent(1, "s-1", 1, spec.event.type_name(), data, metadata)
        command = command_of([event])
        assert type(command) is spec.command_type
        assert command.command_id == "c1"
        assert spec.replay_fields
        for name in spec.replay_fields:
            assert getattr(command, name) == f"v-{name}"
    assert COMMAND_SPECS[0].replay_fields == ("username", "email")  # never the password


def test_one_list_of_verbs() -> None:
    assert tuple(command_type.verb for command_type in COMMAND_TYPES) == SHOP_VERBS
    assert len(set(SHOP_VERBS)) == len(SHOP_VERBS)
