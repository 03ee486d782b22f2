"""Intake profiles and the skills they offer or want."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.core.time import UTCDateTime, utcnow
from lti_tool.errors import DomainError
from lti_tool.extensions import db
from lti_tool.matching.models.programs import CASCADE, Program, SenioritySource, Skill
from lti_tool.roster.models import Person


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
            raise DomainError(_("This program is not taking intake profiles at the moment."))
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
