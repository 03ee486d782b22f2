"""After a valid launch: record who launched from where, and open a launch session.

The launch session's opaque id travels in the tool's URLs (``/s/<id>/…``), so in-tool
navigation never depends on a third-party cookie.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from functools import cache

import sqlalchemy as sa

from lti_tool.core.lti_spec import AGS_CLAIM, CLAIM, DL_CLAIM, NRPS_CLAIM
from lti_tool.core.time import utcnow
from lti_tool.core.upsert import insert_or_get
from lti_tool.extensions import db
from lti_tool.lti.framing import record_launch_origins
from lti_tool.platforms.models import Platform
from lti_tool.roster.launches import LaunchSession, ResourceLink
from lti_tool.roster.models import Course, Membership, Person
from lti_tool.roster.services import upsert_course, upsert_membership, upsert_person
from lti_tool.roster.signals import launch_established

# Claims later pages may need; everything else in the token is dropped.
KEPT_CLAIMS = (
    CLAIM + "context",
    CLAIM + "resource_link",
    CLAIM + "launch_presentation",
    CLAIM + "custom",
    CLAIM + "tool_platform",
    CLAIM + "target_link_uri",
    NRPS_CLAIM,
    AGS_CLAIM,
    DL_CLAIM,
)


@dataclass(frozen=True)
class EstablishedLaunch:
    """The launch session just opened, with the records it points to."""

    id: str
    message_type: str
    roles: list[str]
    person: Person
    course: Course | None


def establish_launch(platform: Platform, claims: dict, ttl_seconds: int) -> EstablishedLaunch:
    """Upsert Person, Course, Membership and ResourceLink from the claims and open a session.

    Only new or changed records go through the ORM's flush; the session row, written on
    every launch, is a plain insert.
    """
    with db.session.no_autoflush:  # look everything up before the first write
        return _establish(platform, claims, ttl_seconds)


def _establish(platform: Platform, claims: dict, ttl_seconds: int) -> EstablishedLaunch:
    roles = [r for r in claims.get(CLAIM + "roles", []) if isinstance(r, str)]
    context = claims.get(CLAIM + "context")
    if not (isinstance(context, dict) and context.get("id")):
        context = None
    link = claims.get(CLAIM + "resource_link") if context else None
    if not (isinstance(link, dict) and link.get("id")):
        link = None
    sub = str(claims["sub"])
    known = _known_records(platform, sub, context, link)
    person = upsert_person(known.person, platform.issuer, sub, claims)
    course = None
    resource_link = None
    if context is not None:
        nrps = claims.get(NRPS_CLAIM) or {}
        ags = claims.get(AGS_CLAIM) or {}
        course = upsert_course(
            known.course,
            platform,
            context,
            memberships_url=nrps.get("context_memberships_url"),
            lineitems_url=ags.get("lineitems"),
        )
        upsert_membership(known.membership, course, person, roles)
        if link is not None:
            resource_link = upsert_resource_link(known.resource_link, course, link)
    record_launch_origins(platform, claims)  # who may frame the tool: new origins only
    db.session.flush()  # a no-op unless a record is new or changed
    launch = EstablishedLaunch(
        id=secrets.token_urlsafe(32),
        message_type=claims[CLAIM + "message_type"],
        roles=roles,
        person=person,
        course=course,
    )
    now = utcnow()
    db.session.execute(
        _insert_session(),
        {
            "id": launch.id,
            "platform_id": platform.id,
            "deployment_id": str(claims[CLAIM + "deployment_id"]),
            "person_id": person.id,
            "course_id": course.id if course else None,
            "resource_link_pk": resource_link.id if resource_link else None,
            "message_type": launch.message_type,
            "roles": roles,
            "claims": {k: claims[k] for k in KEPT_CLAIMS if k in claims},
            "created_at": now,
            "expires_at": now + dt.timedelta(seconds=ttl_seconds),
        },
    )
    if course is not None:  # e.g. a learner's claim values refresh their profiles
        launch_established.send(
            course.id,
            person_id=person.id,
            roles=roles,
            message_type=launch.message_type,
            custom=claims.get(CLAIM + "custom"),
        )
    return launch


@cache
def _insert_session() -> sa.Insert:
    return sa.insert(LaunchSession.__table__)


@dataclass(frozen=True)
class KnownRecords:
    """What the tool already holds about a launch's person, course and link (None: new)."""

    person: Person | None
    course: Course | None
    membership: Membership | None
    resource_link: ResourceLink | None


@cache
def _known_records_query() -> sa.Select:
    """One query for all four records, outer-joined from the platform's row (which exists)."""
    return (
        sa.select(Person, Course, Membership, ResourceLink)
        .select_from(Platform)
        .outerjoin(
            Person, sa.and_(Person.issuer == Platform.issuer, Person.sub == sa.bindparam("sub"))
        )
        .outerjoin(
            Course,
            sa.and_(
                Course.platform_id == Platform.id, Course.context_id == sa.bindparam("context_id")
            ),
        )
        .outerjoin(
            Membership,
            sa.and_(Membership.course_id == Course.id, Membership.person_id == Person.id),
        )
        .outerjoin(
            ResourceLink,
            sa.and_(
                ResourceLink.course_id == Course.id,
                ResourceLink.resource_link_id == sa.bindparam("link_id"),
            ),
        )
        .where(Platform.id == sa.bindparam("platform_id"))
    )


def _known_records(
    platform: Platform, sub: str, context: dict | None, link: dict | None
) -> KnownRecords:
    row = db.session.execute(
        _known_records_query(),
        {
            "platform_id": platform.id,
            "sub": sub,
            "context_id": str(context["id"]) if context else None,
            "link_id": str(link["id"]) if link else None,
        },
    ).first()
    return KnownRecords(*row) if row is not None else KnownRecords(None, None, None, None)


def upsert_resource_link(found: ResourceLink | None, course: Course, link: dict) -> ResourceLink:
    """``found`` or a new link of the course (inserted at once, race-safe), kept current."""
    resource_link = found or insert_or_get(
        ResourceLink,
        {"course_id": course.id, "resource_link_id": str(link["id"])},
        {"title": link.get("title") or None, "description": link.get("description") or None},
    )
    if link.get("title") and resource_link.title != link["title"]:
        resource_link.title = link["title"]
    if link.get("description") and resource_link.description != link["description"]:
        resource_link.description = link["description"]
    return resource_link
