"""MeetingLog: one partner's record of a check-in, confirmed or declined by the other."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.core.time import UTCDateTime, utcnow
from lti_tool.errors import DomainError
from lti_tool.extensions import db
from lti_tool.learning.models.steps import Step


class MeetingStatus(StrEnum):
    LOGGED = "logged"  # waiting for the other partner
    CONFIRMED = "confirmed"
    DECLINED = "declined"


class MeetingLog(db.Model):
    """``shared_notes`` are for both partners; ``private_notes`` only ever for
    ``logged_by`` — never for the partner, never for the designer. ``topics`` are the
    discussion starters (or other topics) the pair covered."""

    __tablename__ = "meeting_logs"
    __table_args__ = (
        sa.CheckConstraint("duration_minutes > 0", name="duration_positive"),
        sa.Index(None, "pair_id", "step_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(sa.ForeignKey("pairs.id", ondelete="CASCADE"))
    step_id: Mapped[int] = mapped_column(sa.ForeignKey("steps.id", ondelete="CASCADE"), index=True)
    logged_by_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"))
    met_on: Mapped[dt.date] = mapped_column(sa.Date)
    duration_minutes: Mapped[int]
    topics: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    shared_notes: Mapped[str] = mapped_column(sa.Text, default="")
    private_notes: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(20), default=MeetingStatus.LOGGED.value)
    responded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("people.id", ondelete="SET NULL")
    )
    decline_reason: Mapped[str | None] = mapped_column(sa.String(1000))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    responded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    step: Mapped[Step] = relationship()

    def _respond(self, person_id: int, status: MeetingStatus) -> None:
        if self.status != MeetingStatus.LOGGED:
            raise DomainError(f"This meeting was already {self.status}.")
        if person_id == self.logged_by_id:
            raise DomainError(
                "Your partner confirms the meeting you logged, not you.",
                hint="They will see it waiting for their confirmation.",
            )
        self.status = status.value
        self.responded_by_id = person_id
        self.responded_at = utcnow()

    def confirm(self, person_id: int) -> None:
        """logged → confirmed by the partner who did not log it.

        :raise DomainError: already answered, or ``person_id`` logged it.
        """
        self._respond(person_id, MeetingStatus.CONFIRMED)

    def decline(self, person_id: int, reason: str) -> None:
        """logged → declined by the other partner, who says why.

        :raise DomainError: no reason, already answered, or ``person_id`` logged it.
        """
        reason = reason.strip()
        if not reason:
            raise DomainError("Say why you decline this meeting log, so your partner can fix it.")
        self._respond(person_id, MeetingStatus.DECLINED)
        self.decline_reason = reason[:1000]
