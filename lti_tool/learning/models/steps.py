"""Step: one thing a pair does on its path, with its kind, audience, due offset and points."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.core.time import UTCDateTime, utcnow
from lti_tool.extensions import db
from lti_tool.learning.models.paths import Path

if TYPE_CHECKING:
    from lti_tool.learning.models.surveys import SurveyQuestion


class StepKind(StrEnum):
    MODULE = "module"  # content, completed by the learner's acknowledgement
    AGREEMENT = "agreement"  # complete when both partners signed the same version
    MEETING = "meeting"  # complete for both when the other partner confirms the log
    REFLECTION = "reflection"  # a short text, private unless shared with the partner
    SURVEY = "survey"  # Likert 1–5 and free-text questions
    MILESTONE = "milestone"  # completes itself when the steps before it are complete

    @property
    def is_joint(self) -> bool:
        """Done together by the two partners (so always for both roles)."""
        return self in (StepKind.AGREEMENT, StepKind.MEETING, StepKind.MILESTONE)


class Audience(StrEnum):
    MENTORS = "mentors"
    MENTEES = "mentees"
    BOTH = "both"

    def includes(self, role: str) -> bool:
        """``role`` is "mentor" or "mentee"."""
        return self == Audience.BOTH or self.value == f"{role}s"


def new_public_id() -> str:
    return uuid.uuid4().hex


class Step(db.Model):
    """A step of a path.

    ``public_id`` is stable for the step's life: it is the AGS line item's ``resourceId`` and
    the deep-linked resource link's ``custom.step_id``. ``version`` goes up with every edit of
    what the learner reads or signs (title, instructions, content, starters, questions), so an
    agreement signature names the text it was given for. ``content`` is Markdown (a module's
    body, an agreement's terms, a meeting's or reflection's preamble); ``starters`` are a
    meeting's discussion starters. The due date is the program's start plus
    ``due_offset_days``; ``points`` 0 means not graded.
    """

    __tablename__ = "steps"
    __table_args__ = (
        sa.CheckConstraint("points >= 0", name="points_not_negative"),
        sa.CheckConstraint("due_offset_days >= 0", name="offset_not_negative"),
        sa.Index(None, "path_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    path_id: Mapped[int] = mapped_column(sa.ForeignKey("paths.id", ondelete="CASCADE"))
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_public_id)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(sa.String(20))
    title: Mapped[str] = mapped_column(sa.String(200))
    instructions: Mapped[str] = mapped_column(sa.Text, default="")
    content: Mapped[str] = mapped_column(sa.Text, default="")
    starters: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    due_offset_days: Mapped[int] = mapped_column(default=0)
    points: Mapped[int] = mapped_column(default=0)
    audience: Mapped[str] = mapped_column(sa.String(10), default=Audience.BOTH.value)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    path: Mapped[Path] = relationship(back_populates="steps")
    questions: Mapped[list[SurveyQuestion]] = relationship(
        back_populates="step",
        cascade="all, delete-orphan",
        order_by="[SurveyQuestion.position, SurveyQuestion.id]",
    )

    @property
    def step_kind(self) -> StepKind:
        return StepKind(self.kind)

    @property
    def is_graded(self) -> bool:
        return self.points > 0

    def is_for(self, role: str) -> bool:
        """Whether a "mentor" or a "mentee" takes this step."""
        return Audience(self.audience).includes(role)

    def due_on(self, starts_on: dt.date) -> dt.date:
        return starts_on + dt.timedelta(days=self.due_offset_days)
