"""Program, its skill catalogue, intake Profiles, Pairs, vetoes and the do-not-pair list.

Each model owns its state: status changes are methods that raise ``DomainError`` when the
change is not allowed now. ``Program.matching_rules`` and ``Program.score_weights`` turn the
stored settings into the pure engine's ``MatchingRules`` and ``Weights``.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.core.time import UTCDateTime, utcnow
from lti_tool.errors import DomainError
from lti_tool.extensions import db
from lti_tool.matching.candidates import MatchingRules, PairIds, Weights
from lti_tool.roster.models import Course, Person

CASCADE = "all, delete-orphan"


def _require(thing: str, status: str, allowed: tuple[StrEnum, ...], change: str) -> None:
    """:raise DomainError: ``status`` is not one of ``allowed``."""
    if status not in allowed:
        names = " or ".join(a.value for a in allowed)
        raise DomainError(f"A {thing} can {change} only when {names}; this one is {status}.")


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


class PairStatus(StrEnum):
    PROPOSED = "proposed"
    LOCKED = "locked"
    ACTIVE = "active"
    ENDED = "ended"


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

    # Matching rules: see lti_tool.matching.candidates.MatchingRules.
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
            raise DomainError("This program is closed: its details can no longer change.")

    def ensure_rules_editable(self) -> None:
        """Rules, skills and the seniority source change only before pairs go live.

        :raise DomainError: the program is active or closed.
        """
        if self.status not in (ProgramStatus.DRAFT, ProgramStatus.MATCHING):
            raise DomainError(
                f"This program is {self.status}: its matching rules and skills are fixed.",
                hint="Create a new program to match people under other rules.",
            )

    def start_matching(self) -> None:
        """draft → matching: learners are asked for their intake profile from now on.

        :raise DomainError: not a draft, or the skill catalogue is empty.
        """
        _require("program", self.status, (ProgramStatus.DRAFT,), "start matching")
        if not self.skills:
            raise DomainError(
                "Add at least one skill to the catalogue before opening the intake.",
                hint="Learners choose the skills they offer and want from the catalogue.",
            )
        self.status = ProgramStatus.MATCHING.value
        self.matching_started_at = utcnow()

    def activate(self) -> None:
        """matching → active, once pairs are published.

        :raise DomainError: not matching, or no pair has been published yet.
        """
        _require("program", self.status, (ProgramStatus.MATCHING,), "become active")
        if not any(p.status == PairStatus.ACTIVE for p in self.pairs):
            raise DomainError(
                "Publish the pairs before starting the program.",
                hint="Review the proposed pairs, lock or veto them, then publish.",
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


class Profile(db.Model):
    """A person's intake profile in one program.

    A designer's CSV import or a custom claim may create the row with only seniority and
    department; ``submitted_at`` is set when the learner has answered the intake form.
    ``*_source`` says where seniority and department came from (a ``SenioritySource``).
    ``manager_id`` is the reporting line: the person this person reports to.
    """

    __tablename__ = "profiles"
    __table_args__ = (sa.UniqueConstraint("program_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("programs.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    seniority: Mapped[float | None] = mapped_column(sa.Float)
    seniority_source: Mapped[str | None] = mapped_column(sa.String(10))
    department: Mapped[str | None] = mapped_column(sa.String(100))
    department_source: Mapped[str | None] = mapped_column(sa.String(10))
    manager_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id", ondelete="SET NULL"))
    interests: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    goals: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    goal_note: Mapped[str | None] = mapped_column(sa.Text)
    languages: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    time_zone: Mapped[str | None] = mapped_column(sa.String(64))
    availability: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    availability_note: Mapped[str | None] = mapped_column(sa.String(500))
    open_to_other_department: Mapped[bool] = mapped_column(default=True)
    is_champion: Mapped[bool] = mapped_column(default=False)
    consents_to_share: Mapped[bool] = mapped_column(default=False)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    program: Mapped[Program] = relationship(back_populates="profiles")
    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    manager: Mapped[Person | None] = relationship(foreign_keys=[manager_id])
    skill_links: Mapped[list[ProfileSkill]] = relationship(
        back_populates="profile", cascade=CASCADE
    )

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    def _skill_names(self, direction: str) -> list[str]:
        return sorted(link.skill.name for link in self.skill_links if link.direction == direction)

    @property
    def skills_offered(self) -> list[str]:
        return self._skill_names("offered")

    @property
    def skills_wanted(self) -> list[str]:
        return self._skill_names("wanted")

    def set_seniority(self, value: float | None, source: SenioritySource) -> None:
        self.seniority = value
        self.seniority_source = source.value if value is not None else None

    def set_department(self, value: str | None, source: SenioritySource) -> None:
        self.department = value
        self.department_source = source.value if value is not None else None

    def submit(self) -> None:
        """The learner has answered the intake form.

        :raise DomainError: the program does not take intake profiles now.
        """
        if not self.program.is_taking_intake:
            raise DomainError("This program is not taking intake profiles at the moment.")
        self.submitted_at = utcnow()


class ProfileSkill(db.Model):
    """A skill a profile offers (``direction="offered"``) or wants (``"wanted"``)."""

    __tablename__ = "profile_skills"

    profile_id: Mapped[int] = mapped_column(
        sa.ForeignKey("profiles.id", ondelete="CASCADE"), primary_key=True
    )
    skill_id: Mapped[int] = mapped_column(
        sa.ForeignKey("skills.id", ondelete="CASCADE"), primary_key=True
    )
    direction: Mapped[str] = mapped_column(sa.String(10), primary_key=True)

    profile: Mapped[Profile] = relationship(back_populates="skill_links")
    skill: Mapped[Skill] = relationship(back_populates="profile_links")


class Pair(db.Model):
    """A mentor (the junior) and a mentee (the senior) in a program.

    ``breakdown`` maps each score factor to its points, ``explanation`` the same factor to a
    sentence; ``rules_passed``/``rules_broken`` are the engine's rule checks in words. A manual
    pair that breaks rules needs an ``override_reason``. Status: proposed → locked → active →
    ended (``unlock`` goes back from locked to proposed).
    """

    __tablename__ = "pairs"
    __table_args__ = (
        sa.CheckConstraint("mentor_id <> mentee_id", name="mentor_is_not_mentee"),
        sa.Index("ix_pairs_program_id_status", "program_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("programs.id", ondelete="CASCADE"))
    mentor_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    mentee_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[float] = mapped_column(sa.Float, default=0.0)
    breakdown: Mapped[dict[str, float]] = mapped_column(sa.JSON, default=dict)
    explanation: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    rules_passed: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    rules_broken: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    status: Mapped[str] = mapped_column(sa.String(20), default=PairStatus.PROPOSED.value)
    is_manual: Mapped[bool] = mapped_column(default=False)
    override_reason: Mapped[str | None] = mapped_column(sa.Text)
    needs_rematch: Mapped[bool] = mapped_column(default=False)
    end_reason: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    locked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    activated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    program: Mapped[Program] = relationship(back_populates="pairs")
    mentor: Mapped[Person] = relationship(foreign_keys=[mentor_id])
    mentee: Mapped[Person] = relationship(foreign_keys=[mentee_id])

    def ensure_justified(self) -> None:
        """:raise DomainError: the pair breaks rules and nobody wrote why it should stand."""
        if self.rules_broken and not (self.override_reason or "").strip():
            raise DomainError(
                "This pair breaks the program's rules: " + "; ".join(self.rules_broken),
                hint="Write why the pair should stand anyway, or choose another partner.",
            )

    def lock(self) -> None:
        """proposed → locked: the pair survives re-runs of the matching."""
        _require("pair", self.status, (PairStatus.PROPOSED,), "be locked")
        self.ensure_justified()
        self.status = PairStatus.LOCKED.value
        self.locked_at = utcnow()

    def unlock(self) -> None:
        _require("pair", self.status, (PairStatus.LOCKED,), "be unlocked")
        self.status = PairStatus.PROPOSED.value
        self.locked_at = None

    def activate(self) -> None:
        """proposed or locked → active: published to the two partners."""
        _require("pair", self.status, (PairStatus.PROPOSED, PairStatus.LOCKED), "be published")
        self.ensure_justified()
        self.status = PairStatus.ACTIVE.value
        self.activated_at = utcnow()

    def end(self, reason: str, *, needs_rematch: bool = False) -> None:
        """active → ended (a partner left, or the program is over); ``needs_rematch`` marks the
        pair whose remaining partner should get a new one."""
        _require("pair", self.status, (PairStatus.ACTIVE,), "end")
        self.status = PairStatus.ENDED.value
        self.ended_at = utcnow()
        self.end_reason = reason
        self.needs_rematch = needs_rematch


class PairVeto(db.Model):
    """A designer's "never propose this pair again" in a program; survives re-runs."""

    __tablename__ = "pair_vetoes"
    __table_args__ = (sa.UniqueConstraint("program_id", "mentor_id", "mentee_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("programs.id", ondelete="CASCADE"))
    mentor_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"))
    mentee_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"))
    reason: Mapped[str | None] = mapped_column(sa.String(500))
    vetoed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("people.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    program: Mapped[Program] = relationship(back_populates="vetoes")


class DoNotPair(db.Model):
    """Two people who must never be paired in a program, in either role.

    Stored with ``person_a_id < person_b_id`` so each couple appears once; build it with
    ``DoNotPair.between``.
    """

    __tablename__ = "do_not_pairs"
    __table_args__ = (
        sa.UniqueConstraint("program_id", "person_a_id", "person_b_id"),
        sa.CheckConstraint("person_a_id < person_b_id", name="ordered_people"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("programs.id", ondelete="CASCADE"))
    person_a_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"))
    person_b_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"))
    reason: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    program: Mapped[Program] = relationship(back_populates="do_not_pairs")
    person_a: Mapped[Person] = relationship(foreign_keys=[person_a_id])
    person_b: Mapped[Person] = relationship(foreign_keys=[person_b_id])

    @classmethod
    def between(cls, program: Program, a: int, b: int, reason: str | None = None) -> DoNotPair:
        """:raise DomainError: the two are the same person."""
        if a == b:
            raise DomainError("Choose two different people.")
        low, high = sorted((a, b))
        return cls(program=program, person_a_id=low, person_b_id=high, reason=reason)
