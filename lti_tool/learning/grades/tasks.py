"""Grade jobs: the outbox drain (queued after each completion's commit, and every minute as
the safety net), reconciliation every six hours, and a designer's "push to course"."""

from __future__ import annotations

import logging

from huey import crontab

from lti_tool.core.audit import record_event
from lti_tool.core.transaction import discard
from lti_tool.errors import ReciprocalError
from lti_tool.extensions import db
from lti_tool.jobs import job, periodic_job
from lti_tool.learning.grades.draining import drain
from lti_tool.learning.grades.pushing import push_columns
from lti_tool.learning.grades.reconcile import reconcile_all

log = logging.getLogger(__name__)


@job
def drain_grades() -> None:
    """Send the due scores of the grade outbox (every worker may run one at once)."""
    report = drain()
    log.info("Grade outbox drained: %s", report)


@periodic_job(lambda config: crontab(minute="*"))
def drain_grades_periodically() -> None:
    drain(until_idle=False)


@periodic_job(lambda config: crontab(minute="23", hour="*/6"))
def reconcile_grades() -> None:
    queued = reconcile_all()
    log.info("Grade reconciliation queued %d score(s) again", queued)


@job
def push_path_columns(course_id: int, path_id: int, actor: str) -> None:
    """Make sure every graded step of the path (and its completion) has its column."""
    try:
        result = push_columns(course_id, path_id)
    except ReciprocalError as exc:
        discard()
        result = {"error": exc.message}
    record_event(actor, "grades.push_finished", f"path {path_id} course {course_id}", result)
    db.session.flush()
