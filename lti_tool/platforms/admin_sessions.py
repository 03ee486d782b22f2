"""Admin sign-ins, kept server-side.

Signing in with the admin secret opens an ``AdminSession``: the signed session cookie carries
only an opaque random id, and the table keeps its hash, when it was opened, when it expires
(``ADMIN_SESSION_TTL_SECONDS``) and whether it was revoked. Logging out revokes it, so a
copy of the cookie taken before is worthless afterwards.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.core.time import UTCDateTime, utcnow
from lti_tool.extensions import db

# Rows this long past their expiry are deleted when someone signs in.
KEEP_EXPIRED = dt.timedelta(days=30)


class AdminSession(db.Model):
    __tablename__ = "admin_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    client_address: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_admin_session(client_address: str | None, ttl_seconds: int) -> tuple[str, AdminSession]:
    """A new session: the opaque id for the cookie, and its row (the caller commits)."""
    now = utcnow()
    db.session.execute(sa.delete(AdminSession).where(AdminSession.expires_at < now - KEEP_EXPIRED))
    token = secrets.token_urlsafe(32)
    row = AdminSession(
        token_hash=_hash(token),
        client_address=(client_address or "")[:64] or None,
        created_at=now,
        expires_at=now + dt.timedelta(seconds=ttl_seconds),
    )
    db.session.add(row)
    return token, row


def find_admin_session(token: str | None) -> AdminSession | None:
    """The open session with this id: not revoked and not expired."""
    if not token or not isinstance(token, str):
        return None
    return db.session.scalar(
        sa.select(AdminSession).where(
            AdminSession.token_hash == _hash(token),
            AdminSession.revoked_at.is_(None),
            AdminSession.expires_at > utcnow(),
        )
    )


def revoke_admin_session(token: str | None) -> AdminSession | None:
    """End the session with this id, if it is open (the caller commits)."""
    row = find_admin_session(token)
    if row is not None:
        row.revoked_at = utcnow()
    return row
