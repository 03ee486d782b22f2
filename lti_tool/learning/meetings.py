"""Logging a meeting, and the other partner confirming or declining it.

A meeting step is complete for both partners when the partner who did **not** log it
confirms; a decline (with a reason) lets either partner log it again. ``meeting_view`` is the
only way a log leaves this module: private notes appear only when the viewer wrote them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from lti_tool.core.time import utcnow
from lti_tool.errors import DomainError, NotFoundError, ValidationError
from lti_tool.extensions import db
from lti_tool.learning.completing import check_taking, record_completion, role_in
from lti_tool.learning.models import MeetingLog, MeetingStatus, Step, StepKind
from lti_tool.learning.notifications.events import meeting_waiting
from lti_tool.matching.models import Pair

MAX_MINUTES = 8 * 60
MAX_TOPICS = 30
NOTES_LIMIT = 10_000


@dataclass(frozen=True)
class MeetingValues:
    met_on: dt.date
    duration_minutes: int
    topics: tuple[str, ...] = ()
    shared_notes: str = ""
    private_notes: str = ""


@dataclass(frozen=True)
class MeetingView:
    """A meeting log as one viewer may see it."""

    id: int
    step_id: int
    met_on: dt.date
    duration_minutes: int
    topics: tuple[str, ...]
    shared_notes: str
    private_notes: str | None  # only for the partner who wrote them
    status: str
    logged_by_me: bool
    can_respond: bool  # the viewer is the other partner and the log awaits them
    decline_reason: str | None
    responded_at: dt.datetime | None


def meeting_view(meeting: MeetingLog, viewer_id: int | None) -> MeetingView:
    """``meeting`` for ``viewer_id`` (``None``: the designer, who never sees private notes
    and sees shared notes only as the pair's own business — omitted)."""
    mine = viewer_id is not None and viewer_id == meeting.logged_by_id
    is_partner = viewer_id is not None
    return MeetingView(
        id=meeting.id,
        step_id=meeting.step_id,
        met_on=meeting.met_on,
        duration_minutes=meeting.duration_minutes,
        topics=tuple(meeting.topics or ()),
        shared_notes=meeting.shared_notes if is_partner else "",
        private_notes=meeting.private_notes if mine else None,
        status=meeting.status,
        logged_by_me=mine,
        can_respond=is_partner and not mine and meeting.status == MeetingStatus.LOGGED,
        decline_reason=meeting.decline_reason,
        responded_at=meeting.responded_at,
    )


def _clean(values: MeetingValues, today: dt.date) -> MeetingValues:
    if values.met_on > today:
        raise ValidationError(
            _("Log a meeting once it has taken place: the date is in the future.")
        )
    if not 1 <= values.duration_minutes <= MAX_MINUTES:
        raise ValidationError(_("The meeting's length is 1 to %(n)d minutes.", n=MAX_MINUTES))
    topics = tuple(dict.fromkeys(t.strip()[:300] for t in values.topics if t.strip()))
    if len(topics) > MAX_TOPICS:
        raise ValidationError(_("List at most %(n)d topics.", n=MAX_TOPICS))
    if max(len(values.shared_notes), len(values.private_notes)) > NOTES_LIMIT:
        raise ValidationError(_("Notes are limited to %(n)d characters.", n=NOTES_LIMIT))
    return MeetingValues(
        values.met_on,
        values.duration_minutes,
        topics,
        values.shared_notes.strip(),
        values.private_notes.strip(),
    )


def pair_meetings(pair_id: int, step_id: int) -> list[MeetingLog]:
    return list(
        db.session.scalars(
            sa.select(MeetingLog)
            .where(MeetingLog.pair_id == pair_id, MeetingLog.step_id == step_id)
            .order_by(MeetingLog.created_at, MeetingLog.id)
        )
    )


def log_meeting(
    step: Step, pair: Pair, person_id: int, values: MeetingValues, today: dt.date | None = None
) -> MeetingLog:
    """``person_id`` logs the pair's meeting for ``step``; it waits for the partner.

    :raise ValidationError: a date in the future, a length out of range, too long notes.
    :raise DomainError: a log of this step already waits for confirmation or was confirmed;
        see also ``check_taking``.
    :raise NotFoundError: see ``check_taking``.
    """
    check_taking(step, pair, person_id, StepKind.MEETING)
    values = _clean(values, today or utcnow().date())
    for earlier in pair_meetings(pair.id, step.id):
        if earlier.status == MeetingStatus.CONFIRMED:
            raise DomainError(_("This meeting is already logged and confirmed."))
        if earlier.status == MeetingStatus.LOGGED:
            raise DomainError(
                "This meeting is already logged and waits for confirmation.",
                hint="The partner who did not log it confirms or declines it.",
            )
    meeting = MeetingLog(
        pair_id=pair.id,
        step=step,
        logged_by_id=person_id,
        met_on=values.met_on,
        duration_minutes=values.duration_minutes,
        topics=list(values.topics),
        shared_notes=values.shared_notes,
        private_notes=values.private_notes,
    )
    db.session.add(meeting)
    db.session.flush()
    meeting_waiting(meeting, pair)  # the partner is asked to confirm (email, when on)
    return meeting


def get_meeting(pair: Pair, meeting_id: int) -> MeetingLog:
    """:raise NotFoundError: no such meeting in ``pair``."""
    meeting = db.session.get(MeetingLog, meeting_id)
    if meeting is None or meeting.pair_id != pair.id:
        raise NotFoundError(_("This meeting log is not one of your pair's."))
    return meeting


def confirm_meeting(meeting: MeetingLog, pair: Pair, person_id: int) -> None:
    """The other partner confirms: the meeting step is complete for both.

    :raise DomainError: the person logged it, or it was already answered, or the pair is
        not active.
    :raise NotFoundError: the meeting is not the pair's, or the person not in it.
    """
    _check_response(meeting, pair, person_id)
    meeting.confirm(person_id)
    for partner_id in (pair.mentor_id, pair.mentee_id):
        record_completion(meeting.step, pair, partner_id, at=meeting.responded_at)


def decline_meeting(meeting: MeetingLog, pair: Pair, person_id: int, reason: str) -> None:
    """The other partner says the log is wrong, and why; either may log it again.

    :raise DomainError: no reason, the person logged it, or it was already answered.
    :raise NotFoundError: the meeting is not the pair's, or the person not in it.
    """
    _check_response(meeting, pair, person_id)
    meeting.decline(person_id, reason)
    db.session.flush()


def _check_response(meeting: MeetingLog, pair: Pair, person_id: int) -> None:
    if meeting.pair_id != pair.id:
        raise NotFoundError(_("This meeting log is not one of your pair's."))
    role_in(pair, person_id)
    check_taking(meeting.step, pair, person_id, StepKind.MEETING)
