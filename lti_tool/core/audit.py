"""An append-only record of who changed what: registrations, invites, platform edits, approvals.

Generic on purpose (core imports no domain): an event names its actor in words, an action
(``platform.edited``), a subject (``platform 3``) and JSON details, e.g. old → new values.
Rows are never updated or deleted; the ORM refuses to.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.core.time import UTCDateTime, utcnow
from lti_tool.extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Who, in words: "tool admin (admin secret)", "LMS administrator … of platform 3", "CLI".
    actor: Mapped[str] = mapped_column(sa.String(300))
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    subject: Mapped[str] = mapped_column(sa.String(300))
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    def __repr__(self) -> str:
        return f"<AuditEvent {self.action} {self.subject} by {self.actor}>"


@sa.event.listens_for(AuditEvent, "before_update")
@sa.event.listens_for(AuditEvent, "before_delete")
def _append_only(mapper: Any, connection: Any, target: AuditEvent) -> None:
    raise RuntimeError("audit events are append-only")


def record_event(
    actor: str, action: str, subject: str, details: dict[str, Any] | None = None
) -> AuditEvent:
    """Add an event to the session; it is committed (or rolled back) with the change it
    describes."""
    event = AuditEvent(
        actor=actor[:300],
        action=action,
        subject=subject[:300],
        details=details or {},
        created_at=utcnow(),
    )
    db.session.add(event)
    return event


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Field → ``{"old": …, "new": …}`` for the values that differ."""
    return {
        key: {"old": before.get(key), "new": after.get(key)}
        for key in after
        if before.get(key) != after.get(key)
    }


def recent_events(limit: int = 20) -> list[AuditEvent]:
    return list(
        db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit))
    )
