"""Claiming due rows of the grade outbox and recording what their sends came to.

A claim is one ``UPDATE … WHERE state = 'pending'`` over the due rows (picked with ``FOR
UPDATE SKIP LOCKED`` on PostgreSQL; SQLite's writers take turns), committed at once, with a
lease: two workers never hold the same row, and a row whose worker died is pending again
(``needs_check``) once its lease ends. An outcome is written only onto the version and
lease that were claimed: a newer value that arrived meanwhile stays pending.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from lti_tool.core.time import utcnow
from lti_tool.core.transaction import separate_unit
from lti_tool.extensions import db
from lti_tool.learning.grades.models import GradeSend, SendState
from lti_tool.roster.models import Person

_table = GradeSend.__table__


@dataclass(frozen=True)
class Claimed:
    id: int
    version: int
    course_id: int
    path_id: int
    step_id: int | None
    resource_id: str
    user_id: str
    score_given: float
    score_maximum: float
    timestamp: dt.datetime
    submitted_at: dt.datetime
    attempts: int
    needs_check: bool
    lease_until: dt.datetime


@dataclass
class Outcome:
    state: SendState
    attempts: int
    next_attempt_at: dt.datetime | None = None
    needs_check: bool = False
    last_error: str | None = None
    sent_at: dt.datetime | None = None


def release_expired_leases() -> int:
    """Rows whose worker died mid-send: pending again, checked before any new post."""
    with separate_unit():
        return db.session.execute(
            _table.update()
            .where(_table.c.state == SendState.SENDING.value, _table.c.lease_until < utcnow())
            .values(state=SendState.PENDING.value, needs_check=True, claim=None)
        ).rowcount


def claim_due(limit: int, lease: float) -> list[Claimed]:
    """Up to ``limit`` due rows, now this worker's (committed)."""
    claim = secrets.token_hex(16)
    now = utcnow()
    lease_until = now + dt.timedelta(seconds=lease)
    with separate_unit():
        due = (
            sa.select(_table.c.id)
            .where(_table.c.state == SendState.PENDING.value, _table.c.next_attempt_at <= now)
            .order_by(_table.c.next_attempt_at, _table.c.id)
            .limit(limit)
        )
        if db.session.get_bind().dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        db.session.execute(
            _table.update()
            .where(_table.c.id.in_(due.scalar_subquery()), _table.c.state == "pending")
            .values(
                state=SendState.SENDING.value,
                claim=claim,
                lease_until=lease_until,
                attempts=_table.c.attempts + 1,
            )
        )
        rows = db.session.execute(
            sa.select(GradeSend, Person.sub)
            .join(Person, Person.id == GradeSend.person_id)
            .where(GradeSend.claim == claim)
        ).all()
        return [
            Claimed(
                id=row.id,
                version=row.version,
                course_id=row.course_id,
                path_id=row.path_id,
                step_id=row.step_id,
                resource_id=row.resource_id,
                user_id=sub,
                score_given=row.score_given,
                score_maximum=row.score_maximum,
                timestamp=row.timestamp,
                submitted_at=row.submitted_at,
                attempts=row.attempts,
                needs_check=row.needs_check,
                lease_until=lease_until,
            )
            for row, sub in rows
        ]


def record_outcomes(results: list[tuple[Claimed, Outcome]]) -> None:
    """Write each outcome, only onto the version this worker claimed and still holds."""
    if not results:
        return
    statement = (
        _table.update()
        .where(
            _table.c.id == sa.bindparam("b_id"),
            _table.c.version == sa.bindparam("b_version"),
            _table.c.state == SendState.SENDING.value,
            _table.c.lease_until == sa.bindparam("b_lease"),
        )
        .values(
            state=sa.bindparam("b_state"),
            attempts=sa.bindparam("b_attempts"),
            next_attempt_at=sa.bindparam("b_next", type_=_table.c.next_attempt_at.type),
            needs_check=sa.bindparam("b_check"),
            last_error=sa.bindparam("b_error"),
            sent_at=sa.bindparam("b_sent", type_=_table.c.sent_at.type),
            claim=None,
            lease_until=None,
            updated_at=utcnow(),
        )
    )
    now = utcnow()
    params = [
        {
            "b_id": claimed.id,
            "b_version": claimed.version,
            "b_lease": claimed.lease_until,
            "b_state": outcome.state.value,
            "b_attempts": outcome.attempts,
            "b_next": outcome.next_attempt_at or now,
            "b_check": outcome.needs_check,
            "b_error": (outcome.last_error or None) and outcome.last_error[:500],
            "b_sent": outcome.sent_at,
        }
        for claimed, outcome in results
    ]
    with separate_unit():
        db.session.execute(statement, params)
        # A newer value arrived while this version was in flight: the row is pending with
        # it (the writer set that); release the claim so nothing waits for the lease.
        db.session.execute(
            _table.update()
            .where(
                _table.c.id.in_([c.id for c, _ in results]),
                _table.c.state == SendState.PENDING.value,
            )
            .values(claim=None, lease_until=None)
        )
