"""Course (an LTI context), Person (issuer + sub) and Membership."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, synonym

from lti_tool.core.time import UTCDateTime, utcnow
from lti_tool.extensions import db
from lti_tool.jobs.tracked import TrackedJob

if TYPE_CHECKING:
    from lti_tool.platforms.models import Platform


class Course(db.Model):
    __tablename__ = "courses"
    __table_args__ = (sa.UniqueConstraint("platform_id", "context_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platforms.id", ondelete="CASCADE"))
    context_id: Mapped[str] = mapped_column(sa.String(255))
    title: Mapped[str | None] = mapped_column(sa.String(500))
    label: Mapped[str | None] = mapped_column(sa.String(255))
    # NRPS endpoint from the launch's namesroleservice claim, kept for syncs outside a launch.
    memberships_url: Mapped[str | None] = mapped_column(sa.String(1000))
    # AGS line items endpoint from the launch's endpoint claim.
    lineitems_url: Mapped[str | None] = mapped_column(sa.String(1000))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    platform: Mapped[Platform] = relationship()
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="course", cascade="all, delete-orphan"
    )


class Person(db.Model):
    """A person as the platform identifies them: ``sub`` is unique per issuer."""

    __tablename__ = "people"
    __table_args__ = (sa.UniqueConstraint("issuer", "sub"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(sa.String(500))
    sub: Mapped[str] = mapped_column(sa.String(255))
    name: Mapped[str | None] = mapped_column(sa.String(255))
    given_name: Mapped[str | None] = mapped_column(sa.String(255))
    family_name: Mapped[str | None] = mapped_column(sa.String(255))
    email: Mapped[str | None] = mapped_column(sa.String(320))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Set when an admin erased the person (privacy.erase): name and email are gone and ``sub``
    # is a tombstone; the row stays so pairs and counts keep their shape.
    erased_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    @property
    def display_name(self) -> str:
        """The best name the platform shared, falling back to something neutral."""
        if self.erased_at is not None:
            return "a former participant"
        full = " ".join(p for p in (self.given_name, self.family_name) if p)
        return self.name or full or self.email or "there"


class Membership(db.Model):
    """A person in a course, with the roles and NRPS status the platform last reported."""

    ACTIVE = "Active"
    INACTIVE = "Inactive"
    DELETED = "Deleted"
    STATUSES = (ACTIVE, INACTIVE, DELETED)

    __tablename__ = "memberships"
    __table_args__ = (sa.UniqueConstraint("course_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"))
    roles: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # NRPS status: Active, Inactive or Deleted.
    status: Mapped[str] = mapped_column(sa.String(20), default="Active")
    # The learner's choice on their partner page: email about what waits for them here.
    is_notified_by_email: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    course: Mapped[Course] = relationship(back_populates="memberships")
    person: Mapped[Person] = relationship()


class RosterSync(TrackedJob, db.Model):
    """One run of a roster sync over NRPS: what was asked, how far it got, what it changed.

    A tracked job (``lti_tool.jobs.tracked``): its progress is the members read so far
    (``members_seen``), out of ``progress_total`` when the course's size is known.
    ``members_skipped`` counts entries of the platform's list that were not usable members,
    and ``skipped_reasons`` says why in words. ``differences_url`` is the platform's
    ``rel="differences"`` link from a successful run; the next sync of the course reads only
    the changes through it.
    """

    __tablename__ = "roster_syncs"
    __table_args__ = (sa.Index(None, "course_id", "created_at"), sa.Index(None, "status"))

    job_noun = "sync"
    run_by = "lti_tool.roster.tasks.run_roster_sync"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"))
    # Who or what asked: "launch", "manual", "schedule" or "cli".
    trigger: Mapped[str] = mapped_column(sa.String(20))
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("people.id", ondelete="SET NULL")
    )
    # "full" or "incremental": what actually ran (known once it starts).
    kind: Mapped[str | None] = mapped_column(sa.String(20))
    pages_read: Mapped[int] = mapped_column(sa.Integer, default=0)
    members_added: Mapped[int] = mapped_column(sa.Integer, default=0)
    members_updated: Mapped[int] = mapped_column(sa.Integer, default=0)
    members_left: Mapped[int] = mapped_column(sa.Integer, default=0)
    members_skipped: Mapped[int] = mapped_column(sa.Integer, default=0)
    skipped_reasons: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    differences_url: Mapped[str | None] = mapped_column(sa.String(2000))

    course: Mapped[Course] = relationship(lazy="joined")
    requested_by: Mapped[Person | None] = relationship()

    # Members read so far: the job's progress.
    members_seen: Mapped[int] = synonym("progress_done")

    def start(self, kind: str, now: dt.datetime | None = None) -> None:  # type: ignore[override]
        """The worker picked the sync up; ``kind`` is "full" or "incremental".

        :raise DomainError: the sync is not waiting in the queue.
        """
        super().start(now)
        self.kind = kind

    def record_progress(self, pages_read: int, members_seen: int) -> None:
        self.pages_read = pages_read
        self.beat(done=members_seen)

    def finish(
        self,
        *,
        kind: str,
        pages_read: int,
        members_seen: int,
        added: int,
        updated: int,
        left: int,
        differences_url: str | None,
        skipped: int = 0,
        skipped_reasons: list[str] | None = None,
    ) -> None:
        """The roster was applied.

        :raise DomainError: the sync is not running.
        """
        self.complete()
        self.kind = kind
        self.pages_read, self.members_seen = pages_read, members_seen
        self.members_added, self.members_updated, self.members_left = added, updated, left
        self.members_skipped, self.skipped_reasons = skipped, list(skipped_reasons or [])
        self.differences_url = differences_url
