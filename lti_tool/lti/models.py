"""Server-side launch state: OIDC state + nonce, resource links, and post-launch sessions."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.core.time import UTCDateTime, utcnow
from lti_tool.extensions import db
from lti_tool.platforms.models import Platform
from lti_tool.roster.models import Course, Person


class LaunchState(db.Model):
    """Issued at login initiation; consumed by exactly one launch.

    ``nonce`` is unique, so a replayed id_token (same nonce) can never be accepted twice.
    ``browser_binding`` is a hash of the cookie or platform-storage value given to the
    browser that started the login, so a state cannot be finished by another browser.
    """

    __tablename__ = "launch_states"

    state: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    nonce: Mapped[str] = mapped_column(sa.String(64), unique=True)
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platforms.id", ondelete="CASCADE"))
    browser_binding: Mapped[str] = mapped_column(sa.String(64))
    user_agent_hash: Mapped[str] = mapped_column(sa.String(64))
    storage_target: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    platform: Mapped[Platform] = relationship()


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
