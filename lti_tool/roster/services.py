"""Keeping Course, Person and Membership in step with what the platform tells us."""

from __future__ import annotations

from lti_tool.core.upsert import insert_or_get
from lti_tool.platforms.models import Platform
from lti_tool.roster.models import Course, Membership, Person

PERSON_FIELDS = ("name", "given_name", "family_name", "email")


def upsert_person(found: Person | None, issuer: str, sub: str, details: dict) -> Person:
    """``found`` (the person with this issuer + sub, looked up by the caller) or a new one;
    names and email are updated only when shared, so a launch with less personal data never
    erases what an earlier one gave. A new one is inserted at once, race-safe
    (``insert_or_get``): concurrent first launches of a person all get the one row."""
    shared = {
        field: value.strip()
        for field in PERSON_FIELDS
        if isinstance(value := details.get(field), str) and value.strip()
    }
    person = found or insert_or_get(Person, {"issuer": issuer, "sub": sub}, shared)
    for field, value in shared.items():
        if getattr(person, field) != value:
            setattr(person, field, value)
    return person


def upsert_course(
    found: Course | None,
    platform: Platform,
    context: dict,
    *,
    memberships_url: str | None,
    lineitems_url: str | None,
) -> Course:
    """``found`` (the platform's course with this context id) or a new one, kept current.
    A new one is inserted at once, race-safe: a whole class may open a new course together."""
    given = {
        attr: value
        for attr, value in (
            ("title", context.get("title")),
            ("label", context.get("label")),
            ("memberships_url", memberships_url),
            ("lineitems_url", lineitems_url),
        )
        if value
    }
    course = found or insert_or_get(
        Course, {"platform_id": platform.id, "context_id": str(context["id"])}, given
    )
    for attr, value in given.items():
        if getattr(course, attr) != value:
            setattr(course, attr, value)
    return course


def upsert_membership(
    found: Membership | None, course: Course, person: Person, roles: list[str]
) -> Membership:
    """``found`` (the person's membership of the course) or a new one (inserted at once,
    race-safe), active, with ``roles``."""
    membership = found or insert_or_get(
        Membership,
        {"course_id": course.id, "person_id": person.id},
        {"roles": roles, "status": Membership.ACTIVE},
    )
    if membership.roles != roles:
        membership.roles = roles
    if membership.status != "Active":
        membership.status = "Active"
    return membership
