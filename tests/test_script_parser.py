from __future__ import annotations

import pytest
from pydantic import SecretStr

from cqrs_lab import script as sc
from cqrs_lab.shop.commands import (
    AddProduct,
    AddToCart,
    CancelOrder,
    PayOrder,
    PlaceOrder,
    RegisterUser,
    RemoveFromCart,
    Restock,
    ShipOrder,
)
from cqrs_lab.shop.errors import InvalidCommand
from cqrs_lab.sim.faults import Faults
from cqrs_lab.sim.latency import Exponential, Uniform, Zero


def parse(line: str) -> sc.Action:
    action = sc.parse_line(line)
    assert action is not None
    return action


def send(line: str) -> sc.Send:
    action = parse(line)
    assert isinstance(action, sc.Send)
    return action


def error(line: str) -> sc.ScriptError:
    with pytest.raises(sc.ScriptError) as caught:
        sc.parse_line(line)
    return caught.value


# --- shop commands -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "command_type", "fields"),
    [
        (
            'add-product sku-1 "Blue mug" 12.50 10',
            AddProduct,
            {"sku": "sku-1", "name": "Blue mug", "price_cents": 1250, "stock": 10},
        ),
        (
            "add-product Mug mug 3 0",
            AddProduct,
            {"sku": "Mug", "name": "mug", "price_cents": 300, "stock": 0},
        ),
        ("restock sku-1 5", Restock, {"sku": "sku-1", "quantity": 5}),
        (
            "add-to-cart alice sku-1 2",
            AddToCart,
            {"username": "alice", "sku": "sku-1", "quantity": 2},
        ),
        (
            "add-to-cart alice sku-1",
            AddToCart,
            {"username": "alice", "sku": "sku-1", "quantity": 1},
        ),
        ("remove-from-cart alice sku-1", RemoveFromCart, {"username": "alice", "sku": "sku-1"}),
        ("place-order alice", PlaceOrder, {"username": "alice"}),
        ("place-order alice o-7", PlaceOrder, {"username": "alice", "order_id": "o-7"}),
        ("pay o-7", PayOrder, {"order_id": "o-7"}),
        ("pay last", PayOrder, {"order_id": sc.ORDER_LAST}),
        ("cancel LAST", CancelOrder, {"order_id": sc.ORDER_LAST}),
        ("ship last", ShipOrder, {"order_id": sc.ORDER_LAST}),
    ],
)
def test_shop_commands(line: str, command_type: type, fields: dict[str, object]) -> None:
    action = send(line)
    assert action.command_type is command_type
    assert dict(action.fields) == fields
    assert action.verb == line.split()[0]


def test_register_keeps_the_password_secret() -> None:
    action = send("register alice alice@example.com s3cret-pass")
    assert action.command_type is RegisterUser
    password = action.fields["password"]
    assert isinstance(password, SecretStr)
    assert password.get_secret_value() == "s3cret-pass"
    assert "s3cret-pass" not in repr(action)
    assert "s3cret-pass" not in str(action)
    command = action.build()
    assert isinstance(command, RegisterUser)
    assert command.password.get_secret_value() == "s3cret-pass"


def test_build_applies_overrides() -> None:
    command = send("place-order alice").build(order_id="o-42", command_id="c-1")
    assert isinstance(command, PlaceOrder)
    assert (command.username, command.order_id, command.command_id) == ("alice", "o-42", "c-1")


def test_place_order_without_id_cannot_build_until_the_lab_fills_it() -> None:
    with pytest.raises(InvalidCommand):
        send("place-order alice").build()


def test_command_words_are_case_insensitive_but_values_are_not() -> None:
    action = send("ADD-PRODUCT SKU-1 Mug 1 1")
    assert action.fields["sku"] == "SKU-1"


def test_action_is_immutable() -> None:
    action = send("pay o-1")
    with pytest.raises(AttributeError):
        action.fields = {}  # type: ignore[misc]
    with pytest.raises(TypeError):
        action.fields["order_id"] = "x"  # type: ignore[index]


