"""Keeping Course, Person and Membership in step with what the platform tells us."""

from __future__ import annotations

from lti_tool.extensions import db
from lti_tool.platforms.models import Platform
from lti_tool.roster.models import Course, Membership, Person

PERSON_FIELDS = ("name", "given_name", "family_name", "email")


def upsert_person(found: Person | None, issuer: str, sub: str, details: dict) -> Person:
    """``found`` (the person with this issuer + sub, looked up by the caller) or a new one;
    names and email are updated only when shared, so a launch with less personal data never
    erases what an earlier one gave."""
    person = found
    if person is None:
        person = Person(issuer=issuer, sub=sub)
        db.session.add(person)
    for field in PERSON_FIELDS:
        value = details.get(field)
        if isinstance(value, str) and value.strip() and getattr(person, field) != value.strip():
            setattr(person, field, value.strip())
    return person


def upsert_course(
    found: Course | None,
    platform: Platform,
    context: dict,
    *,
    memberships_url: str | None,
    lineitems_url: str | None,
) -> Course:
    """``found`` (the platform's course with this context id) or a new one, kept current."""
    course = found
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


def upsert_membership(
    found: Membership | None, course: Course, person: Person, roles: list[str]
) -> Membership:
    """``found`` (the person's membership of the course) or a new one, active, with ``roles``."""
    membership = found
    if membership is None:
        membership = Membership(course=course, person=person)
        db.session.add(membership)
    if membership.roles != roles:
        membership.roles = roles
    if membership.status != "Active":
        membership.status = "Active"
    return membership
