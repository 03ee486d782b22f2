"""Roster jobs: sync a course's members over NRPS, and keep every course fresh on a schedule.

A sync is a ``RosterSync`` row first (so a page can show it queued), then a job sent after
the commit. The job is one unit of work (the roster changes together with "done"). Beside it,
in separate units the progress page sees while the job runs: "running", and — after the
job's own work is discarded — "failed" with the reason; progress and the heartbeat are
written by the tracked job's side thread (``lti_tool.jobs.pulse.keep_alive``). A sync whose
worker was killed is handed to another worker by the job ledger, which takes it over and runs
it again (``TrackedJob.may_start``); one a designer replaces meanwhile is not run again. If the
first worker was alive after all, its finish is refused and its work discarded.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from flask import current_app
from huey import crontab

from lti_tool.core.roles import Audience, audience_for
from lti_tool.core.time import utcnow
from lti_tool.core.transaction import discard, separate_unit
from lti_tool.errors import PlatformServiceError
from lti_tool.extensions import db
from lti_tool.jobs import job, periodic_job
from lti_tool.jobs.pulse import Pulse, keep_alive
from lti_tool.jobs.tracked import REFUSED, pending_unless_lost
from lti_tool.roster.models import Course, Person, RosterSync
from lti_tool.roster.sync import (
    FULL,
    INCREMENTAL,
    courses_due_for_sync,
    last_differences_url,
    latest_sync,
    new_sync,
    sync_memberships,
)

log = logging.getLogger(__name__)
PROGRESS_EVERY_SECONDS = 0.5
UNEXPECTED = "The sync hit an unexpected problem, which has been logged. Try again later."


# Durable: recorded in the job ledger with the change that asks for it. Retried (a
# database briefly away, say); a finished one is skipped.
@job(retries=2, retry_delay=30, durable=True)
def run_roster_sync(sync_id: int) -> None:
    """Run a queued RosterSync: read the platform's list, apply it, record the outcome."""
    sync = db.session.get(RosterSync, sync_id)
    if sync is None or not sync.may_start:  # done, failed, replaced; or a direct double call
        log.info(
            "Roster sync %s is gone or already %s; skipped",
            sync_id,
            sync.status if sync else "deleted",
        )
        return
    course = sync.course
    differences_url = None if sync.kind == FULL else last_differences_url(course)
    with separate_unit():  # the progress page sees "running" at once
        db.session.get(RosterSync, sync_id).start(INCREMENTAL if differences_url else FULL)
    db.session.refresh(sync)
    version = sync.row_version  # changes only if another worker takes the sync over
    try:
        with keep_alive(sync) as pulse:
            outcome = sync_memberships(
                course,
                full=differences_url is None,
                differences_url=differences_url,
                page_size=current_app.config["ROSTER_SYNC_PAGE_SIZE"],
                progress=_ProgressWriter(pulse),
            )
            sync.finish(
                kind=outcome.kind,
                pages_read=outcome.pages_read,
                members_seen=outcome.members_seen,
                added=outcome.added,
                updated=outcome.updated,
                left=outcome.left,
                differences_url=outcome.differences_url,
                skipped=outcome.skipped,
                skipped_reasons=outcome.skipped_reasons,
            )
            db.session.flush()  # a finish refused (declared lost meanwhile) raises here
    except REFUSED:
        discard()  # declared lost meanwhile: a newer sync owns the course now
        log.warning(
            "Roster sync %s was declared lost while its worker still ran; its work is discarded",
            sync_id,
        )
        return
    except PlatformServiceError as exc:
        _record_failure(sync_id, version, exc.message)
    except Exception:
        _record_failure(sync_id, version, UNEXPECTED)
        raise
    else:
        log.info(
            "Roster sync %s of course %s: %s, %d members, +%d ~%d -%d, %d skipped",
            sync_id,
            course.id,
            outcome.kind,
            outcome.members_seen,
            outcome.added,
            outcome.updated,
            outcome.left,
            outcome.skipped,
        )


def _record_failure(sync_id: int, version: int, message: str) -> None:
    discard()  # nothing of the roster is applied
    try:
        with separate_unit():  # the failure stands even when the job then raises
            sync = db.session.get(RosterSync, sync_id)
            if sync is not None and sync.row_version == version and not sync.is_finished:
                sync.fail(message)  # not when another worker took the sync over
    except REFUSED:  # declared lost meanwhile; that verdict stands
        pass
    log.warning("Roster sync %s failed: %s", sync_id, message)


class _ProgressWriter:
    """Reports pages read / members seen to the tracked job's side thread, which writes
    them with the heartbeat on its own connection (never the job's unit, which commits only at
    its end, and never ``row_version``, so the job's finish is not refused for it).

    Only during the read phase, while the job's unit has written nothing: the roster itself
    is written later, at the job's end."""

    def __init__(self, pulse: Pulse) -> None:
        self.pulse = pulse
        self.last = 0.0

    def __call__(self, pages_read: int, members_seen: int) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY_SECONDS:
            return
        self.last = now
        self.pulse.report(done=members_seen, pages_read=pages_read)


@periodic_job(lambda config: crontab(minute=f"*/{config['ROSTER_SYNC_CHECK_MINUTES']}"))
def schedule_roster_syncs() -> None:
    """Queue a sync for every course with an NRPS endpoint whose last one is too old, or
    failed more than ``ROSTER_SYNC_RETRY_FAILED_MINUTES`` ago (the LMS was down)."""
    config = current_app.config
    now = utcnow()
    due = courses_due_for_sync(
        synced_before=now - dt.timedelta(minutes=config["ROSTER_SYNC_EVERY_MINUTES"]),
        failed_before=now - dt.timedelta(minutes=config["ROSTER_SYNC_RETRY_FAILED_MINUTES"]),
    )
    for course in due:
        queue_roster_sync(course, trigger="schedule")
    if due:
        log.info("Queued scheduled roster syncs for %d course(s)", len(due))


def queue_roster_sync(
    course: Course, *, trigger: str, requested_by: Person | None = None, full: bool = False
) -> RosterSync:
    """A queued RosterSync now; its job is sent when the caller's transaction commits.

    While a sync of the course is already queued or running, that one is returned instead
    (a double-clicked "Sync now" runs once) — unless it was lost: never started, or its
    worker stopped. A lost sync is marked failed, saying so, and a new one replaces it."""
    if course.id is not None:
        last = pending_unless_lost(latest_sync(course))
        if last is not None:
            return last
    sync = new_sync(course, trigger=trigger, requested_by=requested_by, full=full)
    run_roster_sync.enqueue(sync.id)
    return sync


def queue_sync_after_launch(
    course: Course | None, person: Person, roles: list[str], *, max_age_minutes: int
) -> RosterSync | None:
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
        last = latest_sync(course) if course.id is not None else None
        if last is not None and last.is_pending:
            last = pending_unless_lost(last)
    cutoff = utcnow() - dt.timedelta(minutes=max_age_minutes)
    if last is not None and (not last.is_finished or last.created_at > cutoff):
        return None
    sync = new_sync(course, trigger="launch", requested_by=person)
    run_roster_sync.enqueue(sync.id)
    return sync
