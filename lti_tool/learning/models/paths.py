"""Path: a program's ordered steps (one Path per Program)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.core.time import UTCDateTime, utcnow
from lti_tool.extensions import db
from lti_tool.matching.models import Program

if TYPE_CHECKING:
    from lti_tool.learning.models.steps import Step


class Path(db.Model):
    """The learning path a program's pairs follow; ``template_key`` names the template it was
    cloned from (``None`` for a path built from scratch)."""

    __tablename__ = "paths"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programs.id", ondelete="CASCADE"), unique=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    template_key: Mapped[str | None] = mapped_column(sa.String(100))
    # Days past the program's meeting cadence before a pair without a confirmed meeting is
    # flagged at risk on the designer's progress page.
    at_risk_grace_days: Mapped[int] = mapped_column(default=7, server_default="7")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    program: Mapped[Program] = relationship()
    # A path is read and edited with its steps (an aggregate): they load with it.
    steps: Mapped[list[Step]] = relationship(
        back_populates="path",
        cascade="all, delete-orphan",
        order_by="[Step.position, Step.id]",
        lazy="selectin",
    )
