"""Completion: a person has completed a step (what the gradebook hears about)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.core.time import UTCDateTime, utcnow
from lti_tool.extensions import db
from lti_tool.learning.models.steps import Step
from lti_tool.roster.models import Person


class Completion(db.Model):
    """One per (step, person): the score the LMS gets is per person and line item, so a
    person rematched mid-program keeps what they completed. ``pair_id`` records the pair it
    was completed in (for joint steps, the pair whose agreement or meeting it was)."""

    __tablename__ = "completions"
    __table_args__ = (sa.UniqueConstraint("step_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    step_id: Mapped[int] = mapped_column(sa.ForeignKey("steps.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    pair_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("pairs.id", ondelete="SET NULL"), index=True
    )
    completed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    step: Mapped[Step] = relationship()
    person: Mapped[Person] = relationship()
