"""ViewerTimeZone: the time zone a person's browser reported, for people without a profile."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.core.time import UTCDateTime, utcnow
from lti_tool.extensions import db


class ViewerTimeZone(db.Model):
    """The IANA zone a person's browser reported (designers have no intake profile to say
    it). Pages show dates in it; a learner's profile zone comes first."""

    __tablename__ = "viewer_time_zones"

    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    time_zone: Mapped[str] = mapped_column(sa.String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
