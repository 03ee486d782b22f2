"""Pairs at risk: no confirmed meeting within the program's meeting cadence plus the grace
period the designer set on the path.

A pair is measured from its last confirmed meeting, or — before its first — from the later of
the program's start and the day the pair was published: a pair matched by hand mid-program is
not at risk on its first day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lti_tool.errors import ValidationError
from lti_tool.extensions import db
from lti_tool.learning.models import Path
from lti_tool.learning.progress import PairProgress
from lti_tool.matching.models import PairStatus

# The longest gap between two meetings each cadence allows.
CADENCE_DAYS = {"weekly": 7, "fortnightly": 14, "monthly": 31}
MAX_GRACE_DAYS = 90


@dataclass(frozen=True)
class RiskFlag:
    pair_id: int
    since: dt.date  # the last confirmed meeting, or when the pair started
    days_without_meeting: int
    has_met: bool


def allowed_gap(cadence: str, grace_days: int) -> int:
    return CADENCE_DAYS.get(cadence, CADENCE_DAYS["monthly"]) + grace_days


def pair_at_risk(
    row: PairProgress,
    *,
    starts_on: dt.date,
    paired_on: dt.date | None,
    cadence: str,
    grace_days: int,
    today: dt.date,
) -> RiskFlag | None:
    """A flag when the active pair ``row`` has gone longer than the cadence plus the grace
    without a confirmed meeting; ``None`` otherwise (and for ended pairs)."""
    if row.pair_status != PairStatus.ACTIVE:
        return None
    met = row.last_confirmed_meeting_on
    since = met or max(starts_on, paired_on or starts_on)
    days = (today - since).days
    if days <= allowed_gap(cadence, grace_days):
        return None
    return RiskFlag(row.pair_id, since, days, met is not None)


def set_grace_days(path: Path, days: int) -> None:
    """The designer's grace period beyond the cadence, in days.

    :raise ValidationError: below 0 or above ``MAX_GRACE_DAYS``.
    """
    if not 0 <= days <= MAX_GRACE_DAYS:
        raise ValidationError(f"The grace period is 0 to {MAX_GRACE_DAYS} days.")
    path.at_risk_grace_days = days
    db.session.flush()
