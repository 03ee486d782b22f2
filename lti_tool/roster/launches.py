"""What a launch establishes: a person in a course, reached through a resource link.

``lti`` creates these rows (``lti.sessions.establish_launch``); every page after the launch
loads one with ``get_launch_session``. They live in ``roster`` because they are roster facts —
who is in which course, from which link — so roster, matching, learning and home can read them
without importing the launch code.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship

from lti_tool.core.time import UTCDateTime, utcnow
from lti_tool.errors import SessionExpired
from lti_tool.extensions import db
from lti_tool.platforms.models import Platform
from lti_tool.platforms.services import check_platform_active
from lti_tool.roster.models import Course, Person


class ResourceLink(db.Model):
    __tablename__ = "resource_links"
    __table_args__ = (sa.UniqueConstraint("course_id", "resource_link_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"))
    resource_link_id: Mapped[str] = mapped_column(sa.String(255))
    title: Mapped[str | None] = mapped_column(sa.String(500))
    description: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    course: Mapped[Course] = relationship()


class LaunchSession(db.Model):
    """What a validated launch established, addressed by an opaque id carried in tool URLs,
    so that no page after the launch depends on a (third-party) cookie."""

    __tablename__ = "launch_sessions"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platforms.id", ondelete="CASCADE"))
    deployment_id: Mapped[str] = mapped_column(sa.String(255))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"))
    course_id: Mapped[int | None] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"))
    resource_link_pk: Mapped[int | None] = mapped_column(
        sa.ForeignKey("resource_links.id", ondelete="SET NULL")
    )
    message_type: Mapped[str] = mapped_column(sa.String(100))
    roles: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # Claims later pages need (deep-linking settings, service endpoints); never the raw token.
    claims: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    # A deep-linking launch signs one response: set when it is sent (lti/deep_linking.py).
    deep_link_answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    platform: Mapped[Platform] = relationship()
    person: Mapped[Person] = relationship()
    course: Mapped[Course | None] = relationship()
    resource_link: Mapped[ResourceLink | None] = relationship()


def get_launch_session(launch_id: str) -> LaunchSession:
    """The launch with who, where and from which platform, in one query.

    :raise SessionExpired: unknown or expired launch id.
    :raise LaunchError: (403) its platform has been disabled (or rejected) since.
    """
    session = None
    if launch_id:
        session = db.session.scalars(_launch_session_query(), {"launch_id": launch_id}).first()
    if session is None or session.expires_at < utcnow():
        raise SessionExpired(_("This page belongs to a launch that has ended or never existed."))
    check_platform_active(session.platform)  # disabled (or rejected) since this launch
    return session


@cache
def _launch_session_query() -> sa.Select:
    # Built once: every page of the tool runs it.
    return (
        sa.select(LaunchSession)
        .where(LaunchSession.id == sa.bindparam("launch_id"))
        .options(
            joinedload(LaunchSession.person),
            joinedload(LaunchSession.course),
            joinedload(LaunchSession.resource_link),
            joinedload(LaunchSession.platform),
        )
    )
