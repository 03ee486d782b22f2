"""Retention: programs closed more than RETENTION_MONTHS ago lose their free text and the
people who took part only there are erased; newer programs are untouched; audited."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Flask

from lti_tool.core.audit import AuditEvent
from lti_tool.core.time import utcnow
from lti_tool.extensions import db
from lti_tool.jobs.queue import _REGISTRY
from lti_tool.matching.models import Pair, PairStatus, Profile
from lti_tool.privacy.retention import apply_retention
from lti_tool.roster.models import Person
from tests.matching.pairing_support import Learner, make_cohort


def _closed_cohort(closed_days_ago: int):
    cohort = make_cohort([Learner("ana", 1), Learner("ben", 5)])
    program = cohort.program
    ana, ben = cohort.id("ana"), cohort.id("ben")
    program.pairs.append(
        Pair(mentor_id=ana, mentee_id=ben, status=PairStatus.ENDED.value, end_reason="Over")
    )
    for profile in db.session.scalars(sa.select(Profile).where(Profile.program_id == program.id)):
        profile.goal_note = "Something personal"
    program.status = "closed"
    program.closed_at = utcnow() - dt.timedelta(days=closed_days_ago)
    db.session.flush()
    return cohort


def test_old_closed_programs_are_anonymised_and_new_ones_kept(app_ctx: None, app: Flask) -> None:
    old, recent = _closed_cohort(800), _closed_cohort(100)
    done = apply_retention(app.config["RETENTION_MONTHS"])
    assert old.program.id in done and recent.program.id not in done
    db.session.expire_all()
    assert old.program.anonymised_at is not None and recent.program.anonymised_at is None
    notes = {
        p.program_id: p.goal_note
        for p in db.session.scalars(
            sa.select(Profile).where(Profile.program_id.in_([old.program.id, recent.program.id]))
        )
    }
    assert notes == {old.program.id: None, recent.program.id: "Something personal"}
    old_pair = db.session.scalars(sa.select(Pair).where(Pair.program_id == old.program.id)).one()
    assert old_pair.end_reason is None and (old_pair.mentor_id, old_pair.mentee_id)
    # Learners only in the old program are erased; the recent program's keep their names.
    assert db.session.get(Person, old.id("ana")).is_erased
    assert db.session.get(Person, old.id("ana")).name is None
    assert db.session.get(Person, recent.id("ana")).name == "Ana"
    event = db.session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.action == "program.anonymised", AuditEvent.course_id == old.course.id
        )
    ).one()
    assert event.actor == "retention job" and event.details["retention_months"] == 24
    assert old.program.id not in apply_retention(24)  # done once


def test_the_retention_job_is_scheduled() -> None:
    job = _REGISTRY["lti_tool.privacy.tasks.apply_retention_job"]
    assert job.schedule is not None
