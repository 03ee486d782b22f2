"""The email outbox: each message is written in the transaction of the event it tells about,
and sent afterwards by a job (``delivery``)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.core.time import UTCDateTime, utcnow
from lti_tool.extensions import db


class EmailStatus(StrEnum):
    PENDING = "pending"  # waits to be sent (``next_attempt_at``)
    SENDING = "sending"  # a worker holds it until ``claimed_until``
    SENT = "sent"  # the SMTP server accepted it
    SKIPPED = "skipped"  # the person turned email off before it went
    FAILED = "failed"  # refused for good, or too many attempts (``last_error``)


class OutboxEmail(db.Model):
    """One message to one person. ``dedupe_key`` names the event (``pairs-published:pair
    7:person 3``): an event recorded twice makes one message."""

    __tablename__ = "email_outbox"
    __table_args__ = (sa.Index(None, "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    course_id: Mapped[int | None] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    to_address: Mapped[str] = mapped_column(sa.String(320))
    subject: Mapped[str] = mapped_column(sa.String(300))
    text_body: Mapped[str] = mapped_column(sa.Text)
    html_body: Mapped[str] = mapped_column(sa.Text)
    # A calendar file sent along (a proposed meeting time), with its file name.
    ics: Mapped[str | None] = mapped_column(sa.Text)
    ics_name: Mapped[str | None] = mapped_column(sa.String(100))
    status: Mapped[str] = mapped_column(sa.String(20), default=EmailStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.String(1000))
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def message_id(self) -> str:
        """The same on every attempt: a receiver that got a message twice can tell."""
        return f"<outbox-{self.id}.{self.dedupe_key.split(':', 1)[0]}@reciprocal>"
