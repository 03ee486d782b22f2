"""Tables of the built-in demo LMS, all prefixed ``demo_``.

People and courses are shared by the three flavours (spec, moodle, canvas); keys, tool
registrations, activities, line items, scores and tokens belong to one flavour.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.core.time import UTCDateTime, utcnow
from lti_tool.extensions import db


class DemoSetting(db.Model):
    """Small key/value settings written by ``flask demo seed`` (e.g. the tool's URL)."""

    __tablename__ = "demo_settings"

    key: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    value: Mapped[str] = mapped_column(sa.Text)


class DemoPlatformKey(db.Model):
    """An RSA key of one flavour. The newest unretired key signs; every key stays published."""

    __tablename__ = "demo_platform_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    flavour: Mapped[str] = mapped_column(sa.String(20), index=True)
    kid: Mapped[str] = mapped_column(sa.String(64), unique=True)
    private_key_pem: Mapped[str] = mapped_column(sa.Text)
    public_jwk: Mapped[dict] = mapped_column(sa.JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<DemoPlatformKey {self.flavour} {self.kid}>"


class DemoUser(db.Model):
    """A person of the demo LMS, with the HR data the tool may read from custom claims."""

    __tablename__ = "demo_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(100), unique=True)
    # Opaque subject used by the spec and canvas flavours (moodle uses the numeric id).
    uuid: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str | None] = mapped_column(sa.String(255))
    given_name: Mapped[str | None] = mapped_column(sa.String(255))
    family_name: Mapped[str | None] = mapped_column(sa.String(255))
    email: Mapped[str | None] = mapped_column(sa.String(320))
    seniority_level: Mapped[int | None] = mapped_column(sa.Integer)
    years_experience: Mapped[int | None] = mapped_column(sa.Integer)
    department: Mapped[str | None] = mapped_column(sa.String(100))
    job_title: Mapped[str | None] = mapped_column(sa.String(200))

    @property
    def display_name(self) -> str:
        full = " ".join(p for p in (self.given_name, self.family_name) if p)
        return self.name or full or self.username


class DemoCourse(db.Model):
    __tablename__ = "demo_courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    title: Mapped[str] = mapped_column(sa.String(500))
    label: Mapped[str] = mapped_column(sa.String(255))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class DemoEnrollment(db.Model):
    """A user in a course with full LIS role URIs; ``updated_at`` drives NRPS differences."""

    __tablename__ = "demo_enrollments"
    __table_args__ = (sa.UniqueConstraint("course_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("demo_courses.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("demo_users.id", ondelete="CASCADE"))
    roles: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # NRPS status: Active, Inactive or Deleted (Deleted rows stay, for differences).
    status: Mapped[str] = mapped_column(sa.String(20), default="Active")
    updated_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, index=True
    )

    user: Mapped[DemoUser] = relationship()
    course: Mapped[DemoCourse] = relationship()


class DemoToolRegistration(db.Model):
    """A tool registered in one flavour (by Dynamic Registration): Moodle's "tool type"."""

    __tablename__ = "demo_tool_registrations"
    __table_args__ = (sa.UniqueConstraint("flavour", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    flavour: Mapped[str] = mapped_column(sa.String(20), index=True)
    client_id: Mapped[str] = mapped_column(sa.String(255))
    deployment_id: Mapped[str] = mapped_column(sa.String(255))
    name: Mapped[str] = mapped_column(sa.String(255))
    initiate_login_uri: Mapped[str] = mapped_column(sa.String(1000))
    target_link_uri: Mapped[str] = mapped_column(sa.String(1000))
    redirect_uris: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    jwks_uri: Mapped[str] = mapped_column(sa.String(1000))
    domain: Mapped[str | None] = mapped_column(sa.String(255))
    scopes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    claims: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    messages: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    custom_parameters: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # The registration document as the tool sent it, for the admin page.
    document: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    def deep_linking_target(self) -> str | None:
        """The tool's content-selection URL, or None when it offers no deep linking."""
        for message in self.messages:
            if message.get("type") == "LtiDeepLinkingRequest":
                return message.get("target_link_uri") or self.target_link_uri
        return None


class DemoRegistrationToken(db.Model):
    """A registration token handed to a tool; spent by one successful registration."""

    __tablename__ = "demo_registration_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    flavour: Mapped[str] = mapped_column(sa.String(20))
    # The JWT's ``sub``: the client_id the tool will get.
    subject: Mapped[str] = mapped_column(sa.String(255), unique=True)
    # Scopes the admin refuses to grant even when the tool asks (Canvas lets admins cut).
    withheld_scopes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # Moodle's ``reg-update``: the registered tool this token updates (None: a new tool).
    updates_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("demo_tool_registrations.id", ondelete="CASCADE")
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    updates: Mapped[DemoToolRegistration | None] = relationship()


class DemoResourceLink(db.Model):
    """An activity in a course that launches a tool."""

    __tablename__ = "demo_resource_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("demo_tool_registrations.id", ondelete="CASCADE"), index=True
    )
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("demo_courses.id", ondelete="CASCADE"))
    resource_link_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    title: Mapped[str] = mapped_column(sa.String(500))
    text: Mapped[str | None] = mapped_column(sa.Text)
    url: Mapped[str | None] = mapped_column(sa.String(1000))
    custom: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    registration: Mapped[DemoToolRegistration] = relationship()
    course: Mapped[DemoCourse] = relationship()


class DemoMessageHint(db.Model):
    """One launch the LMS started: binds user, course, activity and message type.

    The authorization endpoint trusts this row, and spends it (``used_at``) exactly once.
    """

    __tablename__ = "demo_message_hints"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    flavour: Mapped[str] = mapped_column(sa.String(20))
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("demo_tool_registrations.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("demo_users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("demo_courses.id", ondelete="CASCADE"))
    resource_link_pk: Mapped[int | None] = mapped_column(
        sa.ForeignKey("demo_resource_links.id", ondelete="CASCADE")
    )
    message_type: Mapped[str] = mapped_column(sa.String(100))
    # The user's language, sent as launch_presentation.locale (``?locale=`` on the launch page).
    locale: Mapped[str | None] = mapped_column(sa.String(35))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Deep linking: the nonce sent to the tool and when its response came back.
    nonce: Mapped[str | None] = mapped_column(sa.String(255))
    returned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    registration: Mapped[DemoToolRegistration] = relationship()
    user: Mapped[DemoUser] = relationship()
    course: Mapped[DemoCourse] = relationship()
    resource_link: Mapped[DemoResourceLink | None] = relationship()


class DemoAccessToken(db.Model):
    """An OAuth2 access token (stored as a SHA-256 hash) for the LTI Advantage services."""

    __tablename__ = "demo_access_tokens"
    __table_args__ = (sa.UniqueConstraint("registration_id", "assertion_jti"),)

    token_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("demo_tool_registrations.id", ondelete="CASCADE")
    )
    assertion_jti: Mapped[str] = mapped_column(sa.String(255))
    scopes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)

    registration: Mapped[DemoToolRegistration] = relationship()