@pytest.mark.parametrize(
    ("line", "column", "message"),
    [
        (
            "register alice alice@example.com short",
            34,
            "register: password: must be at least 8 characters",
        ),
        ("register Alice alice@example.com long-enough", 10, "register: username: must be"),
        ("register alice not-an-email long-enough", 16, "register: email: is not a valid email"),
        ("add-product sku-1 mug 12.505 10", 23, "add-product: price: '12.505' has more than two"),
        ("add-product sku-1 mug 12,50 10", 23, "add-product: price: '12,50' is not an amount"),
        ("add-product sku-1 mug 0 10", 23, "add-product: price: must be greater than 0"),
        ("add-product sku-1 mug -3 10", 23, "add-product: price: must be greater than 0"),
        ("add-product sku-1 mug 1e3 10", 23, "is not an amount"),
        ("add-product sku-1 mug 2000000 10", 23, "price: must be at most 1000000.00"),
        ("add-product sku-1 mug 1 -1", 25, "add-product: stock: must be at least 0"),
        ("add-product sku-1 mug 1 ten", 25, "add-product: stock: must be a whole number"),
        ('add-product sku-1 "" 1 1', 19, "add-product: name: must not be empty"),
        ("add-product sku/1 mug 1 1", 13, "add-product: sku: must be 1-32 characters"),
        ("restock sku-1 0", 15, "restock: quantity: must be greater than 0"),
        ("add-to-cart alice sku-1 two", 25, "add-to-cart: quantity: must be a whole number"),
        ("add-to-cart alice sku-1 5000", 25, "add-to-cart: quantity: must be at most 1000"),
        ("add-to-cart alice sku-1 ٣", 25, "must be a whole number"),
        ("pay o/1", 5, "pay: order_id: must be 1-32 characters"),
        ("place-order alice last", 19, "'last' stands for the most recent order"),
        ("place-order Alice", 13, "place-order: username: must be"),
    ],
)
def test_bad_fields_are_reported_at_their_column(line: str, column: int, message: str) -> None:
    caught = error(line)
    assert caught.column == column
    assert caught.message.startswith(message) or message in caught.message


@pytest.mark.parametrize(
    ("line", "column", "message"),
    [
        ("add-to-cart alice", 19, "add-to-cart: missing SKU; usage: add-to-cart USER SKU [QTY]"),
        ("add-to-cart", 13, "add-to-cart: missing USER; usage: add-to-cart USER SKU [QTY]"),
        (
            "add-to-cart alice sku-1 2 3",
            27,
            "add-to-cart: too many arguments; usage: add-to-cart USER SKU [QTY]",
        ),
        ("pay", 5, "pay: missing ORDER; usage: pay ORDER"),
        ("register alice", 16, "register: missing EMAIL; usage: register USER EMAIL PASSWORD"),
        ("pause now", 7, "pause takes no arguments; usage: pause"),
        ("load 20/s", 11, "load: missing for; usage: load RATE/s for DURATION"),
    ],
)
def test_wrong_argument_count_says_what_is_expected(line: str, column: int, message: str) -> None:
    caught = error(line)
    assert (caught.column, caught.message) == (column, message)


def test_unquoted_product_name_hints_at_quotes() -> None:
    caught = error("add-product sku-1 Blue mug 12.50 10")
    assert "put quotes around a NAME with spaces" in caught.message
    assert caught.column == 34


def test_unknown_command_suggests_the_closest() -> None:
    caught = error("add-to-crt alice sku-1")
    assert (caught.column, caught.suggestion) == (1, "add-to-cart")
    assert str(caught) == "column 1: unknown command 'add-to-crt' — did you mean 'add-to-cart'?"


def test_unknown_command_without_close_word_points_to_help() -> None:
    caught = error("   frobnicate")
    assert caught.column == 4
    assert caught.suggestion is None
    assert "help" in caught.message


# --- queries -----------------------------------------------------------------------------


def test_login() -> None:
    action = parse("login alice 's3cret pass'")
    assert isinstance(action, sc.Login)
    assert action.username == "alice"
    assert action.password.get_secret_value() == "s3cret pass"
    assert "s3cret" not in repr(action)


QUERIES: list[tuple[str, sc.Action]] = [
    ("query catalog", sc.Query("catalog")),
    ("query sales", sc.Query("sales")),
    ("query cart alice", sc.Query("cart", "alice")),
    ("query carts alice", sc.Query("cart", "alice")),
    ("query orders alice", sc.Query("orders", "alice")),
    ("query catalog --crud", sc.Query("catalog", crud=True)),
    ("query sales --wait", sc.Query("sales", wait=True)),
    ("query orders alice --wait 2s", sc.Query("orders", "alice", wait=True, timeout=2.0)),
    ("query orders --wait 2s alice", sc.Query("orders", "alice", wait=True, timeout=2.0)),
    ("query orders --wait alice", sc.Query("orders", "alice", wait=True)),
    ("query cart alice --wait=500ms --crud", sc.Query("cart", "alice", True, True, 0.5)),
    ("QUERY Cart alice --CRUD", sc.Query("cart", "alice", crud=True)),
]


