"""Keeping Course, Person and Membership in step with what the platform tells us."""

from __future__ import annotations

import sqlalchemy as sa

from lti_tool.extensions import db
from lti_tool.platforms.models import Platform
from lti_tool.roster.models import Course, Membership, Person

PERSON_FIELDS = ("name", "given_name", "family_name", "email")


def upsert_person(issuer: str, sub: str, details: dict) -> Person:
    """The person with this issuer + sub; names and email are updated only when shared,
    so a launch with less personal data never erases what an earlier one gave."""
    person = db.session.scalars(
        sa.select(Person).where(Person.issuer == issuer, Person.sub == sub)
    ).first()
    if person is None:
        person = Person(issuer=issuer, sub=sub)
        db.session.add(person)
    for field in PERSON_FIELDS:
        value = details.get(field)
        if isinstance(value, str) and value.strip() and getattr(person, field) != value.strip():
            setattr(person, field, value.strip())
    return person


def upsert_course(platform: Platform, context: dict, *, memberships_url: str | None,
                  lineitems_url: str | None) -> Course:
    course = db.session.scalars(
        sa.select(Course).where(
            Course.platform_id == platform.id, Course.context_id == str(context["id"])
        )
    ).first()
    if course is None:
        course = Course(platform_id=platform.id, context_id=str(context["id"]))
        db.session.add(course)
    for attr, value in (
        ("title", context.get("title")),
        ("label", context.get("label")),
        ("memberships_url", memberships_url),
        ("lineitems_url", lineitems_url),
    ):
        if value and getattr(course, attr) != value:
            setattr(course, attr, value)
    return course


def upsert_membership(course: Course, person: Person, roles: list[str]) -> Membership:
    membership = None
    if course.id is not None and person.id is not None:
        membership = db.session.scalars(
            sa.select(Membership).where(
                Membership.course_id == course.id, Membership.person_id == person.id
            )
        ).first()
    if membership is None:
        membership = Membership(course=course, person=person)
        db.session.add(membership)
    if membership.roles != roles:
        membership.roles = roles
    if membership.status != "Active":
        membership.status = "Active"
    return membership
