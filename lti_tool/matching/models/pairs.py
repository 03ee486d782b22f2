"""Pairs, vetoed pairs and the do-not-pair list."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.core.time import UTCDateTime, utcnow
from lti_tool.errors import DomainError
from lti_tool.extensions import db
from lti_tool.matching.models.programs import Program, _require
from lti_tool.roster.models import Person


class PairStatus(StrEnum):
    PROPOSED = "proposed"
    LOCKED = "locked"
    ACTIVE = "active"
    ENDED = "ended"


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
                _(
                    "This pair breaks the program's rules: %(rules)s",
                    rules="; ".join(self.rules_broken),
                ),
                hint=_("Write why the pair should stand anyway, or choose another partner."),
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
            raise DomainError(_("Choose two different people."))
        low, high = sorted((a, b))
        return cls(program=program, person_a_id=low, person_b_id=high, reason=reason)
