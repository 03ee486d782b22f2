"""A person's identifying strings anywhere in the tool's tables, found from the schema.

Erasure removes what each model is known to hold (``erase.py``); this sweep then finds any
copy left in a text or JSON column — a pair's end reason naming a leaver, a matching run's
notes, a table added later — so nothing that names the person survives. The demo LMS's
tables are the LMS's own records, not the tool's, and the audit log holds no names by design
(``core.audit``): both are left out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from lti_tool.extensions import db

ERASED = "[erased]"
SKIPPED_TABLES = frozenset({"audit_events", "alembic_version"})
# Shorter values (Moodle's numeric user ids, a two-letter name) would match unrelated text.
MIN_LENGTH = 6


@dataclass(frozen=True)
class Mention:
    table: str
    column: str
    key: dict[str, Any]


def identifying_strings(*values: str | None) -> list[str]:
    """The values worth looking for: long enough to be the person's, longest first."""
    kept = {v.strip() for v in values if v and len(v.strip()) >= MIN_LENGTH}
    return sorted(kept, key=len, reverse=True)


def tool_tables() -> list[sa.Table]:
    return [
        t
        for t in db.metadata.sorted_tables
        if t.name not in SKIPPED_TABLES and not t.name.startswith("demo_")
    ]


def _text_columns(table: sa.Table) -> list[sa.Column]:
    return [
        c
        for c in table.columns
        if isinstance(c.type, sa.String | sa.Text | sa.JSON) and not c.primary_key
    ]


def _patterns(needles: Iterable[str]) -> list[str]:
    # JSON columns store non-ASCII characters escaped: look for that spelling too.
    out = set()
    for needle in needles:
        out.add(needle)
        out.add(json.dumps(needle)[1:-1])
    return sorted(out)


def find_mentions(needles: list[str], *, skip: Iterable[str] = ()) -> list[Mention]:
    """Every (table, column, row key) whose value contains one of ``needles``."""
    if not needles:
        return []
    found = []
    patterns = _patterns(needles)
    for table in tool_tables():
        if table.name in skip:
            continue
        keys = list(table.primary_key.columns)
        for column in _text_columns(table):
            as_text = sa.cast(column, sa.Text)
            where = sa.or_(*(as_text.contains(p, autoescape=True) for p in patterns))
            for row in db.session.execute(sa.select(*keys).where(where)):
                found.append(Mention(table.name, column.name, dict(row._mapping)))
    return found


def _blank(value: Any, needles: list[str]) -> Any:
    if isinstance(value, str):
        for needle in needles:
            value = value.replace(needle, ERASED)
        return value
    if isinstance(value, list):
        return [_blank(v, needles) for v in value]
    if isinstance(value, dict):
        return {k: _blank(v, needles) for k, v in value.items()}
    return value


def blank_mentions(needles: list[str], *, skip: Iterable[str] = ()) -> int:
    """Replace every copy of ``needles`` in the tool's tables with ``[erased]``; returns how
    many values changed."""
    tables = {t.name: t for t in tool_tables()}
    changed = 0
    for mention in find_mentions(needles, skip=skip):
        table = tables[mention.table]
        column = table.c[mention.column]
        where = sa.and_(*(table.c[k] == v for k, v in mention.key.items()))
        value = db.session.execute(sa.select(column).where(where)).scalar_one()
        new = _blank(value, needles)
        if new != value:
            db.session.execute(sa.update(table).where(where).values({column.name: new}))
            changed += 1
    return changed
