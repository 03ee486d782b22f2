"""Program (status, rules and weights) and its skill catalogue."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.core.time import UTCDateTime, utcnow
from lti_tool.errors import DomainError
from lti_tool.extensions import db
from lti_tool.matching.engine.candidates import MatchingRules, PairIds, Weights
from lti_tool.roster.models import Course

if TYPE_CHECKING:  # resolved by SQLAlchemy's class registry at run time
    from lti_tool.matching.models.pairs import DoNotPair, Pair, PairVeto
    from lti_tool.matching.models.profiles import Profile, ProfileSkill

CASCADE = "all, delete-orphan"


def _require(thing: str, status: str, allowed: tuple[StrEnum, ...], change: str) -> None:
    """:raise DomainError: ``status`` is not one of ``allowed``."""
    if status not in allowed:
        names = " or ".join(a.value for a in allowed)
        raise DomainError(
            _(
                "A %(thing)s can %(change)s only when %(names)s; this one is %(status)s.",
                thing=thing,
                change=change,
                names=names,
                status=status,
            )
        )


class ProgramStatus(StrEnum):
    DRAFT = "draft"
    MATCHING = "matching"
    ACTIVE = "active"
    CLOSED = "closed"


class SenioritySource(StrEnum):
    """Where seniority and department come from: the learner, the designer's CSV, or a claim."""

    PROFILE = "profile"
    CSV = "csv"
    CLAIM = "claim"


def default_weights() -> dict[str, float]:
    return Weights().as_dict()


