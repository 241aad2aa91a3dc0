"""Passwords, kept apart from events: a salted scrypt hash per user, never the password.

`verify` costs the same for every name, known or not, so its timing does not tell whether
a username exists: every check does the scrypt work of the dearest hash around (this
`Credentials`' cost or the highest cost stored, as a cheap simulation may have left). An
unknown name is hashed against a dummy at that cost; a user hashed more cheaply is checked
at their own cost, then once more against a dummy at that cost.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, bindparam, func, insert, select, update

from cqrs_lab.store.event_store import BEGIN_MODE_OPTION
from cqrs_lab.store.pg_unit import at_commit
from cqrs_lab.store.records import CREDENTIALS

DEFAULT_COST_N = 2**14
DEFAULT_R = 8
DEFAULT_P = 1
SALT_BYTES = 16
HASH_BYTES = 32
MAX_PADDED_N = 2**17
"""Stored costs above this (128 MiB of scrypt memory a check) are not padded up to."""

_c = CREDENTIALS.c
_SELECT = select(_c.salt, _c.password_hash, _c.n, _c.r, _c.p).where(
    _c.username == bindparam("username")
)
_UPDATE = update(CREDENTIALS).where(_c.username == bindparam("user"))
_HIGHEST_COST = select(func.max(_c.n))
_UPSERT_PG_SQL = (
    "INSERT INTO credentials (username, salt, password_hash, n, r, p)"
    " VALUES (%(username)s, %(salt)s, %(password_hash)s, %(n)s, %(r)s, %(p)s)"
    " ON CONFLICT (username) DO UPDATE SET salt = EXCLUDED.salt,"
    " password_hash = EXCLUDED.password_hash, n = EXCLUDED.n, r = EXCLUDED.r, p = EXCLUDED.p"
)
"""A registration's hash on PostgreSQL: sent with the unit's COMMIT (no answer needed)."""


def _random_salt() -> bytes:
    return os.urandom(SALT_BYTES)


class Credentials:
    """Set and check passwords; `cost_n` (a power of two) lowers the cost for simulations."""

    def __init__(
        self,
        engine: Engine,
        *,
        cost_n: int = DEFAULT_COST_N,
        r: int = DEFAULT_R,
        p: int = DEFAULT_P,
        salt_source: Callable[[], bytes] = _random_salt,
    ) -> None:
        if cost_n < 2 or cost_n & (cost_n - 1):
            raise ValueError(f"cost_n must be a power of two above 1, got {cost_n}")
        self.engine = engine
        self.cost_n = cost_n
        self.r = r
        self.p = p
        self._salt_source = salt_source
        self._dummy_salt = bytes(SALT_BYTES)
        self._dummy_hash = bytes(HASH_BYTES)

    def set_password(
        self, username: str, password: str, *, connection: Connection | None = None
    ) -> None:
        """Store a new salted hash for `username`, replacing any previous one."""
        salt = self._salt_source()
        row = {
            "salt": salt,
            "password_hash": _scrypt(password, salt, self.cost_n, self.r, self.p),
            "n": self.cost_n,
            "r": self.r,
            "p": self.p,
        }
        if connection is not None and at_commit(
            connection, lambda cursor: cursor.execute(_UPSERT_PG_SQL, {"username": username, **row})
        ):
            return
        with self._connection(connection, write=True) as conn:
            changed = conn.execute(_UPDATE.values(**row), {"user": username}).rowcount
            if not changed:
                conn.execute(insert(CREDENTIALS), {"username": username, **row})

    def verify(self, username: str, password: str, *, connection: Connection | None = None) -> bool:
        """Whether `password` is the user's; False for unknown users, after the same work."""
        with self._connection(connection, write=False) as conn:
            found = conn.execute(_SELECT, {"username": username}).first()
            highest = conn.execute(_HIGHEST_COST).scalar() or 0
        cost = max(self.cost_n, min(highest, MAX_PADDED_N))
        if found is None:
            candidate = _scrypt(password, self._dummy_salt, cost, self.r, self.p)
            hmac.compare_digest(candidate, self._dummy_hash)
            return False
        salt, expected, n, r, p = found
        matches = hmac.compare_digest(_scrypt(password, salt, n, r, p), expected)
        self._pad(password, n, cost)
        return matches

    def _pad(self, password: str, done: int, cost: int) -> None:
        """A dummy hash at `cost` after a check done at the cheaper `done`.

        One hash at the full cost, not smaller ones adding up to it: a small scrypt fits in
        the processor's cache and runs faster per unit of work, which would still show.
        (Costs are compared by n: every hash here has the same r and p.)"""
        if done < cost:
            _scrypt(password, self._dummy_salt, cost, self.r, self.p)

    def clear(self, *, connection: Connection) -> None:
        """Forget every password (a lab reset)."""
        connection.execute(CREDENTIALS.delete())

    @contextmanager
    def _connection(self, connection: Connection | None, *, write: bool) -> Iterator[Connection]:
        if connection is not None:
            yield connection
            return
        with self.engine.connect() as conn:
            if write:
                conn.execution_options(**{BEGIN_MODE_OPTION: "IMMEDIATE"})
            with conn.begin():
                yield conn


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    # maxmem: scrypt needs about 128 * r * n bytes; OpenSSL's default cap is 32 MiB.
    maxmem = 256 * r * n + 1024 * 1024
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=maxmem, dklen=HASH_BYTES
    )
