"""The database's own ``ondelete`` rules hold, on SQLite (foreign keys switched on for every
connection) as on PostgreSQL: deleting a row with plain SQL takes its dependants with it."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask

from lti_tool.core.time import utcnow
from lti_tool.extensions import db
from lti_tool.platforms.models import Platform, RegistrationInvite
from lti_tool.roster.models import Course, Membership, Person


@pytest.fixture
def course(app: Flask) -> Iterator[Course]:
    with app.app_context():
        issuer = f"https://cascade-{secrets.token_hex(4)}.example"
        platform = Platform(
            name="Cascade LMS",
            issuer=issuer,
            client_id="c",
            auth_login_url="https://x/login",
            auth_token_url="https://x/token",
            key_set_url="https://x/jwks",
        )
        course = Course(platform=platform, context_id="ctx")
        people = [Person(issuer=issuer, sub=f"s{n}") for n in range(3)]
        course.memberships = [Membership(person=p, roles=["Learner"]) for p in people]
        invite = RegistrationInvite(
            token_hash=secrets.token_hex(32),
            created_by="test",
            expires_at=utcnow() + dt.timedelta(days=1),
            platform=platform,
        )
        db.session.add_all([course, invite])
        db.session.commit()
        yield course
        db.session.rollback()
        db.session.execute(sa.delete(RegistrationInvite).where(RegistrationInvite.id == invite.id))
        db.session.execute(sa.delete(Platform).where(Platform.issuer == issuer))
        db.session.execute(sa.delete(Person).where(Person.issuer == issuer))
        db.session.commit()


def count(model: type, **where: object) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).filter_by(**where))


def test_deleting_a_course_deletes_its_memberships(course: Course) -> None:
    course_id = course.id
    assert count(Membership, course_id=course_id) == 3
    db.session.execute(sa.delete(Course).where(Course.id == course_id))
    db.session.commit()
    assert count(Membership, course_id=course_id) == 0


def test_deleting_a_person_deletes_their_memberships(course: Course) -> None:
    person_id = db.session.scalars(
        sa.select(Membership.person_id).filter_by(course_id=course.id)
    ).first()
    db.session.execute(sa.delete(Person).where(Person.id == person_id))
    db.session.commit()
    assert count(Membership, course_id=course.id) == 2


def test_deleting_a_platform_cascades_and_sets_null(course: Course) -> None:
    course_id, platform_id = course.id, course.platform_id
    invite_id = db.session.scalars(
        sa.select(RegistrationInvite.id).filter_by(platform_id=platform_id)
    ).one()
    db.session.execute(sa.delete(Platform).where(Platform.id == platform_id))
    db.session.commit()
    assert count(Course, id=course_id) == 0 and count(Membership, course_id=course_id) == 0
    assert (
        db.session.scalar(  # the invite stays, pointing at no platform (SET NULL)
            sa.select(RegistrationInvite.platform_id).filter_by(id=invite_id)
        )
        is None
    )
    assert count(RegistrationInvite, id=invite_id) == 1


def test_a_row_pointing_nowhere_is_refused(course: Course) -> None:
    db.session.add(Membership(course_id=course.id, person_id=2_000_000_000, roles=[]))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
