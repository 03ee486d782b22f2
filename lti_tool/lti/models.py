"""Server-side login state: the OIDC state + nonce a launch must present.

What a launch establishes (``LaunchSession``, ``ResourceLink``) lives in ``roster.launches``.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.core.time import UTCDateTime, utcnow
from lti_tool.extensions import db
from lti_tool.platforms.models import Platform


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
