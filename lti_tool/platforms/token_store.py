"""Access tokens shared by every worker and web process: one row per (platform, scope set).

A process asks its own memory first, then this table; only when neither holds a token that
is good for a while longer does it fetch one — and only one process fetches: it takes a
short lease on the row first (a conditional UPDATE, committed at once), fetches without
holding any database lock (on SQLite a held writer lock would stall every other writer,
the LMS's token endpoint included when it shares the database, as in the tests), then
stores the token. The others wait for it on the row.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.core.time import UTCDateTime, utcnow
from lti_tool.extensions import db


class ServiceToken(db.Model):
    __tablename__ = "service_tokens"
    __table_args__ = (sa.UniqueConstraint("platform_id", "scope_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platforms.id", ondelete="CASCADE"))
    scope_key: Mapped[str] = mapped_column(sa.String(64))  # SHA-256 of client id and scopes
    token: Mapped[str | None] = mapped_column(sa.Text)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # While in the future, one process is fetching a new token for this row.
    fetching_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


def scope_key(client_id: str, scopes: list[str]) -> str:
    return hashlib.sha256(f"{client_id}\n{' '.join(sorted(scopes))}".encode()).hexdigest()


_table = ServiceToken.__table__
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def read_token(
    connection: sa.Connection, platform_id: int, key: str
) -> tuple[str | None, dt.datetime | None, dt.datetime | None] | None:
    """(token, expires_at, fetching_until) of the row, or None when there is no row."""
    row = connection.execute(
        sa.select(_table.c.token, _table.c.expires_at, _table.c.fetching_until).where(
            _table.c.platform_id == platform_id, _table.c.scope_key == key
        )
    ).first()
    if row is None:
        return None
    return row[0], row[1], row[2]


def take_fetch_lease(connection: sa.Connection, platform_id: int, key: str, seconds: float) -> bool:
    """Create the row if missing and take the lease to fetch, unless another process holds
    an unexpired one. True when this process won it."""
    now = utcnow()
    exists = connection.execute(
        sa.select(_table.c.id).where(_table.c.platform_id == platform_id, _table.c.scope_key == key)
    ).first()
    if exists is None:
        insert = _INSERTS[connection.dialect.name](_table)
        created = connection.execute(
            insert.values(
                platform_id=platform_id,
                scope_key=key,
                fetching_until=now + dt.timedelta(seconds=seconds),
            )
            .on_conflict_do_nothing(index_elements=["platform_id", "scope_key"])
            .returning(_table.c.id)
        ).first()
        if created is not None:
            return True
        # Another process created it a moment ago: compete for its lease below.
    won = connection.execute(
        _table.update()
        .where(
            _table.c.platform_id == platform_id,
            _table.c.scope_key == key,
            sa.or_(_table.c.fetching_until.is_(None), _table.c.fetching_until < now),
        )
        .values(fetching_until=now + dt.timedelta(seconds=seconds))
    ).rowcount
    return won == 1


def store_token(
    connection: sa.Connection, platform_id: int, key: str, token: str, expires_at: dt.datetime
) -> None:
    connection.execute(
        _table.update()
        .where(_table.c.platform_id == platform_id, _table.c.scope_key == key)
        .values(token=token, expires_at=expires_at, fetching_until=None)
    )


def release_lease(connection: sa.Connection, platform_id: int, key: str) -> None:
    connection.execute(
        _table.update()
        .where(_table.c.platform_id == platform_id, _table.c.scope_key == key)
        .values(fetching_until=None)
    )


def forget_platform_tokens(connection: sa.Connection, platform_id: int) -> None:
    connection.execute(_table.delete().where(_table.c.platform_id == platform_id))
