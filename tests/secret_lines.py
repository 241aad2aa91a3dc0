"""Lines that hold a password, as people type them: right, misspelt, short of a word, in a
race, after `help`, in a comment, quoted, cut by a control character or led by a `#`.

Every password is `SECRET_START` + text + `SECRET_END`. No other part of a generated line
holds either mark, so a mark in any output is the password (or a piece of it) showing.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from itertools import pairwise

from hypothesis import strategies as st

from cqrs_lab.script import COMMAND_WORDS, quote
from cqrs_lab.script.secrets import verb_like
from cqrs_lab.shop.commands import SHOP_VERBS

SECRET_START = "Zq9"
SECRET_END = "9qZ"
MARKS = (SECRET_START, SECRET_END)

_PLAIN = string.ascii_letters + string.digits + "!$%&*+,./:<=>?@^_~-"
_ANY = _PLAIN + " \"'\\#;"
bodies = st.text(_PLAIN, min_size=3, max_size=20) | st.text(_ANY, min_size=3, max_size=20)
secrets = bodies.map(lambda body: f"{SECRET_START}{body}{SECRET_END}")
"""Passwords: 9 to 26 characters, spaces, quotes, `#` and `;` among them sometimes."""


def _ambiguous(secret: str) -> bool:
    """Whether `secret`, typed without quotes, would read as `... ; COMMAND ...`: in a race
    the part after the `;` is then the race's second command (see cqrs_lab.script.secrets)."""
    words = secret.split()
    return any(
        word == ";" and (after.lower() in SHOP_VERBS or verb_like(after, COMMAND_WORDS))
        for word, after in pairwise(words)
    )


def _written(secret: str, form: int) -> str:
    """`secret` as it may be written on a line (the marks stay in every form)."""
    cut = len(SECRET_START) + 1
    forms = (
        quote(secret) if _ambiguous(secret) else secret,  # several words if it has spaces
        quote(secret),
        "'" + secret.replace("'", "") + "'",
        "#" + secret,  # taken for a comment
        '"' + secret,  # a quote never closed
        secret[:cut] + "\x1b" + secret[cut:],  # a control character inside
    )
    return forms[form]


written_secrets = st.builds(_written, secrets, st.integers(0, 5))

_LETTERS = string.ascii_lowercase
_EDITS = st.lists(
    st.tuples(
        st.sampled_from(["insert", "delete", "change", "swap"]),
        st.integers(0, 7),
        st.sampled_from(_LETTERS),
    ),
    max_size=2,
)
_CASES = st.sampled_from([str.lower, str.upper, str.title])


def _edited(word: str, edits: list[tuple[str, int, str]], case: Callable[[str], str]) -> str:
    """`word` after `edits` (at most two: distance 2 or less), in `case`."""
    letters = list(word)
    for edit, at, letter in edits:
        at %= len(letters)
        if edit == "insert":
            letters.insert(at, letter)
        elif edit == "delete" and len(letters) > 3:
            del letters[at]
        elif edit == "change":
            letters[at] = letter
        elif edit == "swap" and at + 1 < len(letters):
            letters[at], letters[at + 1] = letters[at + 1], letters[at]
    spelt = "".join(letters)
    if spelt in COMMAND_WORDS and spelt != word:  # another command: not a misspelling
        spelt = word
    return case(spelt)


def misspelt(word: str) -> st.SearchStrategy[str]:
    """`word` with up to two edits (insert, delete, change, swap) and any letter case."""
    return st.builds(_edited, st.just(word), _EDITS, _CASES)