QUERY_ERRORS: list[tuple[str, int, str | None, str]] = [
    ("query ordres alice", 7, "orders", "query: unknown view 'ordres'"),
    ("query", 7, None, "query: missing VIEW"),
    ("query cart", 12, None, "query cart: missing USER"),
    ("query cart alice bob", 18, None, "query cart: too many arguments"),
    ("query sales alice", 13, None, "query sales takes no USER"),
    ("query catalog --crd", 15, "--crud", "query: unknown option '--crd'"),
    ("query catalog -crud", 15, "--crud", "query: unknown option '-crud'"),
    ("query catalog --crud --crud", 22, None, "query: --crud is given twice"),
    ("query catalog --crud=1", 15, None, "query: --crud takes no value"),
    ("query catalog --wait 5", 22, None, "query: --wait timeout: bad duration"),
    ("query cart Alice", 12, None, "query: username: must be"),
]


# --- controls ----------------------------------------------------------------------------


CONTROLS: list[tuple[str, sc.Action]] = [
    ("latency orders exp:800ms", sc.SetLatency("orders", Exponential(0.8))),
    ("latency all zero", sc.SetLatency("all", Zero())),
    ("latency Carts uniform:100ms..2s", sc.SetLatency("carts", Uniform(0.1, 2.0))),
    (
        "faults orders drop=0.1 dup=0.05 reorder=on",
        sc.SetFaults("orders", ("drop=0.1", "dup=0.05", "reorder=on")),
    ),
    ("faults all none", sc.SetFaults("all", ("none",))),
    ("mode orders inline", sc.SetMode("orders", "inline")),
    ("mode sales ASYNC", sc.SetMode("sales", "async")),
    ("gaps carts catch-up", sc.SetGaps("carts", "catch-up")),
    ("gaps catalog wait", sc.SetGaps("catalog", "wait")),
    ("pause", sc.Pause()),
    ("resume", sc.Resume()),
    ("step", sc.Step(1)),
    ("step 25", sc.Step(25)),
    ("speed 0.25", sc.Speed(0.25)),
    ("speed 2x", sc.Speed(2.0)),
    ("speed 20", sc.Speed(20.0)),
    ("advance 5s", sc.Advance(5.0)),
    ("advance 1m30s", sc.Advance(90.0)),
    ("settle", sc.Settle()),
    ("rebuild orders", sc.Rebuild("orders")),
    ("load 20/s for 30s", sc.Load(20.0, 30.0)),
    ("load 0.5/s for 1m", sc.Load(0.5, 60.0)),
    ("reset", sc.Reset()),
    ("seed 42", sc.Seed(42)),
    ('say "Watch the orders lane"', sc.Say("Watch the orders lane")),
    ("say lag is   visible ; now", sc.Say("lag is visible ; now")),
    ('say ""', sc.Say("")),
    ("wait-key", sc.WaitKey()),
    ("export 'my run.json'", sc.Export("my run.json")),
    ("hold orders", sc.Hold("orders")),
    ("release all", sc.Release("all")),
    ("help", sc.Help()),
    ("help Add-To-Cart", sc.Help("add-to-cart")),
]


@pytest.mark.parametrize(("line", "expected"), [*QUERIES, *CONTROLS])
def test_queries_and_controls_parse_to_their_action(line: str, expected: sc.Action) -> None:
    assert parse(line) == expected


def test_faults_tokens_are_those_parse_faults_accepts() -> None:
    from cqrs_lab.sim.faults import parse_faults

    action = parse("faults orders drop=0.2 lost=on timeout=2s")
    assert isinstance(action, sc.SetFaults)
    assert parse_faults(action.tokens) == Faults(drop=0.2, lost=True, redelivery_timeout=2.0)


def test_every_lane_is_accepted() -> None:
    for lane in (*sc.LANES, "all"):
        assert parse(f"rebuild {lane}") == sc.Rebuild(lane)  # type: ignore[arg-type]


