"""AgreementSignature: a partner signed a version of an agreement step."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.core.time import UTCDateTime, utcnow
from lti_tool.extensions import db
from lti_tool.learning.models.steps import Step


class AgreementSignature(db.Model):
    """Append-only: signing again after an edit adds the new version. The agreement is
    complete for the pair once both partners signed one same version."""

    __tablename__ = "agreement_signatures"
    __table_args__ = (sa.UniqueConstraint("pair_id", "step_id", "person_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(sa.ForeignKey("pairs.id", ondelete="CASCADE"))
    step_id: Mapped[int] = mapped_column(sa.ForeignKey("steps.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"))
    version: Mapped[int]
    signed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    step: Mapped[Step] = relationship()
