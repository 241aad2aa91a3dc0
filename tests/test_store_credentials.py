"""Credentials: salted scrypt hashes, constant work for unknown users, no password stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from cqrs_lab.store import Credentials, open_store
from cqrs_lab.store import credentials as credentials_module

CHEAP = 2**4  # scrypt cost for tests; the real default is exercised once below


@pytest.fixture
def credentials() -> Credentials:
    return Credentials(open_store(":memory:").engine, cost_n=CHEAP)


def test_verify_right_wrong_and_unknown(credentials: Credentials) -> None:
    credentials.set_password("alice", "s3cret-pass")

    assert credentials.verify("alice", "s3cret-pass")
    assert not credentials.verify("alice", "s3cret-pasS")
    assert not credentials.verify("alice", "")
    assert not credentials.verify("bob", "s3cret-pass")


def test_setting_a_new_password_replaces_the_old_one(credentials: Credentials) -> None:
    credentials.set_password("alice", "first")
    credentials.set_password("alice", "second")

    assert credentials.verify("alice", "second")
    assert not credentials.verify("alice", "first")


def test_the_default_cost_works() -> None:
    credentials = Credentials(open_store(":memory:").engine)
    credentials.set_password("alice", "s3cret-pass")
    assert credentials.verify("alice", "s3cret-pass")


def test_an_unknown_user_costs_one_scrypt_like_a_known_one(
    credentials: Credentials, monkeypatch: pytest.MonkeyPatch
) -> None:
    credentials.set_password("alice", "s3cret-pass")
    calls = _counting_scrypt(monkeypatch)
    credentials.verify("alice", "wrong")
    credentials.verify("nobody", "wrong")

    assert calls == [CHEAP, CHEAP]


def _counting_scrypt(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The cost (n) of every scrypt run from now on."""
    calls: list[int] = []
    real = credentials_module._scrypt

    def counting(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
        calls.append(n)
        return real(password, salt, n, r, p)

    monkeypatch.setattr(credentials_module, "_scrypt", counting)
    return calls


def test_a_cheaply_hashed_user_costs_a_check_at_the_full_cost(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A simulation hashes its users cheaply; a lab opened later on that database must not
    answer for them faster than for a name that does not exist."""
    engine = open_store(":memory:").engine
    Credentials(engine, cost_n=CHEAP).set_password("simulated", "s3cret-pass")
    dear = 2**8
    credentials = Credentials(engine, cost_n=dear)
    calls = _counting_scrypt(monkeypatch)

    assert credentials.verify("simulated", "s3cret-pass")
    assert calls == [CHEAP, dear]  # checked at its own cost, then a dummy at the lab's
    calls.clear()
    assert not credentials.verify("simulated", "wrong")
    assert not credentials.verify("nobody", "wrong")
    assert calls == [CHEAP, dear, dear]


def test_an_unknown_user_costs_as_much_as_the_dearest_stored_hash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine = open_store(":memory:").engine
    dear = 2**8
    Credentials(engine, cost_n=dear).set_password("alice", "s3cret-pass")
    cheap = Credentials(engine, cost_n=CHEAP)
    calls = _counting_scrypt(monkeypatch)

    assert not cheap.verify("alice", "wrong")
    assert not cheap.verify("nobody", "wrong")
    assert calls == [dear, dear]


def test_padding_stops_at_a_sane_cost(monkeypatch: pytest.MonkeyPatch) -> None:
    """A stored cost above MAX_PADDED_N (a damaged or odd database) is not padded up to."""
    engine = open_store(":memory:").engine
    Credentials(engine, cost_n=CHEAP).set_password("alice", "s3cret-pass")
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE credentials SET n = ?", (2**40,))
    monkeypatch.setattr(credentials_module, "MAX_PADDED_N", 2**6)  # a cheap ceiling here
    calls = _counting_scrypt(monkeypatch)

    assert not Credentials(engine, cost_n=CHEAP).verify("nobody", "wrong")
    assert calls == [2**6]


def test_salts_come_from_the_injected_source(credentials: Credentials) -> None:
    salts = iter([b"A" * 16, b"B" * 16])
    seeded = Credentials(credentials.engine, cost_n=CHEAP, salt_source=lambda: next(salts))
    seeded.set_password("alice", "same")
    seeded.set_password("bob", "same")

    with credentials.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT username, salt, password_hash, n, r, p FROM credentials ORDER BY username"
        ).all()
    (alice, alice_salt, alice_hash, *alice_cost), (bob, bob_salt, bob_hash, *_) = rows
    assert (alice, bob) == ("alice", "bob")
    assert (alice_salt, bob_salt) == (b"A" * 16, b"B" * 16)
    assert alice_hash != bob_hash
    assert alice_cost == [CHEAP, 8, 1]
    assert seeded.verify("alice", "same") and seeded.verify("bob", "same")


def test_a_password_set_in_a_rolled_back_transaction_is_not_kept(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "lab.db"))
    credentials = Credentials(store.engine, cost_n=CHEAP)
    with pytest.raises(RuntimeError), store.transaction() as conn:
        credentials.set_password("alice", "s3cret-pass", connection=conn)
        assert credentials.verify("alice", "s3cret-pass", connection=conn)
        raise RuntimeError("the command failed")
    assert not credentials.verify("alice", "s3cret-pass")
    store.engine.dispose()


def test_the_password_appears_nowhere_in_the_database_files(tmp_path: Path) -> None:
    password = "correct-horse-battery-staple"
    store = open_store(str(tmp_path / "lab.db"))
    credentials = Credentials(store.engine, cost_n=CHEAP)
    credentials.set_password("alice", password)
    assert credentials.verify("alice", password)

    files = [p for p in tmp_path.iterdir() if p.is_file()]
    contents = b"".join(p.read_bytes() for p in files)
    assert b"alice" in contents  # the files do hold the credentials row...
    for encoded in (password.encode("utf-8"), password.encode("utf-16-le")):
        assert encoded not in contents  # ...but never the password itself
    store.engine.dispose()
    assert password.encode() not in (tmp_path / "lab.db").read_bytes()


def test_cost_must_be_a_power_of_two() -> None:
    with pytest.raises(ValueError, match="power of two"):
        Credentials(open_store(":memory:").engine, cost_n=1000)


def test_clear_forgets_every_password(credentials: Credentials) -> None:
    credentials.set_password("alice", "s3cret-pass")
    with credentials.engine.begin() as conn:
        credentials.clear(connection=conn)
    assert not credentials.verify("alice", "s3cret-pass")
