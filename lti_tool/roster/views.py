"""The designer's roster page: the course's members, its syncs, and "Sync now" with progress.

Every view is for designers of the launch's own course: the course comes from the launch,
never from the URL, and a sync id of another course is answered 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, abort, jsonify, redirect, render_template, request, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _

from lti_tool.core.auth import launch_required
from lti_tool.core.i18n import N_, translate
from lti_tool.core.roles import Audience, short_role_names
from lti_tool.core.time import utcnow
from lti_tool.extensions import db
from lti_tool.jobs.tracked import Limits, clock
from lti_tool.roster.launches import LaunchSession
from lti_tool.roster.models import Course, Membership, Person, RosterSync
from lti_tool.roster.sync import FULL, latest_sync
from lti_tool.roster.tasks import queue_roster_sync

bp = Blueprint("roster", __name__)
PAGE_SIZE = 100
STATUS_ORDER = sa.case(
    {Membership.ACTIVE: 0, Membership.INACTIVE: 1}, value=Membership.status, else_=2
)
# A membership status as the page shows it: (caption, badge tone).
MEMBER_STATUS = {
    Membership.ACTIVE: (N_("Active"), "ok"),
    Membership.INACTIVE: (N_("Inactive"), "warn"),
    Membership.DELETED: (N_("Deleted"), "danger"),
}


@bp.get("/s/<launch_id>/roster")
@launch_required(Audience.DESIGNER)
def roster(launch: LaunchSession) -> str:
    """The course's members (100 a page, active first) and its latest sync.

    :raise SessionExpired: unknown or expired launch.
    :raise AccessDenied: the launch is not a designer's.
    :raise NotFound: the launch has no course.
    """
    course = _course_of(launch)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    counts = _status_counts(course)
    total = sum(counts.values())
    rows = db.session.execute(
        sa.select(Person, Membership.roles, Membership.status)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.course_id == course.id)
        .order_by(
            STATUS_ORDER,
            sa.func.lower(
                sa.func.coalesce(Person.family_name, Person.name, Person.email, Person.sub)
            ),
            Person.id,
        )
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    members = [
        {
            "name": person.display_name,
            "email": person.email,
            "roles": ", ".join(short_role_names(roles)) or "—",
            "status": translate(MEMBER_STATUS[status][0]) if status in MEMBER_STATUS else status,
            "tone": MEMBER_STATUS.get(status, ("", "danger"))[1],
        }
        for person, roles, status in rows
    ]
    last = latest_sync(course)
    return render_template(
        "roster/roster.html",
        launch_id=launch.id,
        course_title=course.title,
        members=members,
        active=counts.get(Membership.ACTIVE, 0),
        inactive=counts.get(Membership.INACTIVE, 0),
        deleted=counts.get(Membership.DELETED, 0),
        total=total,
        page=page,
        pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        first_row=(page - 1) * PAGE_SIZE + 1,
        has_nrps=bool(course.memberships_url),
        last_sync=sync_summary(last, course, launch) if last else None,
    )


@bp.post("/s/<launch_id>/roster/sync")
@launch_required(Audience.DESIGNER)
def sync_now(launch: LaunchSession) -> Response:
    """Queue a sync of the course (a full one with ``full=1``) and show its progress.

    :raise SessionExpired: unknown or expired launch.
    :raise AccessDenied: not a designer, or no valid CSRF token.
    :raise NotFound: the launch has no course.
    """
    course = _course_of(launch)
    sync = queue_roster_sync(
        course, trigger="manual", requested_by=launch.person, full=request.form.get("full") == "1"
    )
    return redirect(url_for(".sync_progress", launch_id=launch.id, sync_id=sync.id), code=303)


@bp.get("/s/<launch_id>/roster/syncs/<int:sync_id>/progress")
@launch_required(Audience.DESIGNER)
def sync_progress(launch: LaunchSession, sync_id: int) -> str:
    """A sync's progress: a script polls the status endpoint; without scripts the page
    reloads itself until the sync has finished.

    :raise NotFound: no such sync in this launch's course.
    """
    course = _course_of(launch)
    sync = _sync_of(course, sync_id)
    return render_template(
        "roster/sync.html",
        launch_id=launch.id,
        course_title=course.title,
        sync=sync_summary(sync, course, launch),
    )


@bp.get("/s/<launch_id>/roster/syncs/<int:sync_id>")
@launch_required(Audience.DESIGNER)
def sync_status(launch: LaunchSession, sync_id: int) -> Response:
    """A sync's status as JSON, for the progress page's polling.

    :raise NotFound: no such sync in this launch's course.
    """
    course = _course_of(launch)
    response = jsonify(sync_summary(_sync_of(course, sync_id), course, launch))
    response.headers["Cache-Control"] = "no-store"
    return response


def _course_of(launch: LaunchSession) -> Course:
    if launch.course is None:
        abort(404, description=_("This launch did not come from a course, so it has no roster."))
    return launch.course


def _sync_of(course: Course, sync_id: int) -> RosterSync:
    sync = db.session.get(RosterSync, sync_id)
    if sync is None or sync.course_id != course.id:
        abort(404, description=_("There is no such roster sync in this course."))
    return sync


def _status_counts(course: Course) -> dict[str, int]:
    counts = dict.fromkeys(Membership.STATUSES, 0)
    for status, count in db.session.execute(
        sa.select(Membership.status, sa.func.count())
        .where(Membership.course_id == course.id)
        .group_by(Membership.status)
    ):
        counts[status] = counts.get(status, 0) + count
    return counts


def sync_summary(sync: RosterSync, course: Course, launch: LaunchSession) -> dict[str, Any]:
    """What the pages and the status endpoint show of a sync: plain, precomputed values."""
    expected = None
    if sync.status == RosterSync.RUNNING and sync.kind == FULL:
        active = (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(Membership)
                .where(Membership.course_id == course.id, Membership.status == Membership.ACTIVE)
            )
            or 0
        )
        # The last known roster size; unknown (an indeterminate bar) on a first sync.
        expected = active if active >= max(sync.members_seen, 2) else None
    elif sync.status == RosterSync.DONE:
        expected = sync.members_seen
    return {
        "id": sync.id,
        "status": sync.status,
        "finished": sync.is_finished,
        "kind": sync.kind,
        "trigger": sync.trigger,
        "created_at": _iso(sync.created_at),
        "started_at": _iso(sync.started_at),
        "finished_at": _iso(sync.finished_at),
        "pages_read": sync.pages_read,
        "members_seen": sync.members_seen,
        "members_expected": expected,
        "members_added": sync.members_added,
        "members_updated": sync.members_updated,
        "members_left": sync.members_left,
        "members_skipped": sync.members_skipped,
        "skipped_reasons": list(sync.skipped_reasons or []),
        "heartbeat_at": _iso(sync.heartbeat_at),
        "error": sync.error,
        "message": _message(sync),
        "when": _when(sync.finished_at or sync.started_at or sync.created_at),
        "status_url": url_for(".sync_status", launch_id=launch.id, sync_id=sync.id),
        "progress_url": url_for(".sync_progress", launch_id=launch.id, sync_id=sync.id),
    }


def _message(sync: RosterSync) -> str:
    if sync.status == RosterSync.QUEUED:
        if sync.created_at < utcnow() - dt.timedelta(minutes=1):
            return _(
                "Still waiting for the background worker. If this lasts, ask your "
                "administrator to check that the tool's worker (flask worker) is running."
            )
        return _("Waiting for the background worker to start the sync…")
    if sync.status == RosterSync.RUNNING:
        now = utcnow()
        silent = sync.silent_since(now, Limits.from_config())
        if silent is not None:
            return _(
                "The worker running this sync has shown no sign of life since %(since)s. "
                "Click Sync now on the roster page to start a new sync.",
                since=clock(silent, now),
            )
        return _(
            "Reading the member list from your LMS: %(members)s members so far (%(pages)s pages)…",
            members=format_decimal(sync.members_seen),
            pages=format_decimal(sync.pages_read),
        )
    if sync.status == RosterSync.DONE:
        counts = {
            "seen": format_decimal(sync.members_seen),
            "joined": format_decimal(sync.members_added),
            "updated": format_decimal(sync.members_updated),
            "left": format_decimal(sync.members_left),
        }
        if sync.kind == "incremental":
            message = _(
                "Roster synced. Changes read: %(seen)s; joined: %(joined)s, updated: "
                "%(updated)s, left: %(left)s.",
                **counts,
            )
        else:
            message = _(
                "Roster synced. Members read: %(seen)s; joined: %(joined)s, updated: "
                "%(updated)s, left: %(left)s.",
                **counts,
            )
        if sync.members_skipped:
            message += " " + ngettext(
                "Skipped %(num)s unusable entry of your LMS's list: %(reasons)s.",
                "Skipped %(num)s unusable entries of your LMS's list: %(reasons)s.",
                sync.members_skipped,
                reasons="; ".join(sync.skipped_reasons or []),
            )
        return message
    return _("The sync failed and changed nothing. %(error)s", error=sync.error or "").strip()


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _when(moment: dt.datetime) -> str:
    return _("%(time)s UTC", time=moment.strftime("%Y-%m-%d %H:%M"))
