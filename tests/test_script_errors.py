from __future__ import annotations

import pytest

from cqrs_lab.script import ScriptError, ScriptErrors, mask_secrets, parse_line, parse_script


def test_str_names_line_column_and_suggestion() -> None:
    error = ScriptError("unknown command 'add-to-crt'", 1, line_no=3, suggestion="add-to-cart")
    assert str(error) == (
        "line 3, column 1: unknown command 'add-to-crt' — did you mean 'add-to-cart'?"
    )


def test_str_without_line_number() -> None:
    error = ScriptError("pause takes no arguments", 7)
    assert str(error) == "column 7: pause takes no arguments"
    assert isinstance(error, ValueError)


def test_caret_points_under_the_column() -> None:
    with pytest.raises(ScriptError) as caught:
        parse_line("query ordres alice")
    assert caught.value.caret() == "query ordres alice\n      ^"


def test_caret_keeps_tabs_and_wide_characters_aligned() -> None:
    error = ScriptError("x", 5, source_line="\t漢字 bad")
    assert error.caret() == "\t漢字 bad\n\t     ^"


def test_caret_shows_control_characters_safely() -> None:
    with pytest.raises(ScriptError) as caught:
        parse_line("say a\x1b[31mred")
    assert caught.value.caret() == "say a\u241b[31mred\n     ^"
    assert "\x1b" not in caught.value.caret()
    assert "\x1b" not in str(caught.value)


def test_caret_can_point_past_the_end() -> None:
    with pytest.raises(ScriptError) as caught:
        parse_line("add-to-cart alice")
    assert caught.value.caret() == "add-to-cart alice\n                  ^"


def test_long_user_text_is_cut_in_messages() -> None:
    with pytest.raises(ScriptError) as caught:
        parse_line("x" * 500)
    assert len(caught.value.message) < 120
    assert "…" in caught.value.message


def test_parse_script_collects_every_bad_line() -> None:
    script = "pause\nadd-to-crt alice sku-1\n# fine\nquery ordres alice\nresume\n"
    with pytest.raises(ScriptErrors) as caught:
        parse_script(script)
    errors = caught.value.errors
    assert [(e.line_no, e.column, e.suggestion) for e in errors] == [
        (2, 1, "add-to-cart"),
        (4, 7, "orders"),
    ]
    assert str(caught.value).splitlines() == [str(e) for e in errors]
    assert isinstance(caught.value, ValueError)


def test_repr_is_short_and_safe() -> None:
    error = ScriptError("m", 2, line_no=1)
    assert repr(error) == "ScriptError('line 1, column 2: m')"
    assert repr(ScriptErrors([error, error])) == "ScriptErrors(2 errors)"


SECRET = "Zq9SECRETword"


@pytest.mark.parametrize(
    "line",
    [
        f"register Alice alice@example.com {SECRET}",
        f"register alice bad-email {SECRET}",
        f"register alice alice@example.com {SECRET} extra",
        f'register alice alice@example.com "{SECRET} with space',
        f"register alice alice@example.com {SECRET}\x1b",
        f"register alice alice@example.com {SECRET[:5]}",
        f"login Alice {SECRET}",
        f"login alice {SECRET} extra words",
        f"login Alice {SECRET} # comment",
        f"race register bob b@x.io {SECRET} ; register Bob b@x.io {SECRET}",
        f"race register bob b@x.io {SECRET} ; pay",
    ],
)
def test_passwords_never_appear_in_errors(line: str) -> None:
    with pytest.raises(ScriptError) as caught:
        parse_line(line, 1)
    error = caught.value
    secret = SECRET[:5]
    for shown in (str(error), repr(error), error.message, error.source_line, error.caret()):
        assert secret not in shown
    assert len(error.source_line) == len(line)


def test_masking_keeps_the_rest_of_the_line_readable() -> None:
    with pytest.raises(ScriptError) as caught:
        parse_line("register Alice alice@example.com hunter2-pass # note")
    assert caught.value.source_line == "register Alice alice@example.com ************ * ****"


@pytest.mark.parametrize(
    ("line", "masked"),
    [
        ("register alice a@b.co hunter2-pass", "register alice a@b.co ************"),
        ("login alice 'two words'", "login alice **** ******"),
        (
            "race register bob b@x.io pw-123456 ; place-order bob",
            "race register bob b@x.io ********* ; place-order bob",
        ),
        ("add-to-cart alice sku-1 2", "add-to-cart alice sku-1 2"),
        ("", ""),
    ],
)
def test_mask_secrets(line: str, masked: str) -> None:
    assert mask_secrets(line) == masked
