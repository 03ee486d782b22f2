"""Partners reach each other: the partner's LMS email, meeting times one proposes to the
other (a calendar file for both), and each learner's choice about email notifications.

Only the two partners of an active pair of the viewer's own course ever see its email
addresses and proposals: every lookup takes the viewer and their course, and answers "not
found" for anything else. A partner's email is shown only when they consented, on their intake
profile, to share their profile with their partner (the intake says the email goes with it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from lti_tool.core.time import utcnow
from lti_tool.errors import DomainError, NotFoundError, ValidationError
from lti_tool.extensions import db
from lti_tool.matching.models import MeetingProposal, Pair, PairStatus, Profile, Program
from lti_tool.matching.programs import person_label
from lti_tool.matching.signals import meeting_time_proposed
from lti_tool.matching.time_zones import current_zone, zone_label
from lti_tool.roster.models import Membership

MIN_MINUTES, MAX_MINUTES = 15, 8 * 60
PROPOSALS_SHOWN = 5


@dataclass(frozen=True)
class ProposalValues:
    on: dt.date
    at: dt.time
    duration_minutes: int
    time_zone: str


@dataclass(frozen=True)
class ProposalView:
    id: int
    proposed_by_me: bool
    proposer_name: str
    starts: dt.datetime  # in the proposal's time zone
    ends: dt.datetime
    duration_minutes: int
    zone_label: str


@dataclass(frozen=True)
class PartnerContact:
    """What ``templates/learning/_partner_contact.html`` shows for one pair."""

    pair_id: int
    partner_name: str
    partner_email: str | None  # only when the partner consented to share their profile
    default_time_zone: str  # the viewer's profile zone (UTC when unknown)
    proposals: list[ProposalView]
    can_propose: bool  # the pair is active and its program not closed


def _active_pairs(course_id: int, person_id: int) -> list[Pair]:
    return list(
        db.session.scalars(
            sa.select(Pair)
            .join(Program, Program.id == Pair.program_id)
            .where(
                Program.course_id == course_id,
                Pair.status == PairStatus.ACTIVE,
                sa.or_(Pair.mentor_id == person_id, Pair.mentee_id == person_id),
            )
            .options(
                selectinload(Pair.program), selectinload(Pair.mentor), selectinload(Pair.mentee)
            )
            .order_by(Program.id, Pair.id)
        )
    )


def get_own_pair(course_id: int, person_id: int, pair_id: int) -> Pair:
    """:raise NotFoundError: not an active pair of ``person_id`` in ``course_id``."""
    pair = next((p for p in _active_pairs(course_id, person_id) if p.id == pair_id), None)
    if pair is None:
        raise NotFoundError(_("This pair is not yours."))
    return pair


def partner_contacts(course_id: int, person_id: int) -> dict[int, PartnerContact]:
    """Pair id → the contact card of each of the learner's active pairs in ``course_id``."""
    pairs = _active_pairs(course_id, person_id)
    if not pairs:
        return {}
    people = {person_id} | {p.mentor_id for p in pairs} | {p.mentee_id for p in pairs}
    profiles = {
        (program_id, who): (zone, shares)
        for program_id, who, zone, shares in db.session.execute(
            sa.select(
                Profile.program_id,
                Profile.person_id,
                Profile.time_zone,
                Profile.consents_to_share,
            ).where(
                Profile.person_id.in_(people),
                Profile.program_id.in_({p.program_id for p in pairs}),
            )
        )
    }
    proposals: dict[int, list[MeetingProposal]] = {}
    for proposal in db.session.scalars(
        sa.select(MeetingProposal)
        .where(MeetingProposal.pair_id.in_([p.id for p in pairs]))
        .order_by(MeetingProposal.starts_at.desc(), MeetingProposal.id.desc())
    ):
        proposals.setdefault(proposal.pair_id, []).append(proposal)
    return {pair.id: _contact(pair, person_id, profiles, proposals) for pair in pairs}


