"""What goes with a row: the rows that ``ON DELETE CASCADE`` foreign keys remove with it,
found from the schema itself (core names no domain table).

``delete_with_dependents`` deletes them deepest first and applies ``ON DELETE SET NULL``
itself, so the outcome is the same whether or not the database enforces foreign keys (SQLite
does only with ``PRAGMA foreign_keys=ON``); where it does, its own cascade finds nothing left.
"""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa
from sqlalchemy.orm import Session

Rows = sa.ColumnElement[bool]


def _reached(root: sa.Table, condition: Rows) -> dict[sa.Table, Rows]:
    """Each table the root's rows cascade into, with a condition selecting the rows that go
    (every path, parents before children)."""
    reached: dict[sa.Table, Rows] = {root: condition}
    for table in root.metadata.sorted_tables:
        if table is root:
            continue
        paths = [
            fk.parent.in_(sa.select(fk.column).where(reached[fk.column.table]))
            for fk in table.foreign_keys
            if (fk.ondelete or "").upper() == "CASCADE"
            and fk.column.table in reached
            and fk.column.table is not table
        ]
        if paths:
            reached[table] = sa.or_(*paths)
    return reached


def dependent_counts(session: Session, root: sa.Table, condition: Rows) -> dict[str, int]:
    """Table name → how many of its rows go with the root's rows (the root not counted)."""
    counts: Counter[str] = Counter()
    for table, where in _reached(root, condition).items():
        if table is not root:
            count = session.scalar(sa.select(sa.func.count()).select_from(table).where(where))
            if count:
                counts[table.name] = count
    return dict(counts)


def delete_with_dependents(session: Session, root: sa.Table, condition: Rows) -> None:
    """Delete the root's rows and what cascades from them; ``SET NULL`` references to any of
    them are cleared first."""
    reached = _reached(root, condition)
    for table in root.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if (fk.ondelete or "").upper() == "SET NULL" and fk.column.table in reached:
                parent_rows = sa.select(fk.column).where(reached[fk.column.table])
                clear = sa.update(table).where(fk.parent.in_(parent_rows))
                session.execute(clear.values({fk.parent.name: None}))
    for table in reversed(list(reached)):
        session.execute(sa.delete(table).where(reached[table]))
