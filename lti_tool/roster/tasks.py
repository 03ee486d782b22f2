"""Roster jobs: sync a course's members over NRPS, and keep every course fresh on a schedule.

A sync is a ``RosterSync`` row first (so a page can show it queued), then a job sent after
the commit. The job commits three times, each a complete unit: "running" (so the page sees
it start), progress while the pages come in (only that row), and finally the roster changes
together with "done" — or, on any error, a rollback and "failed" with the reason.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from flask import current_app
from huey import crontab

from lti_tool.core.roles import Audience, audience_for
from lti_tool.core.time import utcnow
from lti_tool.errors import PlatformServiceError
from lti_tool.extensions import db
from lti_tool.jobs import job, periodic_job
from lti_tool.roster.models import Course, Person, RosterSync
from lti_tool.roster.sync import (
    FULL,
    INCREMENTAL,
    courses_due_for_sync,
    expire_stuck_syncs,
    last_differences_url,
    latest_sync,
    new_sync,
    sync_memberships,
)

log = logging.getLogger(__name__)
PROGRESS_EVERY_SECONDS = 0.5
UNEXPECTED = "The sync hit an unexpected problem, which has been logged. Try again later."
LOST_IN_QUEUE = ("No worker started this sync, so it was queued again. If syncs keep waiting, "
                 "check that the tool's worker (flask worker) is running.")


@job(retries=2, retry_delay=30)  # e.g. a database briefly away; a finished one is skipped
def run_roster_sync(sync_id: int) -> None:
    """Run a queued RosterSync: read the platform's list, apply it, record the outcome."""
    sync = db.session.get(RosterSync, sync_id)
    if sync is None or sync.status != RosterSync.QUEUED:
        log.info("Roster sync %s is gone or already %s; skipped", sync_id,
                 sync.status if sync else "deleted")
        return
    course = sync.course
    differences_url = None if sync.kind == FULL else last_differences_url(course)
    sync.start(INCREMENTAL if differences_url else FULL)
    db.session.commit()
    try:
        outcome = sync_memberships(
            course,
            full=differences_url is None,
            differences_url=differences_url,
            page_size=current_app.config["ROSTER_SYNC_PAGE_SIZE"],
            progress=_ProgressWriter(sync),
        )
        sync.finish(kind=outcome.kind, pages_read=outcome.pages_read,
                    members_seen=outcome.members_seen, added=outcome.added,
                    updated=outcome.updated, left=outcome.left,
                    differences_url=outcome.differences_url)
        db.session.commit()
    except PlatformServiceError as exc:
        _record_failure(sync_id, exc.message)
    except Exception:
        _record_failure(sync_id, UNEXPECTED)
        raise
    else:
        log.info("Roster sync %s of course %s: %s, %d members, +%d ~%d -%d", sync_id,
                 course.id, outcome.kind, outcome.members_seen, outcome.added,
                 outcome.updated, outcome.left)


def _record_failure(sync_id: int, message: str) -> None:
    db.session.rollback()  # nothing of the roster is applied
    sync = db.session.get(RosterSync, sync_id)
    if sync is not None and not sync.is_finished:
        sync.fail(message)
        db.session.commit()
    log.warning("Roster sync %s failed: %s", sync_id, message)


class _ProgressWriter:
    """Commits pages read / members seen on the sync's row, at most every half second.

    Only during the read phase, when the session holds nothing else: the roster itself is
    written later, in the final commit."""

    def __init__(self, sync: RosterSync) -> None:
        self.sync = sync
        self.last = 0.0

    def __call__(self, pages_read: int, members_seen: int) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY_SECONDS:
            return
        self.last = now
        self.sync.record_progress(pages_read, members_seen)
        db.session.commit()


@periodic_job(lambda config: crontab(minute=f"*/{config['ROSTER_SYNC_CHECK_MINUTES']}"))
def schedule_roster_syncs() -> None:
    """Queue a sync for every course with an NRPS endpoint whose last one is too old."""
    config = current_app.config
    now = utcnow()
    expire_stuck_syncs(before=now - dt.timedelta(hours=1))
    due = courses_due_for_sync(
        synced_before=now - dt.timedelta(minutes=config["ROSTER_SYNC_EVERY_MINUTES"])
    )
    for course in due:
        queue_roster_sync(course, trigger="schedule")
    db.session.commit()
    if due:
        log.info("Queued scheduled roster syncs for %d course(s)", len(due))


def queue_roster_sync(course: Course, *, trigger: str, requested_by: Person | None = None,
                      full: bool = False) -> RosterSync:
    """A queued RosterSync now; its job is sent when the caller's transaction commits.

    While a sync of the course is already queued or running, that one is returned instead
    (a double-clicked "Sync now" runs once) — unless it was lost in the queue."""
    if course.id is not None:
        last = _unless_lost(latest_sync(course))
        if last is not None and not last.is_finished:
            return last
    sync = new_sync(course, trigger=trigger, requested_by=requested_by, full=full)
    run_roster_sync.enqueue(sync.id)
    return sync


def queue_sync_after_launch(course: Course | None, person: Person, roles: list[str], *,
                            max_age_minutes: int) -> RosterSync | None:
    """On a designer's launch, queue a sync unless the course had one in the last
    ``max_age_minutes`` (0 turns this off). Costs one indexed query on most launches."""
    if (
        not max_age_minutes
        or course is None
        or not course.memberships_url
        or audience_for(roles) != Audience.DESIGNER
    ):
        return None
    with db.session.no_autoflush:  # keep the launch's writes for its own commit
        last = _unless_lost(latest_sync(course)) if course.id is not None else None
    cutoff = utcnow() - dt.timedelta(minutes=max_age_minutes)
    if last is not None and (not last.is_finished or last.created_at > cutoff):
        return None
    sync = new_sync(course, trigger="launch", requested_by=person)
    run_roster_sync.enqueue(sync.id)
    return sync


def _unless_lost(sync: RosterSync | None) -> RosterSync | None:
    """``sync``, or None when it was lost in the queue (it is then marked failed)."""
    if sync is not None and sync.is_lost_in_queue(utcnow()):
        sync.fail(LOST_IN_QUEUE)
        return None
    return sync
