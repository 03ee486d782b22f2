"""Enqueue after commit: jobs wait on the SQLAlchemy session until its transaction commits.

A job sent before the commit could run before its rows are visible, or for rows that a
rollback then removes (the race in microblog's ``launch_task``). So ``hold`` only parks the
job on the session; ``after_commit`` sends everything parked, and the end of a transaction
that did not commit drops it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, SessionTransaction

from lti_tool.extensions import db

log = logging.getLogger(__name__)
PENDING = "reciprocal.pending_jobs"

Send = Callable[[], Any]


def hold(send: Send, description: str) -> None:
    """Park ``send`` on the current session until its transaction commits."""
    db.session.info.setdefault(PENDING, []).append((send, description))


def pending(session: Session | None = None) -> list[str]:
    """Descriptions of the jobs waiting for the commit (for tests and logs)."""
    info = (session or db.session()).info
    return [description for _, description in info.get(PENDING, [])]


@sa.event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released; the real commit is later
        return
    for send, description in session.info.pop(PENDING, []):
        try:
            send()
        except Exception:
            # The commit stands; the scheduled sweep picks up what was never sent.
            log.exception("Could not send job %s to the queue", description)


@sa.event.listens_for(Session, "after_transaction_end")
def _drop_uncommitted(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended without a commit
        dropped = session.info.pop(PENDING, [])
        if dropped:
            log.info("Dropped %d job(s) of a rolled-back transaction", len(dropped))
