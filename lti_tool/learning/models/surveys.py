"""Survey questions, responses and answers, kept as data for the evaluation reports."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.core.time import UTCDateTime, utcnow
from lti_tool.extensions import db
from lti_tool.learning.models.steps import Step

LIKERT_MIN, LIKERT_MAX = 1, 5


class QuestionKind(StrEnum):
    LIKERT = "likert"  # 1 (strongly disagree) … 5 (strongly agree)
    TEXT = "text"


class SurveyQuestion(db.Model):
    """A question of a survey step. ``measure`` names what it measures for the evaluation
    (e.g. "satisfaction", "knowledge_transfer"), so reports can group answers across
    surveys and programs."""

    __tablename__ = "survey_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    step_id: Mapped[int] = mapped_column(sa.ForeignKey("steps.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(sa.String(10))
    prompt: Mapped[str] = mapped_column(sa.String(500))
    measure: Mapped[str | None] = mapped_column(sa.String(50))
    is_required: Mapped[bool] = mapped_column(default=True)

    step: Mapped[Step] = relationship(back_populates="questions")


class SurveyResponse(db.Model):
    """One person's answers to a survey step (one response per person and step)."""

    __tablename__ = "survey_responses"
    __table_args__ = (sa.UniqueConstraint("step_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    step_id: Mapped[int] = mapped_column(sa.ForeignKey("steps.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"))
    pair_id: Mapped[int | None] = mapped_column(sa.ForeignKey("pairs.id", ondelete="SET NULL"))
    # "mentor" or "mentee" when answering: reports compare the two sides.
    role: Mapped[str] = mapped_column(sa.String(10))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    answers: Mapped[list[SurveyAnswer]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )


class SurveyAnswer(db.Model):
    __tablename__ = "survey_answers"
    __table_args__ = (
        sa.UniqueConstraint("response_id", "question_id"),
        sa.CheckConstraint(
            f"likert IS NULL OR (likert >= {LIKERT_MIN} AND likert <= {LIKERT_MAX})",
            name="likert_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_responses.id", ondelete="CASCADE")
    )
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_questions.id", ondelete="CASCADE"), index=True
    )
    likert: Mapped[int | None]
    text: Mapped[str | None] = mapped_column(sa.Text)

    response: Mapped[SurveyResponse] = relationship(back_populates="answers")
