from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cqrs_lab.script import MAX_LINE_LENGTH, ScriptError, quote
from cqrs_lab.script.tokens import scan, tokenize


def texts(line: str) -> list[str]:
    return [token.text for token in tokenize(line)]


def test_splits_on_any_whitespace_and_records_columns() -> None:
    tokens = tokenize("  pay\to-1   x")
    assert [(t.text, t.column, t.end) for t in tokens] == [
        ("pay", 3, 6),
        ("o-1", 7, 10),
        ("x", 13, 14),
    ]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('say "hello  world"', ["say", "hello  world"]),
        ("say 'single quotes'", ["say", "single quotes"]),
        (r'say "a \"quoted\" word"', ["say", 'a "quoted" word']),
        (r"say 'it\'s'", ["say", "it's"]),
        (r'say "back\\slash"', ["say", "back\\slash"]),
        (r'export "C:\dir\file"', ["export", "C:\\dir\\file"]),
        ('say ""', ["say", ""]),
        ('say ab"c d"e', ["say", "abc de"]),
        ('say "it\'s"', ["say", "it's"]),
        ('say "# not a comment"', ["say", "# not a comment"]),
    ],
)
def test_quotes_group_words(line: str, expected: list[str]) -> None:
    assert texts(line) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("# a comment", []),
        ("   ", []),
        ("", []),
        ("pause # stop the clock", ["pause"]),
        ("pause #stop", ["pause"]),
        ("register a a@b.co pass#word1", ["register", "a", "a@b.co", "pass#word1"]),
    ],
)
def test_comments_start_at_a_word_outside_quotes(line: str, expected: list[str]) -> None:
    assert texts(line) == expected


def test_quoted_tokens_are_marked() -> None:
    plain, quoted = tokenize('; ";"')
    assert (plain.text, plain.quoted) == (";", False)
    assert (quoted.text, quoted.quoted) == (";", True)


def test_unterminated_quote_names_its_column() -> None:
    with pytest.raises(ScriptError) as caught:
        tokenize('say "hello')
    assert caught.value.column == 5
    assert "never closed" in caught.value.message


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\n", "\r", "\x7f", "\x85", "\u2028"])
def test_control_characters_are_refused(char: str) -> None:
    with pytest.raises(ScriptError) as caught:
        tokenize(f"say ab{char}cd")
    assert caught.value.column == 7
    assert f"U+{ord(char):04X}" in caught.value.message


def test_control_characters_are_refused_inside_quotes_too() -> None:
    with pytest.raises(ScriptError) as caught:
        tokenize('say "a\x1bb"')
    assert caught.value.column == 7


def test_tab_is_whitespace_not_a_control_character() -> None:
    assert texts("pay\tlast") == ["pay", "last"]
    assert texts('say "a\tb"') == ["say", "a\tb"]


def test_overlong_line_is_refused() -> None:
    with pytest.raises(ScriptError) as caught:
        tokenize("say " + "x" * MAX_LINE_LENGTH)
    assert caught.value.column == MAX_LINE_LENGTH + 1
    assert "too long" in caught.value.message
    tokenize("say " + "x" * (MAX_LINE_LENGTH - 4))


def test_scan_keeps_tokens_after_a_problem() -> None:
    result = scan('login alice "my secret')
    assert result.problem is not None
    assert [t.text for t in result.tokens] == ["login", "alice", "my secret"]


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("sku-1", "sku-1"),
        ("Blue mug", '"Blue mug"'),
        ("", '""'),
        (";", '";"'),
        ("#1", '"#1"'),
        ('say "hi"', r'"say \"hi\""'),
        ("a\\b c", r'"a\\b c"'),
    ],
)
def test_quote_writes_one_token(text: str, written: str) -> None:
    assert quote(text) == written


_TYPABLE = st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")) | st.just("\t")


@given(st.text(_TYPABLE, max_size=60))
def test_quote_round_trips_through_tokenize(text: str) -> None:
    (token,) = tokenize(quote(text))
    assert token.text == text
