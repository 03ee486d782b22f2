"""A partner's proposed meeting time, offered to both partners as a calendar file."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.core.time import UTCDateTime, utcnow
from lti_tool.extensions import db
from lti_tool.matching.models.pairs import Pair


def new_calendar_uid() -> str:
    return f"{uuid.uuid4()}@reciprocal"


class MeetingProposal(db.Model):
    """One partner proposes when the pair meets: ``starts_at`` in UTC, shown and exported in
    ``time_zone`` (the IANA zone the proposer chose). ``uid`` is the calendar event's UID, so
    a calendar that imports the file twice keeps one event."""

    __tablename__ = "meeting_proposals"
    __table_args__ = (sa.Index(None, "pair_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(sa.ForeignKey("pairs.id", ondelete="CASCADE"))
    proposed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"))
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int] = mapped_column(default=60)
    time_zone: Mapped[str] = mapped_column(sa.String(64))
    uid: Mapped[str] = mapped_column(sa.String(100), unique=True, default=new_calendar_uid)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    pair: Mapped[Pair] = relationship()

    @property
    def ends_at(self) -> dt.datetime:
        return self.starts_at + dt.timedelta(minutes=self.duration_minutes)
