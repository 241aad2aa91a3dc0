"""A screen load's registrations hashed ahead, beside the lab, instead of inside it.

At its real cost (scrypt n=2**14: 25-60 ms here) a password hash is most of what a
registration costs; made inside the command's transaction, as every other registration's
is, it held the lab that long and kept `load 1000/s` near 700 requests a second. Here a
registration's hash is made on a small pool as the request arrives (`hashlib.scrypt` lets go
of the GIL, so it runs on the other core while the lab goes on), and the load sends the
registration once it is ready: the lab's credentials then store that hash (same salt size,
same cost) instead of making one.
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from sqlalchemy import Connection, insert, update

from cqrs_lab.shop.commands import RegisterUser
from cqrs_lab.store.credentials import SALT_BYTES, Credentials, _scrypt
from cqrs_lab.store.records import CREDENTIALS

HASHERS = 2
"""Threads hashing at once (this is a 2-core machine); a load keeps at most this many
registrations waiting for their hash, and hashes any more itself, in the lab: the workload
registers users faster while it knows few (a fresh shop), and would outrun the pool."""

Hashed = tuple[bytes, bytes]  # salt, hash


class HashAhead:
    """Stands in for a lab's `Credentials` while a load runs: `prepare` starts a
    registration's hash; `set_password` stores it if it was prepared, else hashes as usual."""

    def __init__(self, credentials: Credentials) -> None:
        self.credentials = credentials
        self._pool = ThreadPoolExecutor(HASHERS, thread_name_prefix="cqrs-lab-hash")
        self._prepared: dict[tuple[str, str], Future[Hashed]] = {}

    def __getattr__(self, name: str) -> Any:  # verify, clear, cost_n, ...: the lab's own
        return getattr(self.credentials, name)

    def prepare(self, command: RegisterUser) -> Future[Hashed]:
        key = (command.username, command.password.get_secret_value())
        future = self._pool.submit(self._hash, key[1])
        self._prepared[key] = future
        return future

    def _hash(self, password: str) -> Hashed:
        salt = os.urandom(SALT_BYTES)
        c = self.credentials
        return salt, _scrypt(password, salt, c.cost_n, c.r, c.p)

    def set_password(
        self, username: str, password: str, *, connection: Connection | None = None
    ) -> None:
        future = self._prepared.pop((username, password), None)
        if future is None or connection is None:
            self.credentials.set_password(username, password, connection=connection)
            return
        salt, hashed = future.result()
        c = self.credentials
        row = {"salt": salt, "password_hash": hashed, "n": c.cost_n, "r": c.r, "p": c.p}
        where = CREDENTIALS.c.username == username
        if not connection.execute(update(CREDENTIALS).where(where).values(**row)).rowcount:
            connection.execute(insert(CREDENTIALS), {"username": username, **row})

    def close(self) -> None:
        """No more hashing (what is being hashed is dropped)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._prepared.clear()
