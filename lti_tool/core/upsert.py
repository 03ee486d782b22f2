"""Creating a row that concurrent requests may create at the same moment.

A whole class opens a new course's activity at once: every launch finds no course, and all
of them insert it. A plain INSERT makes all but one fail on the unique key at commit. Here
the database settles it: ``INSERT … ON CONFLICT DO NOTHING RETURNING`` gives the new row to
whoever inserted it, and the others read the row that won. On PostgreSQL the losing insert
waits for the winner's transaction and then skips; READ COMMITTED takes a fresh snapshot per
statement, so the read that follows sees the winner's row. On SQLite writers take turns
(``core.sqlite``): the loser's write transaction starts after the winner committed.

The row comes back through the ORM, so it is in the session's identity map like any other.
"""

from __future__ import annotations

from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from lti_tool.extensions import db

M = TypeVar("M")
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def insert_or_get(model: type[M], key: dict[str, Any], values: dict[str, Any] | None = None) -> M:
    """The row of ``model`` with the unique ``key`` (column: value): inserted with ``values``
    when missing (one statement), else the existing row, left as it is (two statements).

    :raise KeyError: the database is neither SQLite nor PostgreSQL.
    """
    insert = _INSERTS[db.session.get_bind().dialect.name]
    statement = (
        insert(model)
        .values({**(values or {}), **key})
        .on_conflict_do_nothing(index_elements=list(key))
        .returning(model)
    )
    row = db.session.scalars(statement).first()
    if row is None:  # another transaction inserted it first (and has committed by now)
        row = db.session.scalars(sa.select(model).filter_by(**key)).one()
    return row