class Program(db.Model):
    """A reverse-mentoring program in a course, with its matching rules and score weights.

    ``goals`` is a list of ``{"goal": …, "metric": …}``: each organisational goal with the
    success metric that shows it was reached. ``weights`` maps each ``Weights`` field to points.
    """

    __tablename__ = "programs"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    purpose: Mapped[str] = mapped_column(sa.Text)
    goals: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    starts_on: Mapped[dt.date] = mapped_column(sa.Date)
    length_months: Mapped[int] = mapped_column(default=6)
    cadence: Mapped[str] = mapped_column(sa.String(20), default="monthly")
    is_pilot: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(sa.String(20), default=ProgramStatus.DRAFT.value)

    # Matching rules: see lti_tool.matching.engine.candidates.MatchingRules.
    seniority_unit: Mapped[str] = mapped_column(sa.String(10), default="levels")
    seniority_source: Mapped[str] = mapped_column(
        sa.String(10), default=SenioritySource.PROFILE.value
    )
    seniority_claim: Mapped[str] = mapped_column(sa.String(100), default="seniority_level")
    department_claim: Mapped[str] = mapped_column(sa.String(100), default="department")
    min_seniority_gap: Mapped[float] = mapped_column(sa.Float, default=1.0)
    exclude_same_department: Mapped[bool] = mapped_column(default=False)
    respect_department_preference: Mapped[bool] = mapped_column(default=True)
    exclude_same_reporting_line: Mapped[bool] = mapped_column(default=True)
    require_shared_language: Mapped[bool] = mapped_column(default=True)
    max_timezone_gap_hours: Mapped[float | None] = mapped_column(sa.Float)
    mentor_capacity: Mapped[int] = mapped_column(default=1)
    objective: Mapped[str] = mapped_column(sa.String(20), default="total")
    weights: Mapped[dict[str, float]] = mapped_column(sa.JSON, default=default_weights)

    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    matching_started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    activated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Set when the retention job anonymised the closed program (privacy/retention.py).
    anonymised_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    course: Mapped[Course] = relationship()
    skills: Mapped[list[Skill]] = relationship(
        back_populates="program", cascade=CASCADE, order_by="[Skill.position, Skill.id]"
    )
    profiles: Mapped[list[Profile]] = relationship(back_populates="program", cascade=CASCADE)
    pairs: Mapped[list[Pair]] = relationship(back_populates="program", cascade=CASCADE)
    vetoes: Mapped[list[PairVeto]] = relationship(back_populates="program", cascade=CASCADE)
    do_not_pairs: Mapped[list[DoNotPair]] = relationship(
        back_populates="program", cascade=CASCADE, order_by="DoNotPair.id"
    )

    @property
    def is_taking_intake(self) -> bool:
        """Learners fill their intake profile while the program is matching or active."""
        return self.status in (ProgramStatus.MATCHING, ProgramStatus.ACTIVE)

    @property
    def ends_on(self) -> dt.date:
        """The start date plus the program's length, on the same day of the month (or the
        month's last day when it is shorter)."""
        months = self.starts_on.month - 1 + self.length_months
        year, month = self.starts_on.year + months // 12, months % 12 + 1
        last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
        return dt.date(year, month, min(self.starts_on.day, last))

    def ensure_editable(self) -> None:
        """:raise DomainError: the program is closed."""
        if self.status == ProgramStatus.CLOSED:
            raise DomainError(_("This program is closed: its details can no longer change."))

    def ensure_rules_editable(self) -> None:
        """Rules, skills and the seniority source change only before pairs go live.

        :raise DomainError: the program is active or closed.
        """
        if self.status not in (ProgramStatus.DRAFT, ProgramStatus.MATCHING):
            raise DomainError(
                _(
                    "This program is %(status)s: its matching rules and skills are fixed.",
                    status=self.status,
                ),
                hint=_("Create a new program to match people under other rules."),
            )

    def start_matching(self) -> None:
        """draft → matching: learners are asked for their intake profile from now on.

        :raise DomainError: not a draft, or the skill catalogue is empty.
        """
        _require("program", self.status, (ProgramStatus.DRAFT,), "start matching")
        if not self.skills:
            raise DomainError(
                _("Add at least one skill to the catalogue before opening the intake."),
                hint=_("Learners choose the skills they offer and want from the catalogue."),
            )
        self.status = ProgramStatus.MATCHING.value
        self.matching_started_at = utcnow()

    def activate(self) -> None:
        """matching → active, once pairs are published.

        :raise DomainError: not matching, or no pair has been published yet.
        """
        from lti_tool.matching.models.pairs import PairStatus  # pairs imports this module

        _require("program", self.status, (ProgramStatus.MATCHING,), "become active")
        if not any(p.status == PairStatus.ACTIVE for p in self.pairs):
            raise DomainError(
                _("Publish the pairs before starting the program."),
                hint=_("Review the proposed pairs, lock or veto them, then publish."),
            )
        self.status = ProgramStatus.ACTIVE.value
        self.activated_at = utcnow()

    def close(self) -> None:
        """active → closed: the program has ended; its data stays for the reports.

        :raise DomainError: the program is not active.
        """
        _require("program", self.status, (ProgramStatus.ACTIVE,), "be closed")
        self.status = ProgramStatus.CLOSED.value
        self.closed_at = utcnow()

    def score_weights(self) -> Weights:
        defaults = Weights().as_dict()
        return Weights(**{k: float((self.weights or {}).get(k, v)) for k, v in defaults.items()})

    def matching_rules(
        self,
        previous_pairs: PairIds = frozenset(),
        locked_pairs: PairIds = frozenset(),
    ) -> MatchingRules:
        """The engine's rules: stored settings, the do-not-pair list and the vetoes, plus the
        previous and locked pairs the caller knows (``(mentor_id, mentee_id)``)."""
        return MatchingRules(
            min_seniority_gap=self.min_seniority_gap,
            seniority_unit=self.seniority_unit,
            exclude_same_department=self.exclude_same_department,
            respect_department_preference=self.respect_department_preference,
            exclude_same_reporting_line=self.exclude_same_reporting_line,
            require_shared_language=self.require_shared_language,
            max_timezone_gap_hours=self.max_timezone_gap_hours,
            mentor_capacity=self.mentor_capacity,
            previous_pairs=previous_pairs,
            do_not_pair=frozenset((d.person_a_id, d.person_b_id) for d in self.do_not_pairs),
            vetoed_pairs=frozenset((v.mentor_id, v.mentee_id) for v in self.vetoes),
            locked_pairs=locked_pairs,
            objective=self.objective,
        )


class Skill(db.Model):
    """One entry of a program's skill catalogue: ``kind`` is ``digital`` (what juniors bring)
    or ``business`` (what seniors give back)."""

    __tablename__ = "skills"
    __table_args__ = (sa.UniqueConstraint("program_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("programs.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(100))
    kind: Mapped[str] = mapped_column(sa.String(20), default="digital")
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    program: Mapped[Program] = relationship(back_populates="skills")
    profile_links: Mapped[list[ProfileSkill]] = relationship(
        back_populates="skill", cascade=CASCADE
    )
