"""An append-only record of who did what, when, from where and in which course.

Generic on purpose (core imports no domain). An event names

- **who**: ``actor`` in words ("designer", "tool admin (admin secret)", "command line
  (flask)", "scheduled job") and, when a person acted, ``actor_person_id``;
- **from where**: ``via``, a short reference to the launch (``launch 1f0c9a2b7e``, a hash:
  never the launch id itself, which is a bearer credential) or the admin session
  (``admin session 12``);
- **what**: ``action`` (``pair.vetoed``), ``subject`` (``pair 7 of program 3``) and JSON
  ``details`` (old → new values, the reason written);
- **scope**: ``platform_id`` and ``course_id``, so a designer sees only their course's
  events, and ``person_id``, the person the event is about (a data export includes it).

The ids are plain integers, not foreign keys: the log outlives what it describes (a removed
LMS takes its courses with it, not their history). Names are never copied into an event:
pages resolve ``actor_person_id`` through the people table, so erasing a person's name
(``privacy.erase``) also removes it from what the log shows, while the log itself stays.

Rows are never updated or deleted: the ORM refuses (``before_update``/``before_delete``
below) and so does the database itself (triggers of migration ``0014_audit_rights``, on
SQLite and PostgreSQL), which also covers bulk ``UPDATE``/``DELETE`` statements that bypass
the ORM's unit of work.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import g, has_app_context
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.core.time import UTCDateTime, utcnow
from lti_tool.extensions import db

SYSTEM_ACTOR = "system"
_CONTEXT = "reciprocal_audit_context"


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Who, in words: "designer", "tool admin (admin secret)", "LMS administrator of platform 3".
    actor: Mapped[str] = mapped_column(sa.String(300))
    actor_person_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    # From where: "launch <hash prefix>" or "admin session <id>"; never a raw launch id.
    via: Mapped[str | None] = mapped_column(sa.String(40))
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    subject: Mapped[str] = mapped_column(sa.String(300))
    platform_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    course_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    # The person the event is about (a pair's partners are in ``details``).
    person_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    def __repr__(self) -> str:
        return f"<AuditEvent {self.action} {self.subject} by {self.actor}>"


class AuditLogIsAppendOnly(RuntimeError):
    """Something tried to change or delete an audit event."""


@sa.event.listens_for(AuditEvent, "before_update")
@sa.event.listens_for(AuditEvent, "before_delete")
def _append_only(mapper: Any, connection: Any, target: AuditEvent) -> None:
    raise AuditLogIsAppendOnly("audit events are append-only")


@dataclass(frozen=True)
class AuditContext:
    """Who is acting in this request, as the decorators that check it know: set by
    ``core.auth.launch_required`` and the admin area's ``admin_required``."""

    actor: str
    person_id: int | None = None
    via: str | None = None
    platform_id: int | None = None
    course_id: int | None = None


def launch_reference(launch_id: str) -> str:
    """A short, stable name for a launch in the log: a hash prefix, not the id (a credential)."""
    return "launch " + hashlib.sha256(launch_id.encode()).hexdigest()[:10]


def set_audit_context(context: AuditContext) -> None:
    setattr(g, _CONTEXT, context)


def current_audit_context() -> AuditContext | None:
    return g.get(_CONTEXT) if has_app_context() else None


def record_event(
    actor: str | None,
    action: str,
    subject: str,
    details: dict[str, Any] | None = None,
    *,
    platform_id: int | None = None,
    course_id: int | None = None,
    person_id: int | None = None,
    actor_person_id: int | None = None,
    via: str | None = None,
) -> AuditEvent:
    """Add an event to the session; it is committed (or rolled back) with the change it
    describes. The one function every domain calls to audit something.

    ``actor`` in words, or ``None`` for "whoever this request's launch or admin session is"
    (``set_audit_context``); the person, the ``via`` reference, the platform and the course
    not given are taken from that context too. ``details`` must be JSON: ids, old → new
    values, the reason a person wrote; never names or emails (the log keeps no identity of
    its own, see the module's docstring). Examples::

        record_event(None, "grade.overridden", f"step {step.id}", {"score": 8, "reason": why},
                     person_id=learner_id)
        record_event("scheduled job", "retention.anonymised", f"program {program.id}",
                     {"people": 12}, course_id=program.course_id)
    """
    context = current_audit_context()
    if context is not None:
        actor = actor or context.actor
        actor_person_id = actor_person_id if actor_person_id is not None else context.person_id
        via = via or context.via
        platform_id = platform_id if platform_id is not None else context.platform_id
        course_id = course_id if course_id is not None else context.course_id
    event = AuditEvent(
        actor=(actor or SYSTEM_ACTOR)[:300],
        actor_person_id=actor_person_id,
        via=via,
        action=action,
        subject=subject[:300],
        platform_id=platform_id,
        course_id=course_id,
        person_id=person_id,
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
