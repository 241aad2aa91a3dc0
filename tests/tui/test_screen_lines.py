"""What the lab screen keeps beside its widgets, without a screen: how a line's outcome is
said and followed, and the names completion learns from the lab."""

from __future__ import annotations

import pytest

from cqrs_lab.lab import Lab, interpreter
from cqrs_lab.tui.learned_names import LearnedNames
from cqrs_lab.tui.outcomes import executed, followed


def run(lab: Lab, line: str) -> interpreter.Outcome:
    outcome = executed(lab, interpreter.parse(line))
    assert outcome.ok, outcome.message
    return outcome


def test_the_view_panel_follows_a_query_and_the_user_a_command_was_about(lab: Lab) -> None:
    run(lab, "register alice alice@example.com s3cret-pass")
    run(lab, 'add-product mug "Blue mug" 12.50 10')
    added = run(lab, "add-to-cart alice mug 2")
    assert followed(lab, added, "catalog") == ("cart", "alice")
    paid_for = run(lab, "place-order alice")
    assert followed(lab, paid_for, "catalog")[1] == "alice"
    assert followed(lab, run(lab, "query orders alice"), "cart") == ("orders", "alice")
    assert followed(lab, run(lab, "pause"), "cart") is None  # not about a view
    refused = executed(lab, interpreter.parse("add-to-cart nobody mug 1"))
    assert not refused.ok and followed(lab, refused, "cart") is None


def test_a_lab_that_raises_on_a_line_gives_an_outcome_that_says_so(
    lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object) -> None:
        raise OSError("disk on fire")

    monkeypatch.setattr(interpreter, "execute", broken)
    outcome = executed(lab, interpreter.parse("pause"))
    assert (outcome.ok, outcome.kind, outcome.code) == (False, "error", "OSError")
    assert outcome.message == "the lab failed on this line: OSError: disk on fire"


def test_names_are_learned_from_the_lab_then_from_each_new_event(lab: Lab) -> None:
    run(lab, "register alice alice@example.com s3cret-pass")
    names = LearnedNames()
    assert names.learn_lab(lab) == ""
    assert names.vocabulary.users == ["alice"]
    names.learn(lab.snapshot())
    run(lab, "register bob bob@example.com s3cret-pass")
    names.learn(lab.snapshot())
    assert names.vocabulary.users == ["bob", "alice"]  # most recent first, once each
    run(lab, "reset")
    names.learn(lab.snapshot())
    assert names.vocabulary.users == []  # a reset lab forgets its names
    run(lab, "register carol carol@example.com s3cret-pass")
    names.learn(lab.snapshot())
    assert names.vocabulary.users == ["carol"]


def test_the_names_after_a_reset_are_learned_even_before_a_frame_sees_it(lab: Lab) -> None:
    """Another lab on the database may reset it and write again between two frames."""
    run(lab, "register alice alice@example.com s3cret-pass")
    run(lab, "register bob bob@example.com s3cret-pass")
    names = LearnedNames()
    names.learn(lab.snapshot())
    run(lab, "reset")
    run(lab, "register carol carol@example.com s3cret-pass")
    names.learn(lab.snapshot())
    assert names.vocabulary.users == ["carol"]


def test_a_lab_whose_names_cannot_be_read_says_why_and_learns_none(
    lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreadable(*_: object, **__: object) -> None:
        raise OSError("locked")

    monkeypatch.setattr(lab.store, "read_all", unreadable)
    names = LearnedNames()
    assert names.learn_lab(lab) == "no names for completion: locked"
    assert names.vocabulary.users == []
