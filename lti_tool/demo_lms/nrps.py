"""Names and Role Provisioning Service 2.0: course memberships with paging and differences.

Paging is ``limit`` + ``from`` with ``Link: <…>; rel="next"``. The last page carries
``rel="differences"``: a URL with ``since=<snapshot>`` that lists only members changed after
the first page was read, including ``Inactive`` and ``Deleted`` ones.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from lti_tool.demo_lms.directory import subject_for
from lti_tool.demo_lms.flavours import LTI, Flavour
from lti_tool.demo_lms.launches import privacy
from lti_tool.demo_lms.models import DemoCourse, DemoEnrollment, DemoToolRegistration, DemoUser
from lti_tool.demo_lms.paging import Page
from lti_tool.extensions import db

MEDIA_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"


def to_micros(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


def from_micros(value: str) -> dt.datetime:
    return dt.datetime.fromtimestamp(int(value) / 1_000_000, dt.UTC)


def role_uri(role: str) -> str:
    """A role filter as a full URI: ``Learner`` → ``…/membership#Learner``."""
    return role if "://" in role else f"{LTI}/membership#{role}"


def list_members(
    course: DemoCourse, page: Page, *, since: dt.datetime | None = None, role: str | None = None
) -> tuple[list[tuple[DemoEnrollment, DemoUser]], bool]:
    """One page of enrollments (with users) and whether more follow.

    Without ``since`` deleted members are left out; with it, only members changed after it.
    """
    query = (
        sa.select(DemoEnrollment, DemoUser)
        .join(DemoUser, DemoUser.id == DemoEnrollment.user_id)
        .where(DemoEnrollment.course_id == course.id)
        .order_by(DemoEnrollment.id)
        .offset(page.offset)
    )
    if since is None:
        query = query.where(DemoEnrollment.status != "Deleted")
    else:
        query = query.where(DemoEnrollment.updated_at > since)
    if role:
        query = query.where(sa.cast(DemoEnrollment.roles, sa.Text).contains(f'"{role_uri(role)}"'))
    if page.limit is not None:
        query = query.limit(page.limit + 1)
    rows = [(e, u) for e, u in db.session.execute(query)]
    has_more = page.limit is not None and len(rows) > page.limit
    return rows[: page.limit] if has_more else rows, has_more


def member_json(
    flavour: Flavour,
    registration: DemoToolRegistration,
    enrollment: DemoEnrollment,
    user: DemoUser,
) -> dict[str, Any]:
    """A member as the flavour shows it: PII per the registration's privacy settings."""
    roles = flavour.roles(enrollment.roles)
    member: dict[str, Any] = {
        "status": enrollment.status,
        "user_id": subject_for(flavour, user),
        "roles": [r.rsplit("#", 1)[-1] for r in roles] if flavour.nrps_short_roles else roles,
        "lis_person_sourcedid": f"SIS-{user.id:05d}",
    }
    send_name, send_email = privacy(flavour, registration)
    if send_name:
        full = " ".join(p for p in (user.given_name, user.family_name) if p)
        member.update(
            name=user.name or full or None, given_name=user.given_name, family_name=user.family_name
        )
    if send_email:
        member["email"] = user.email
    if flavour.nrps_short_roles:  # Moodle
        member["ext_user_username"] = user.username
    return {k: v for k, v in member.items() if v is not None}