CONTROL_ERRORS: list[tuple[str, int, str | None, str]] = [
    ("latency ordrs 1s", 9, "orders", "latency: unknown lane 'ordrs'"),
    ("latency cart fixed:1s", 9, "carts", "latency: unknown lane 'cart'"),
    ("latency orders expo:1s", 16, "exp:1s", "latency: bad latency 'expo:1s'"),
    ("latency orders fast", 16, None, "latency: bad latency 'fast'"),
    ("latency orders", 16, None, "latency: missing SPEC"),
    ("faults orders", 15, None, "faults: missing FAULT..."),
    ("faults orders drop=0.1 drp=0.1", 24, "drop=0.1", "faults: bad fault 'drp=0.1'"),
    ("faults orders drop=2", 15, None, "faults: bad fault 'drop=2'"),
    ("faults ordres drop=2", 8, "orders", "faults: unknown lane"),
    ("mode orders inlin", 13, "inline", "mode: unknown mode 'inlin'"),
    ("gaps orders catchup", 13, "catch-up", "gaps: unknown gap policy 'catchup'"),
    ("step 0", 6, None, "step: N must be from 1 to 10,000"),
    ("step x", 6, None, "step: N: must be a whole number"),
    ("speed 100", 7, None, "speed: the factor must be from 0.05 to 20"),
    ("speed 0.01", 7, None, "speed: the factor must be from 0.05 to 20"),
    ("speed nan", 7, None, "speed: 'nan' is not a number"),
    ("speed -1", 7, None, "speed: '-1' is not a number"),
    ("advance 5", 9, None, "advance: DURATION: bad duration '5'"),
    ("advance -1s", 9, None, "advance: DURATION: bad duration '-1s'"),
    ("load 20 for 3s", 6, None, "load: '20' is not a rate"),
    ("load 0/s for 3s", 6, None, "load: the rate must be above 0/s"),
    ("load 20/s during 3s", 11, "for", "load: expected 'for' here"),
    ("load 20/s for 0s", 15, None, "load: the duration must be above zero"),
    ("load 1000/s for 1h", 17, None, "load: that is about 3,600,000 commands"),
    ("seed -1", 6, None, "seed: N must be a whole number from 0"),
    ("seed 1.5", 6, None, "seed: N: must be a whole number"),
    ("say", 5, None, "say: missing TEXT"),
    ("export ''", 8, None, "export: FILE is empty"),
    ("rebuild everything", 9, None, "rebuild: unknown lane 'everything'"),
    ("hold", 6, None, "hold: missing LANE"),
    ("help a b", 8, None, "help: too many arguments"),
    ("pause ; resume", 7, None, "';' only separates the two commands of race"),
]


# --- race --------------------------------------------------------------------------------


def test_race_parses_two_shop_commands() -> None:
    action = parse("race place-order alice o-1 ; place-order alice o-2")
    assert isinstance(action, sc.Race)
    assert action.first == send("place-order alice o-1")
    assert action.second == send("place-order alice o-2")


def test_race_with_last_and_quotes() -> None:
    action = parse('race pay last ; add-product sku-1 "Blue ; mug" 1 1')
    assert isinstance(action, sc.Race)
    assert action.first.fields == {"order_id": "last"}
    assert action.second.fields["name"] == "Blue ; mug"


RACE_ERRORS: list[tuple[str, int, str | None, str]] = [
    ("race pay last", 6, None, "race: put ' ; ' between the two shop commands"),
    ("race", 6, None, "race: put ' ; ' between"),
    ("race ; pay last", 6, None, "race: missing the first command"),
    ("race pay last ;", 17, None, "race: missing the second command"),
    ("race pay a ; pay b ; pay c", 20, None, "race takes exactly two shop commands"),
    ("race query catalog ; pay last", 6, None, "race: 'query' is not a shop command"),
    ("race pay last ; shp last", 17, "ship", "race: 'shp' is not a shop command"),
    ("race pay last ; pay o/1", 21, None, "pay: order_id"),
    ("race race pay a ; pay b", 6, None, "race: 'race' is not a shop command"),
]


@pytest.mark.parametrize(
    ("line", "column", "suggestion", "message"), [*QUERY_ERRORS, *CONTROL_ERRORS, *RACE_ERRORS]
)
def test_errors_point_at_their_column(
    line: str, column: int, suggestion: str | None, message: str
) -> None:
    caught = error(line)
    assert (caught.column, caught.suggestion) == (column, suggestion)
    assert caught.message.startswith(message)


# --- lines and scripts -------------------------------------------------------------------


@pytest.mark.parametrize("line", ["", "   ", "# only a comment", "\t# indented comment"])
def test_blank_and_comment_lines_parse_to_none(line: str) -> None:
    assert sc.parse_line(line) is None


def test_trailing_comment_is_ignored() -> None:
    assert parse("pay last   # the order just placed") == send("pay last")


def test_line_number_is_attached() -> None:
    with pytest.raises(sc.ScriptError) as caught:
        sc.parse_line("register alice alice@example.com short", 1)
    assert (
        str(caught.value) == "line 1, column 34: register: password: must be at least 8 characters"
    )


# --- usage table -------------------------------------------------------------------------


def test_command_words_are_sorted_and_all_have_usage() -> None:
    assert list(sc.COMMAND_WORDS) == sorted(sc.COMMAND_WORDS)
    assert set(sc.USAGE) == set(sc.COMMAND_WORDS)
    assert {"register", "add-to-cart", "query", "race", "help", "wait-key"} <= set(sc.COMMAND_WORDS)
    for word, text in sc.USAGE.items():
        usage, description = text.split("\n")
        assert usage.split()[0] == word
        assert description.endswith(".")


def test_every_command_word_parses_or_asks_for_its_arguments() -> None:
    for word in sc.COMMAND_WORDS:
        try:
            sc.parse_line(word)
        except sc.ScriptError as caught:
            assert "usage:" in caught.message or "missing" in caught.message, word
