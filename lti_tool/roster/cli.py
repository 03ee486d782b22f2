"""``flask roster …``: list courses, sync a course's members over NRPS."""

from __future__ import annotations

import click
import sqlalchemy as sa

from lti_tool.core.transaction import CommandGroup, separate_unit
from lti_tool.extensions import db
from lti_tool.roster.models import Course, Membership, RosterSync
from lti_tool.roster.sync import new_sync
from lti_tool.roster.tasks import queue_roster_sync, run_roster_sync

roster_cli = CommandGroup("roster", help="Course rosters, kept in step with the LMS over NRPS.")


@roster_cli.command("courses")
def courses_command() -> None:
    """Courses the tool knows, with their active members."""
    active = (
        sa.select(Membership.course_id, sa.func.count().label("n"))
        .where(Membership.status == Membership.ACTIVE)
        .group_by(Membership.course_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Course, sa.func.coalesce(active.c.n, 0))
        .outerjoin(active, active.c.course_id == Course.id)
        .order_by(Course.id)
    )
    for course, members in rows:
        nrps = "NRPS" if course.memberships_url else "no NRPS"
        click.echo(f"{course.id}  {course.title or course.context_id}  {members} active  ({nrps})")


@roster_cli.command("sync")
@click.argument("course_id", type=int)
@click.option(
    "--full",
    is_flag=True,
    help="Read every member, even when the LMS offers an incremental (differences) read.",
)
@click.option(
    "--queue",
    "use_queue",
    is_flag=True,
    help="Leave the sync to `flask worker` instead of running it here.",
)
def sync_command(course_id: int, full: bool, use_queue: bool) -> None:
    """Sync COURSE_ID's members from the LMS (see `flask roster courses`)."""
    course = db.session.get(Course, course_id)
    if course is None:
        raise click.ClickException(f"No course {course_id}; see `flask roster courses`.")
    if use_queue:
        sync = queue_roster_sync(course, trigger="cli", full=full)  # sent after the commit
        click.echo(f"Roster sync {sync.id} is {sync.status}; `flask worker` runs it.")
        return
    # Run here, not sent to the queue: the sync is committed first (a unit of its own), then
    # the job runs in its own unit, as a worker would run it.
    with separate_unit():
        sync_id = new_sync(db.session.get(Course, course_id), trigger="cli", full=full).id
    run_roster_sync(sync_id)
    sync = db.session.get(RosterSync, sync_id)
    if sync.status == RosterSync.FAILED:
        raise click.ClickException(f"Roster sync failed, nothing changed: {sync.error}")
    click.echo(
        f"Roster sync {sync.id} ({sync.kind}): {sync.members_seen} members read in "
        f"{sync.pages_read} page(s); {sync.members_added} joined, "
        f"{sync.members_updated} updated, {sync.members_left} left."
    )
