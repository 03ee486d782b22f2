"""Reflection: a learner's short written reflection on a step."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.core.time import UTCDateTime, utcnow
from lti_tool.extensions import db
from lti_tool.learning.models.steps import Step


class Reflection(db.Model):
    """Private to its author unless ``is_shared`` (then the partner of ``pair_id`` reads
    it too); the designer sees only that it was written."""

    __tablename__ = "reflections"
    __table_args__ = (sa.UniqueConstraint("step_id", "author_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    step_id: Mapped[int] = mapped_column(sa.ForeignKey("steps.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"))
    pair_id: Mapped[int | None] = mapped_column(sa.ForeignKey("pairs.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(sa.Text)
    is_shared: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    step: Mapped[Step] = relationship()
