"""Lookups of demo LMS rows by the references that appear in URLs, claims and tests.

``get_*`` raise ``LookupError`` subclasses when missing; ``find_*`` return ``None``.
"""

from __future__ import annotations

import sqlalchemy as sa

from lti_tool.core.upsert import insert_or_get
from lti_tool.demo_lms.flavours import Flavour
from lti_tool.demo_lms.models import (
    DemoCourse,
    DemoEnrollment,
    DemoResourceLink,
    DemoSetting,
    DemoToolRegistration,
    DemoUser,
)
from lti_tool.extensions import db

PILOT_CONTEXT_ID = "RMP-2026"


class NotFoundInDemo(LookupError):
    """A user, course, activity or tool the demo LMS does not have."""


def subject_for(flavour: Flavour, user: DemoUser) -> str:
    """The user's ``sub`` (and login_hint) in ``flavour``: Moodle's numeric id or a uuid."""
    return str(user.id) if flavour.subject_style == "numeric" else user.uuid


def find_user_by_subject(flavour: Flavour, sub: str) -> DemoUser | None:
    if flavour.subject_style == "numeric":
        return db.session.get(DemoUser, int(sub)) if sub.isdigit() else None
    return db.session.scalars(sa.select(DemoUser).where(DemoUser.uuid == sub)).first()


def get_user(ref: str | int) -> DemoUser:
    """A user by username, uuid or numeric id."""
    text = str(ref)
    user = db.session.scalars(
        sa.select(DemoUser).where(sa.or_(DemoUser.username == text, DemoUser.uuid == text))
    ).first()
    if user is None and text.isdigit():
        user = db.session.get(DemoUser, int(text))
    if user is None:
        raise NotFoundInDemo(f"No demo user {ref!r}.")
    return user


def get_course(ref: str | int | None = None) -> DemoCourse:
    """A course by id or context id; the seeded pilot course when ``ref`` is None."""
    text = PILOT_CONTEXT_ID if ref is None else str(ref)
    course = db.session.scalars(sa.select(DemoCourse).where(DemoCourse.context_id == text)).first()
    if course is None and text.isdigit():
        course = db.session.get(DemoCourse, int(text))
    if course is None:
        raise NotFoundInDemo(f"No demo course {ref!r}; run `flask demo seed`.")
    return course


def get_registration(flavour: Flavour, client_id: str | None = None) -> DemoToolRegistration:
    """The tool registered in ``flavour`` with ``client_id``, or the newest one."""
    query = sa.select(DemoToolRegistration).where(DemoToolRegistration.flavour == flavour.name)
    if client_id:
        query = query.where(DemoToolRegistration.client_id == client_id)
    registration = db.session.scalars(query.order_by(DemoToolRegistration.id.desc())).first()
    if registration is None:
        raise NotFoundInDemo(
            f"No tool is registered in the {flavour.name} flavour"
            + (f" with client_id {client_id!r}." if client_id else ".")
        )
    return registration


def find_registration(flavour: Flavour, client_id: str) -> DemoToolRegistration | None:
    return db.session.scalars(
        sa.select(DemoToolRegistration).where(
            DemoToolRegistration.flavour == flavour.name,
            DemoToolRegistration.client_id == client_id,
        )
    ).first()


def list_registrations(flavour: Flavour) -> list[DemoToolRegistration]:
    return list(
        db.session.scalars(
            sa.select(DemoToolRegistration)
            .where(DemoToolRegistration.flavour == flavour.name)
            .order_by(DemoToolRegistration.id)
        )
    )


def get_resource_link(
    registration: DemoToolRegistration, course: DemoCourse, ref: str | int | None = None
) -> DemoResourceLink:
    """An activity of the registration in the course: by id or resource_link_id, else the first."""
    query = sa.select(DemoResourceLink).where(
        DemoResourceLink.registration_id == registration.id,
        DemoResourceLink.course_id == course.id,
    )
    if ref is not None:
        text = str(ref)
        condition = DemoResourceLink.resource_link_id == text
        if text.isdigit():
            condition = sa.or_(condition, DemoResourceLink.id == int(text))
        query = query.where(condition)
    link = db.session.scalars(query.order_by(DemoResourceLink.id)).first()
    if link is None:
        raise NotFoundInDemo(f"No activity {ref!r} of {registration.client_id} in this course.")
    return link


def find_enrollment(course: DemoCourse, user: DemoUser) -> DemoEnrollment | None:
    return db.session.scalars(
        sa.select(DemoEnrollment).where(
            DemoEnrollment.course_id == course.id, DemoEnrollment.user_id == user.id
        )
    ).first()


def get_setting(key: str, default: str | None = None) -> str | None:
    row = db.session.get(DemoSetting, key)
    return row.value if row else default


def set_setting(key: str, value: str) -> None:
    row = db.session.get(DemoSetting, key)
    if row is None:
        db.session.add(DemoSetting(key=key, value=value))
    else:
        row.value = value


def count_request(name: str) -> None:
    """Add one to the counter ``name`` (a setting holding a number), for every server process
    at once: tests read how often the tool called an endpoint (``jwks_counter_key``)."""
    insert_or_get(DemoSetting, {"key": name}, {"value": "0"})
    db.session.execute(
        sa.update(DemoSetting)
        .where(DemoSetting.key == name)
        .values(value=sa.cast(sa.cast(DemoSetting.value, sa.Integer) + 1, sa.String)),
        execution_options={"synchronize_session": False},
    )


def jwks_counter_key(flavour: str) -> str:
    return f"jwks_requests:{flavour}"
