"""Platforms (LMS registrations), their deployments, and the tool's own signing keys."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.core.time import UTCDateTime, utcnow
from lti_tool.errors import DomainError
from lti_tool.extensions import db


class PlatformStatus(enum.StrEnum):
    ACTIVE = "active"
    # Registered without an invite (open registration): no login or launch until approved.
    PENDING = "pending"
    REJECTED = "rejected"
    # Switched off by a tool admin: no login, launch or in-tool page until enabled again.
    DISABLED = "disabled"


class Platform(db.Model):
    """One registration of the tool in an LMS: an issuer with a client id."""

    __tablename__ = "platforms"
    __table_args__ = (sa.UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    issuer: Mapped[str] = mapped_column(sa.String(500))
    client_id: Mapped[str] = mapped_column(sa.String(255))
    auth_login_url: Mapped[str] = mapped_column(sa.String(1000))
    auth_token_url: Mapped[str] = mapped_column(sa.String(1000))
    key_set_url: Mapped[str] = mapped_column(sa.String(1000))
    # Some platforms (Moodle) want a different `aud` in the client assertion; None = token URL.
    auth_audience: Mapped[str | None] = mapped_column(sa.String(1000))
    product_family: Mapped[str | None] = mapped_column(sa.String(50))
    granted_scopes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    registered_by: Mapped[str] = mapped_column(sa.String(20), default="manual")
    status: Mapped[str] = mapped_column(
        sa.String(20), default=PlatformStatus.ACTIVE, server_default=PlatformStatus.ACTIVE.value
    )
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The platform's JWKS, cached for every worker; refreshed per Cache-Control.
    jwks_json: Mapped[dict | None] = mapped_column(sa.JSON)
    jwks_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Origins the LMS showed itself under in verified launches (CSP frame-ancestors, see
    # lti_tool/lti/framing.py); the endpoints' origins are added to these when used.
    frame_origins: Mapped[list[str] | None] = mapped_column(sa.JSON)

    deployments: Mapped[list[Deployment]] = relationship(
        back_populates="platform", cascade="all, delete-orphan", order_by="Deployment.id"
    )

    @property
    def is_active(self) -> bool:
        return self.status == PlatformStatus.ACTIVE

    def approve(self) -> None:
        if self.status == PlatformStatus.ACTIVE:
            raise DomainError(_("This LMS is already approved."))
        if self.status == PlatformStatus.DISABLED:
            raise DomainError(_("This LMS was approved and then disabled; enable it instead."))
        self.status = PlatformStatus.ACTIVE
        self.decided_at = utcnow()

    def reject(self) -> None:
        if self.status == PlatformStatus.REJECTED:
            raise DomainError(_("This LMS is already rejected."))
        self.status = PlatformStatus.REJECTED
        self.decided_at = utcnow()

    def disable(self) -> None:
        if self.status != PlatformStatus.ACTIVE:
            raise DomainError(
                _("Only an active LMS can be disabled; this one is %(status)s.", status=self.status)
            )
        self.status = PlatformStatus.DISABLED
        self.decided_at = utcnow()

    def enable(self) -> None:
        if self.status != PlatformStatus.DISABLED:
            raise DomainError(
                _("Only a disabled LMS can be enabled; this one is %(status)s.", status=self.status)
            )
        self.status = PlatformStatus.ACTIVE
        self.decided_at = utcnow()

    def __repr__(self) -> str:
        return f"<Platform {self.issuer} client={self.client_id}>"


class DeploymentStatus(enum.StrEnum):
    ACTIVE = "active"
    PENDING = "pending"
    REJECTED = "rejected"


class Deployment(db.Model):
    """A deployment id of a platform; launches from a pending one wait for an admin."""

    __tablename__ = "deployments"
    __table_args__ = (sa.UniqueConstraint("platform_id", "deployment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platforms.id", ondelete="CASCADE"))
    deployment_id: Mapped[str] = mapped_column(sa.String(255))
    status: Mapped[str] = mapped_column(sa.String(20), default=DeploymentStatus.ACTIVE)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    platform: Mapped[Platform] = relationship(back_populates="deployments")

    @property
    def is_active(self) -> bool:
        return self.status == DeploymentStatus.ACTIVE

    def approve(self) -> None:
        if self.status == DeploymentStatus.ACTIVE:
            raise DomainError(_("This deployment is already active."))
        self.status = DeploymentStatus.ACTIVE
        self.decided_at = utcnow()

    def reject(self) -> None:
        if self.status == DeploymentStatus.REJECTED:
            raise DomainError(_("This deployment is already rejected."))
        self.status = DeploymentStatus.REJECTED
        self.decided_at = utcnow()


class RegistrationInvite(db.Model):
    """A registration URL minted by a tool admin: single use, expiring, maybe for one issuer.

    Only a SHA-256 hash of the token is stored; the URL is shown once, when minted.
    """

    __tablename__ = "registration_invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # When set, only an LMS with exactly this issuer may register with the invite.
    issuer: Mapped[str | None] = mapped_column(sa.String(500))
    note: Mapped[str | None] = mapped_column(sa.String(200))
    created_by: Mapped[str] = mapped_column(sa.String(300))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    platform_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("platforms.id", ondelete="SET NULL")
    )

    platform: Mapped[Platform | None] = relationship()

    def is_expired(self, now: dt.datetime) -> bool:
        return self.expires_at <= now

    def __repr__(self) -> str:
        return f"<RegistrationInvite {self.id} issuer={self.issuer} used={self.used_at}>"


class ToolKey(db.Model):
    """An RSA key of the tool. The newest active key signs; retired keys stay published
    in the JWKS until ``published_until`` so tokens signed just before rotation verify."""

    __tablename__ = "tool_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(sa.String(64), unique=True)
    private_key_pem: Mapped[str] = mapped_column(sa.Text)
    public_jwk: Mapped[dict] = mapped_column(sa.JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    published_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_active(self) -> bool:
        return self.retired_at is None

    def is_published(self, now: dt.datetime) -> bool:
        return self.retired_at is None or (
            self.published_until is not None and self.published_until > now
        )

    def retire(self, grace: dt.timedelta) -> None:
        now = utcnow()
        self.retired_at = now
        self.published_until = now + grace

    def __repr__(self) -> str:
        return f"<ToolKey {self.kid} active={self.is_active}>"
