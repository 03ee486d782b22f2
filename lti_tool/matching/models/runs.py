"""MatchingRun: one run of the matching engine on a program, and what it left unmatched.

A run is queued (a big cohort goes through the job queue), running, done or failed. A finished
run keeps, for every person it left without a partner, the rule that left them out, in words —
the pairs themselves are ``Pair`` rows.
"""

from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from lti_tool.extensions import db
from lti_tool.jobs.tracked import JobStatus, TrackedJob
from lti_tool.matching.models.programs import Program

RunStatus = JobStatus  # queued, running, done, failed: a run is a tracked job


class RunKind(StrEnum):
    MATCH = "match"  # propose pairs for everyone, keeping locked pairs
    REMATCH = "rematch"  # new partners only for the people a leaver left alone


class MatchingRun(TrackedJob, db.Model):
    """One run of the engine on a program, a tracked job (``lti_tool.jobs.tracked``): its
    progress is the phase it is in (reading profiles, finding pairs, saving them).

    ``unmatched`` is a list of ``{"person_id", "side", "reason"}``: ``side`` is ``mentor``,
    ``mentee`` or empty for someone who could not take part (no profile yet, say). ``notes``
    are sentences about what the run changed besides proposing pairs.
    """

    __tablename__ = "matching_runs"
    __table_args__ = (sa.Index(None, "program_id", "created_at"), sa.Index(None, "status"))

    job_noun = "matching run"
    run_by = "lti_tool.matching.tasks.run_matching_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("programs.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(20), default=RunKind.MATCH.value)
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("people.id", ondelete="SET NULL")
    )
    people_count: Mapped[int] = mapped_column(default=0)
    pair_count: Mapped[int] = mapped_column(default=0)
    total_score: Mapped[float | None] = mapped_column(sa.Float)
    objective: Mapped[str | None] = mapped_column(sa.String(20))
    unmatched: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    notes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)

    # The backref lets the ORM delete a program's runs with it (SQLite does not enforce the
    # foreign key's ON DELETE CASCADE).
    program: Mapped[Program] = relationship(
        backref=backref("matching_runs", cascade="all, delete-orphan", lazy="raise_on_sql")
    )

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
        """running → done, with the outcome.

        :raise DomainError: the run is not running.
        """
        self.complete()
        self.people_count, self.pair_count = people_count, pair_count
        self.total_score, self.objective = total_score, objective
        self.unmatched, self.notes = unmatched, notes
