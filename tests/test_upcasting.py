"""Upcasting on a headless lab (issue 17.5): `legacy-register` stores a UserRegistered in its
version-1 shape (the handle under `name`), and the current code reads it through its
upcaster; `upcasters off` shows what the current code makes of the old shape."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cqrs_lab.lab import Lab
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.shop.commands import USERNAME_PATTERN
from cqrs_lab.store.upcasters import user_registered_v1_to_v2
from tests.lab_helpers import SHOP_SETUP, run, settled_shop


@pytest.fixture
def lab() -> Iterator[Lab]:
    yield from settled_shop()


def test_an_old_event_is_stored_as_it_was_and_read_as_it_is_now(lab: Lab) -> None:
    outcome = execute(lab, "legacy-register carol carol@example.com")
    assert outcome.ok and "stored in its version-1 shape" in outcome.message
    [event] = lab.store.read_all(after=outcome.data["position"] - 1, limit=1)
    assert event.data["username"] == "carol" and "name" not in event.data
    assert event.schema_version == 2  # upcast as it was read
    run(lab, "upcasters off")
    [raw] = lab.store.read_all(after=outcome.data["position"] - 1, limit=1)
    assert raw.data == {"name": "carol", "email": "carol@example.com"}
    assert raw.schema_version == 1  # the fact on disk was never rewritten


def test_the_shop_and_its_projections_read_the_old_shape_through_the_upcaster(
    lab: Lab,
) -> None:
    run(lab, "legacy-register carol carol@example.com")
    run(lab, "add-to-cart carol mug 1\nplace-order carol\nsettle")
    assert "o1 placed" in execute(lab, "query orders carol").message
    assert "o1 placed" in execute(lab, "query orders carol --crud").message
    assert execute(lab, "check").ok
    assert not execute(lab, "login carol any-password").ok  # no password was ever stored


def test_without_the_upcaster_the_old_shape_is_refused_in_one_clear_line(lab: Lab) -> None:
    run(lab, "legacy-register carol carol@example.com\nupcasters off")
    refused = execute(lab, "add-to-cart carol mug 1")
    assert not refused.ok and refused.code == "ValidationError"
    assert refused.message == (
        "UserRegistered does not fit its current shape: username: field required; "
        "name: extra inputs are not permitted "
        "(an old event shape read without its upcaster: upcasters on)"
    )
    assert lab.metrics.unreadable_events == 1
    check = execute(lab, "check")
    assert not check.ok
    assert "UserRegistered (version 1) has no username" in check.message
    run(lab, "upcasters on")
    assert execute(lab, "add-to-cart carol mug 1").ok
    assert execute(lab, "check").ok


def test_events_of_the_current_shape_need_no_upcaster(lab: Lab) -> None:
    run(lab, "upcasters off\nadd-to-cart alice mug 1\nplace-order alice\nsettle")
    assert execute(lab, "check").ok


def test_a_legacy_handle_is_taken_like_any_other(lab: Lab) -> None:
    taken = execute(lab, "legacy-register alice alice@example.com")
    assert taken.code == "username_taken"
    run(lab, "legacy-register carol carol@example.com")
    again = execute(lab, "register carol carol@example.com s3cret-pass")
    assert again.code == "username_taken"


def test_reset_turns_the_upcasters_back_on(lab: Lab) -> None:
    run(lab, "upcasters off\nreset\n" + SHOP_SETUP + "legacy-register carol c@example.com")
    assert execute(lab, "add-to-cart carol mug 1").ok


@given(
    st.from_regex(USERNAME_PATTERN, fullmatch=True),
    st.emails(),
)
def test_the_upcaster_renames_the_handle_and_passes_new_data_through(name: str, email: str) -> None:
    assert user_registered_v1_to_v2({"name": name, "email": email}) == {
        "username": name,
        "email": email,
    }
    current = {"username": name, "email": email}
    assert user_registered_v1_to_v2(current) == current
