"""LineItemLink: a step's gradebook column in one course."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.core.time import UTCDateTime, utcnow
from lti_tool.extensions import db
from lti_tool.learning.models.steps import Step
from lti_tool.roster.models import Course


class LineItemLink(db.Model):
    """The platform's line item (its URL, AGS ``id``) for a step in a course.

    Unique per (course, step): a second worker or a second click that tries to record
    another column for the same step fails on the constraint instead of making two columns
    (insert first, then create in the LMS, or re-read on ``IntegrityError``). ``label`` and
    ``score_maximum`` are what the LMS was last told, so an edit can say what will change.
    """

    __tablename__ = "line_item_links"
    __table_args__ = (sa.UniqueConstraint("course_id", "step_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"))
    step_id: Mapped[int] = mapped_column(sa.ForeignKey("steps.id", ondelete="CASCADE"), index=True)
    line_item_url: Mapped[str | None] = mapped_column(sa.String(1000))
    label: Mapped[str] = mapped_column(sa.String(200))
    score_maximum: Mapped[int]
    # Told to the designer: e.g. the column was deleted in the LMS and made again.
    notice: Mapped[str | None] = mapped_column(sa.String(500))
    # While in the future, one worker is finding or creating the column in the LMS.
    creating_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    course: Mapped[Course] = relationship()
    step: Mapped[Step] = relationship()