def _contact(
    pair: Pair,
    person_id: int,
    profiles: dict[tuple[int, int], tuple[str | None, bool]],
    proposals: dict[int, list[MeetingProposal]],
) -> PartnerContact:
    partner = pair.mentee if pair.mentor_id == person_id else pair.mentor
    zone = current_zone(profiles.get((pair.program_id, person_id), (None, False))[0]) or "UTC"
    shares = profiles.get((pair.program_id, partner.id), (None, False))[1]
    names = {pair.mentor_id: person_label(pair.mentor), pair.mentee_id: person_label(pair.mentee)}
    return PartnerContact(
        pair_id=pair.id,
        partner_name=person_label(partner),
        partner_email=partner.email if shares else None,
        default_time_zone=zone,
        proposals=[
            proposal_view(p, person_id, names[p.proposed_by_id])
            for p in proposals.get(pair.id, [])[:PROPOSALS_SHOWN]
        ],
        can_propose=pair.program.closed_at is None,
    )


def proposal_view(proposal: MeetingProposal, viewer_id: int, proposer_name: str) -> ProposalView:
    zone = ZoneInfo(proposal.time_zone)
    return ProposalView(
        id=proposal.id,
        proposed_by_me=proposal.proposed_by_id == viewer_id,
        proposer_name=proposer_name,
        starts=proposal.starts_at.astimezone(zone),
        ends=proposal.ends_at.astimezone(zone),
        duration_minutes=proposal.duration_minutes,
        zone_label=zone_label(proposal.time_zone),
    )


def propose_meeting_time(
    pair: Pair, person_id: int, values: ProposalValues, now: dt.datetime | None = None
) -> MeetingProposal:
    """``person_id`` proposes a meeting time to their partner, who is told (signal).

    :raise NotFoundError: the person is not in ``pair``.
    :raise DomainError: the pair is not active.
    :raise ValidationError: an unknown time zone, a time in the past, a length out of range.
    """
    if person_id not in (pair.mentor_id, pair.mentee_id):
        raise NotFoundError(_("This pair is not yours."))
    if pair.status != PairStatus.ACTIVE:
        raise DomainError(_("This pair has ended: its partners no longer plan meetings here."))
    zone_name = current_zone(values.time_zone)
    if zone_name is None:
        raise ValidationError(_("Choose a time zone from the list."))
    if not MIN_MINUTES <= values.duration_minutes <= MAX_MINUTES:
        raise ValidationError(
            _("A meeting lasts %(low)d to %(high)d minutes.", low=MIN_MINUTES, high=MAX_MINUTES)
        )
    starts = dt.datetime.combine(values.on, values.at, tzinfo=ZoneInfo(zone_name))
    if starts.astimezone(dt.UTC) <= (now or utcnow()):
        raise ValidationError(_("Propose a time in the future."))
    proposal = MeetingProposal(
        pair_id=pair.id,
        proposed_by_id=person_id,
        starts_at=starts.astimezone(dt.UTC),
        duration_minutes=values.duration_minutes,
        time_zone=zone_name,
    )
    db.session.add(proposal)
    db.session.flush()
    meeting_time_proposed.send(proposal.id)
    return proposal


def get_own_proposal(course_id: int, person_id: int, proposal_id: int) -> MeetingProposal:
    """A proposal of one of the person's active pairs in ``course_id``.

    :raise NotFoundError: anyone else's proposal, or no such proposal.
    """
    proposal = db.session.get(MeetingProposal, proposal_id)
    if proposal is None:
        raise NotFoundError(_("There is no such meeting proposal."))
    get_own_pair(course_id, person_id, proposal.pair_id)
    return proposal


def wants_email(course_id: int, person_id: int) -> bool:
    return bool(
        db.session.scalar(
            sa.select(Membership.is_notified_by_email).where(
                Membership.course_id == course_id, Membership.person_id == person_id
            )
        )
    )


def set_email_notifications(course_id: int, person_id: int, wanted: bool) -> None:
    """The learner turns email notifications about this course on or off.

    :raise NotFoundError: they are not a member of the course.
    """
    membership = db.session.scalars(
        sa.select(Membership).where(
            Membership.course_id == course_id, Membership.person_id == person_id
        )
    ).one_or_none()
    if membership is None:
        raise NotFoundError(_("You are not a member of this course."))
    membership.is_notified_by_email = wanted
    db.session.flush()


def sharing_people(program_id: int, person_ids: set[int]) -> set[int]:
    """Those of ``person_ids`` who consented to share their profile (and email) in the
    program."""
    return set(
        db.session.scalars(
            sa.select(Profile.person_id).where(
                Profile.program_id == program_id,
                Profile.person_id.in_(person_ids),
                Profile.consents_to_share.is_(True),
            )
        )
    )
