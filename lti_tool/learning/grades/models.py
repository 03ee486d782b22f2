"""The grade outbox, and the overall "path completion" gradebook column per course.

``GradeSend`` is one row per (course, line item, person): the value the gradebook should
hold. A newer value updates the row (``version`` goes up) instead of adding another, so
the newest value wins and one send is ever pending for a column and person.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.core.time import UTCDateTime, utcnow
from lti_tool.extensions import db
from lti_tool.learning.models import Path, Step
from lti_tool.roster.models import Course, Person


class SendState(StrEnum):
    PENDING = "pending"  # waiting for its next attempt (next_attempt_at)
    SENDING = "sending"  # claimed by a worker until lease_until
    SENT = "sent"  # the LMS accepted this version
    FAILED = "failed"  # the LMS refused it for good; "send again" makes it pending


class GradeSend(db.Model):
    """A score for the LMS gradebook: a graded step's, or the path completion's (``step_id``
    None). ``resource_id`` is the line item's stable ``resourceId``: the step's public id,
    or the path completion's."""

    __tablename__ = "grade_outbox"
    __table_args__ = (
        sa.UniqueConstraint("course_id", "resource_id", "person_id"),
        sa.Index("ix_grade_outbox_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"))
    path_id: Mapped[int] = mapped_column(sa.ForeignKey("paths.id", ondelete="CASCADE"), index=True)
    step_id: Mapped[int | None] = mapped_column(sa.ForeignKey("steps.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    resource_id: Mapped[str] = mapped_column(sa.String(64))
    score_given: Mapped[float] = mapped_column(sa.Float)
    score_maximum: Mapped[float] = mapped_column(sa.Float)
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)  # the completion time
    timestamp: Mapped[dt.datetime] = mapped_column(UTCDateTime)  # the score's, ms precision
    version: Mapped[int] = mapped_column(default=1)
    state: Mapped[str] = mapped_column(sa.String(10), default=SendState.PENDING.value)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A try ended without knowing whether the LMS applied it (timeout, dropped connection,
    # worker killed): the next try reads the LMS's result first instead of posting again.
    needs_check: Mapped[bool] = mapped_column(default=False)
    claim: Mapped[str | None] = mapped_column(sa.String(32))
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    course: Mapped[Course] = relationship()
    person: Mapped[Person] = relationship()
    step: Mapped[Step | None] = relationship()
    path: Mapped[Path] = relationship()


class PathLineItemLink(db.Model):
    """The path completion column of a path in a course (the steps' columns are
    ``LineItemLink``). Unique per (course, path), for the same reason."""

    __tablename__ = "path_line_item_links"
    __table_args__ = (sa.UniqueConstraint("course_id", "path_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"))
    path_id: Mapped[int] = mapped_column(sa.ForeignKey("paths.id", ondelete="CASCADE"), index=True)
    line_item_url: Mapped[str | None] = mapped_column(sa.String(1000))
    label: Mapped[str] = mapped_column(sa.String(200))
    score_maximum: Mapped[int]
    notice: Mapped[str | None] = mapped_column(sa.String(500))
    creating_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
