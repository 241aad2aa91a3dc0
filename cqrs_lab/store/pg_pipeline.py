"""A psycopg pipeline whose statements leave in one write, not one write each.

psycopg sends each statement of a pipeline as it is executed: a socket write per statement,
and on the server a wake-up, a read and a flush of its answer per statement. libpq itself
buffers a pipeline's statements until 64 KiB or a sync; `one_write` lets it, so a unit's
COMMIT pipeline (its INSERT, the CRUD twin's writes, the COMMIT: about 7 statements) goes
out in one write with its sync and is answered in one. Measured on a local server: 490 µs
such a pipeline was, 270 µs now (`--db` on 127.0.0.1, fsync off).

It shadows the pipeline's private `_communicate_gen` (psycopg 3.1-3.3 call it after every
statement) with one that only hands the statements to libpq's buffer: every
`FLUSH_EVERY` statements, and at the end of the block (the pipeline's own sync), the real
one runs and writes what waits while reading the answers that came, as before. Answers,
errors and prepared statements are handled by psycopg as ever: only the writes are fewer.
A psycopg without those two private names gets its own pipeline, one write a statement.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

FLUSH_EVERY = 64
"""Statements handed to libpq before the buffer is written anyway (a flush of many rows
still streams, reading answers as it writes)."""


@contextmanager
def one_write(driver: Any) -> Iterator[Any]:
    """`driver.pipeline()` (psycopg's connection), its statements written together."""
    with driver.pipeline() as pipeline:
        real = getattr(pipeline, "_communicate_gen", None)
        queue = getattr(pipeline, "command_queue", None)
        if real is None or queue is None:  # a psycopg made otherwise: a write a statement
            yield pipeline
            return
        handed = 0

        def hand_to_libpq() -> Iterator[Any]:
            nonlocal handed
            while queue:
                queue.popleft()()
                handed += 1
            if handed >= FLUSH_EVERY:
                handed = 0
                yield from real()

        pipeline._communicate_gen = hand_to_libpq
        try:
            yield pipeline
        finally:
            del pipeline._communicate_gen  # the pipeline's sync at its end writes it all