users = st.sampled_from(["alice", "bob", "carol-2", "d.e_f"]) | st.builds(
    lambda first, rest: first + rest,
    st.sampled_from(_LETTERS),
    st.text(_LETTERS + string.digits, min_size=1, max_size=9),
)
_PIECES = {
    "U": users,
    "E": st.sampled_from(["alice@example.com", "b@x.io", "c.d@mail.example.org"]),
    "B": st.sampled_from(["alice", "a@b", "alice.example.com"]),  # bad emails
    "N": st.sampled_from(["Alice", "9lives", "a"]),  # bad usernames
    "X": st.sampled_from(["extra", "more words", "#", "# note", ";", "2"]),
    "S": written_secrets,
}
_SHAPES = {
    "register": (
        "V U E S",
        "V U S",  # the email forgotten
        "V E S",  # the user forgotten
        "V S",
        "V U E S X",
        "V U B S",
        "V U B S X",
    ),
    "login": (
        "V U S",
        "V S",  # the user forgotten
        "V U S X",
        "V N S",
    ),
}


def _joined(*words: str) -> str:
    return " ".join(words)


def _command(verb: str, shape: str) -> st.SearchStrategy[str]:
    pieces = {**_PIECES, "V": misspelt(verb)}
    return st.builds(_joined, *(pieces[piece] for piece in shape.split()))


command = st.one_of([_command(verb, shape) for verb, shapes in _SHAPES.items() for shape in shapes])
"""A register or login line, right or wrong, with the password where it could stand."""

_OTHERS = st.sampled_from(["place-order bob", "add-to-cart alice mug 2", "pay last", "settle"])
_RACES = st.sampled_from(["race", "rase", "Race"])
_WRAPPINGS = (
    ("{}", command),
    ("{} {} ; {}", _RACES, command, _OTHERS),  # a race, the password on the first side
    ("{} {} ; {}", _RACES, _OTHERS, command),  # ... or on the second
    ("{} {} ; {}", _RACES, command, command),  # ... or on both
    ("help {}", command),
    ("{} # {}", _OTHERS, command),  # in a comment
    ("# {}", command),  # a line commented out
    ("{} # note", command),
    ("please {}", command),  # an unknown first word
    ("  \t{}", command),
)

lines = st.one_of([st.builds(template.format, *pieces) for template, *pieces in _WRAPPINGS])
"""A line holding a password: a command alone or inside something else."""


def shows_a_secret(text: str) -> bool:
    """Whether `text` shows any part of a generated password (one of its marks)."""
    return any(mark in text for mark in MARKS)


S = "Zq9-Horse-4417"
P = "*" * len(S)
"""A password of the lines below, and how it is masked."""
_MASKED_IN_PLACE = [
    f"regster alice alice@example.com {S}",
    f"rgister alice alice@example.com {S}",
    f"REGISTER alice alice@example.com {S}",
    f"logn alice {S}",
    f"lgoin alice {S}",
    f"register alice {S}",
    f"register alice@example.com {S}",
    f"login {S}",
    f"race logn bob {S} ; pay last",
    f"help register {S}",
    f"help login alice {S}",
    f"please login alice {S}",
]
"""Lines of issue 22 in which the password alone is starred, where it stands."""
ISSUE_LINES = [(line, line.replace(S, P)) for line in _MASKED_IN_PLACE] + [
    (f"login Alice {S}", f"login ***** {P}"),
    (f"login alice {S} extra", f"login alice {P} *****"),
    (
        f"race register bob b@x.io {S} ; regster carol c@x.io {S}",
        "race register bob b@x.io ************** ; regster carol c@x.io **************",
    ),
    (f"register alice alice@example.com #{S}", "register alice ***************** ***************"),
    (f"login alice #{S}", "login ***** ***************"),
    (
        f"# register alice alice@example.com {S}",
        "# register ***** ***************** **************",
    ),
    (f"settle # then login alice {S}", f"settle # then login ***** {P}"),
    (f"login alice {S[:5]}\x1b{S[5:]}", "login alice ***************"),
    (f'login alice "{S}', "login alice ***************"),
    (f"login alice {S[:5]} ; {S[5:]}", "login alice ***** * *********"),
    (f"register alice not-an-email {S}", f"register alice ************ {P}"),
    (
        f"race register bob b@x.io {S} ; place-order bob",
        "race register bob b@x.io ************** ; place-order bob",
    ),
]
"""Lines that showed their password before (issue 22), and how they are shown now."""
