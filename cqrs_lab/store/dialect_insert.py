"""The dialect's own INSERT (the one with ON CONFLICT), imported for the dialect in use only.

SQLAlchemy's PostgreSQL dialect takes 35-65 ms to import; a lab on SQLite never needs it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlalchemy as sa


def dialect_insert(dialect: str, table: sa.Table) -> sa.Insert | None:
    """`INSERT INTO table` as the dialect named `dialect` writes it (with its ON CONFLICT
    clauses), or None for a dialect without one."""
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    if dialect == "sqlite":
        from sqlalchemy.dialects import sqlite

        return sqlite.insert(table)
    return None