class DemoLineItem(db.Model):
    """A gradebook column of one tool registration in one course."""

    __tablename__ = "demo_line_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("demo_tool_registrations.id", ondelete="CASCADE"), index=True
    )
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("demo_courses.id", ondelete="CASCADE"))
    resource_link_pk: Mapped[int | None] = mapped_column(
        sa.ForeignKey("demo_resource_links.id", ondelete="SET NULL")
    )
    label: Mapped[str] = mapped_column(sa.String(500))
    score_maximum: Mapped[float] = mapped_column(sa.Float)
    resource_id: Mapped[str | None] = mapped_column(sa.String(255))
    tag: Mapped[str | None] = mapped_column(sa.String(255))
    start_date_time: Mapped[str | None] = mapped_column(sa.String(64))
    end_date_time: Mapped[str | None] = mapped_column(sa.String(64))
    # "deep_link" or "api": Moodle lists API-created items without resourceLinkId.
    created_via: Mapped[str] = mapped_column(sa.String(20), default="api")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    resource_link: Mapped[DemoResourceLink | None] = relationship(lazy="joined")


class DemoScore(db.Model):
    """Every score a tool posted; results are derived from the latest graded one."""

    __tablename__ = "demo_scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("demo_line_items.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("demo_users.id", ondelete="CASCADE"))
    score_given: Mapped[float | None] = mapped_column(sa.Float)
    score_maximum: Mapped[float | None] = mapped_column(sa.Float)
    activity_progress: Mapped[str] = mapped_column(sa.String(30))
    grading_progress: Mapped[str] = mapped_column(sa.String(30))
    comment: Mapped[str | None] = mapped_column(sa.Text)
    timestamp: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    writes_grade: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    # "applied"; "duplicate" (same values and timestamp as the latest); "stale" (older
    # timestamp than the latest): how a test proves a grade arrived exactly once.
    counted_as: Mapped[str] = mapped_column(
        sa.String(20), default="applied", server_default="applied"
    )
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class DemoMail(db.Model):
    """A message the demo LMS's mail server received (``mail_server``): what the tool sent."""

    __tablename__ = "demo_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    mail_from: Mapped[str] = mapped_column(sa.String(320))
    recipients: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    subject: Mapped[str] = mapped_column(sa.String(500), default="")
    message_id: Mapped[str | None] = mapped_column(sa.String(300))
    text_body: Mapped[str] = mapped_column(sa.Text, default="")
    # [{"filename", "content_type", "content"}] for text attachments (calendar files).
    attachments: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
