"""MatchingRun: one run of the matching engine on a program, and what it left unmatched.

A run is queued (a big cohort goes through the job queue), running, done or failed. A finished
run keeps, for every person it left without a partner, the rule that left them out, in words —
the pairs themselves are ``Pair`` rows.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from lti_tool.core.time import UTCDateTime, utcnow
from lti_tool.errors import DomainError
from lti_tool.extensions import db
from lti_tool.matching.models.programs import Program


class RunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class RunKind(StrEnum):
    MATCH = "match"  # propose pairs for everyone, keeping locked pairs
    REMATCH = "rematch"  # new partners only for the people a leaver left alone


class MatchingRun(db.Model):
    """One run of the engine on a program.

    ``unmatched`` is a list of ``{"person_id", "side", "reason"}``: ``side`` is ``mentor``,
    ``mentee`` or empty for someone who could not take part (no profile yet, say). ``notes``
    are sentences about what the run changed besides proposing pairs.
    """

    __tablename__ = "matching_runs"
    __table_args__ = (sa.Index(None, "program_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("programs.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(20), default=RunKind.MATCH.value)
    status: Mapped[str] = mapped_column(sa.String(20), default=RunStatus.QUEUED.value)
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("people.id", ondelete="SET NULL")
    )
    people_count: Mapped[int] = mapped_column(default=0)
    pair_count: Mapped[int] = mapped_column(default=0)
    total_score: Mapped[float | None] = mapped_column(sa.Float)
    objective: Mapped[str | None] = mapped_column(sa.String(20))
    unmatched: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    notes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    # The backref lets the ORM delete a program's runs with it (SQLite does not enforce the
    # foreign key's ON DELETE CASCADE).
    program: Mapped[Program] = relationship(
        backref=backref("matching_runs", cascade="all, delete-orphan", lazy="raise_on_sql")
    )

    @property
    def is_pending(self) -> bool:
        return self.status in (RunStatus.QUEUED, RunStatus.RUNNING)

    def start(self) -> None:
        """queued → running.

        :raise DomainError: the run has already started.
        """
        if self.status != RunStatus.QUEUED:
            raise DomainError(f"This matching run is already {self.status}.")
        self.status = RunStatus.RUNNING.value
        self.started_at = utcnow()

    def finish(
        self,
        *,
        people_count: int,
        pair_count: int,
        total_score: float,
        objective: str,
        unmatched: list[dict],
        notes: list[str],
    ) -> None:
        """running → done, with the outcome."""
        if self.status != RunStatus.RUNNING:
            raise DomainError(f"This matching run is {self.status}, not running.")
        self.status = RunStatus.DONE.value
        self.finished_at = utcnow()
        self.people_count, self.pair_count = people_count, pair_count
        self.total_score, self.objective = total_score, objective
        self.unmatched, self.notes = unmatched, notes

    def fail(self, error: str) -> None:
        """queued or running → failed, saying why in words."""
        if not self.is_pending:
            raise DomainError(f"This matching run is already {self.status}.")
        self.status = RunStatus.FAILED.value
        self.finished_at = utcnow()
        self.error = error
