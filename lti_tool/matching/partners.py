"""A learner's view of their published pairs: their partner, what the partner shares, and why
the two were matched.

Only active pairs of programs in the learner's own course are shown. The partner's profile
fields appear only when the partner consented to share them; otherwise the reasons are given
in general words, since the engine's sentences name skills, interests and places.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from lti_tool.core.i18n import N_, current_language
from lti_tool.extensions import db
from lti_tool.matching.labels import AVAILABILITY, CADENCE_PHRASES, WEIGHT_LABELS
from lti_tool.matching.models import (
    Pair,
    PairStatus,
    Profile,
    ProfileSkill,
    Program,
    ProgramStatus,
)
from lti_tool.matching.programs import person_label
from lti_tool.matching.time_zones import zone_label

# What each factor means, without naming anything from either profile.
GENERAL_REASONS = {
    "mentor_offers": N_("The mentor offers skills the mentee wants to learn."),
    "mentee_offers": N_("The mentee offers skills back that the mentor wants to learn."),
    "shared_interests": N_("You share interests."),
    "shared_goals": N_("You share learning goals."),
    "language": N_("You have a language in common."),
    "timezone": N_("Your working hours overlap."),
    "cross_department": N_("You work in different departments."),
}


@dataclass(frozen=True)
class PartnerView:
    pair_id: int
    program_title: str
    cadence: str  # "monthly meetings"
    closed_at: dt.datetime | None  # set once the program is closed
    is_mentor: bool  # the learner mentors their partner
    partner_name: str
    shares_profile: bool
    fields: list[tuple[str, str]]  # label, value — only what the partner shares
    reasons: list[tuple[str, str]]  # factor label, sentence
    since: dt.datetime | None


def partner_views(course_id: int, person_id: int) -> list[PartnerView]:
    """The learner's active pairs in programs of ``course_id``, oldest program first."""
    pairs = db.session.scalars(
        sa.select(Pair)
        .join(Program, Program.id == Pair.program_id)
        .where(
            Program.course_id == course_id,
            Pair.status == PairStatus.ACTIVE,
            sa.or_(Pair.mentor_id == person_id, Pair.mentee_id == person_id),
        )
        .options(selectinload(Pair.program), selectinload(Pair.mentor), selectinload(Pair.mentee))
        .order_by(Program.id, Pair.id)
    ).all()
    if not pairs:
        return []
    partner_ids = {p.mentee_id if p.mentor_id == person_id else p.mentor_id for p in pairs}
    profiles = {
        (p.program_id, p.person_id): p
        for p in db.session.scalars(
            sa.select(Profile)
            .where(
                Profile.program_id.in_({p.program_id for p in pairs}),
                Profile.person_id.in_(partner_ids),
            )
            .options(selectinload(Profile.skill_links).selectinload(ProfileSkill.skill))
        )
    }
    return [_view(pair, person_id, profiles) for pair in pairs]


def _view(pair: Pair, person_id: int, profiles: dict[tuple[int, int], Profile]) -> PartnerView:
    is_mentor = pair.mentor_id == person_id
    partner = pair.mentee if is_mentor else pair.mentor
    profile = profiles.get((pair.program_id, partner.id))
    shares = bool(profile and profile.consents_to_share)
    return PartnerView(
        pair_id=pair.id,
        program_title=pair.program.title,
        cadence=_(CADENCE_PHRASES.get(pair.program.cadence, pair.program.cadence)),
        closed_at=(pair.program.closed_at or pair.program.updated_at)
        if pair.program.status == ProgramStatus.CLOSED
        else None,
        is_mentor=is_mentor,
        partner_name=person_label(partner),
        shares_profile=shares,
        fields=_shared_fields(profile) if shares and profile else [],
        reasons=_reasons(pair, shares),
        since=pair.activated_at,
    )


def _shared_fields(profile: Profile) -> list[tuple[str, str]]:
    """The partner's profile; their email is on the contact card (``contact``) either way."""
    availability = [
        _(AVAILABILITY[a]) if a in AVAILABILITY else a for a in profile.availability or []
    ]
    if profile.availability_note:
        availability.append(profile.availability_note)
    goals = list(profile.goals or [])
    if profile.goal_note:
        goals.append(profile.goal_note)
    fields = [
        (_("Department"), profile.department or ""),
        (_("Skills they offer"), ", ".join(profile.skills_offered)),
        (_("Skills they want to learn"), ", ".join(profile.skills_wanted)),
        (_("Interests"), ", ".join(profile.interests or [])),
        (_("Learning goals"), "; ".join(_(goal) for goal in goals)),
        (_("Languages"), ", ".join(_(language) for language in profile.languages or [])),
        (_("Time zone"), zone_label(profile.time_zone) if profile.time_zone else ""),
        (_("Availability"), "; ".join(availability)),
    ]
    return [(label, value) for label, value in fields if value]


def _reasons(pair: Pair, partner_shares: bool) -> list[tuple[str, str]]:
    """Each factor that gave the pair points, best first, in words."""
    explanation = pair.explanation or {}
    scored = sorted(
        ((points, key) for key, points in (pair.breakdown or {}).items() if points > 0),
        key=lambda item: -item[0],
    )
    # The engine's sentences are stored in English: other languages get the general words.
    specific = partner_shares and current_language() == "en"
    reasons = []
    for _points, key in scored:
        sentence = explanation.get(key, "") if specific else ""
        if not sentence:
            sentence = (
                _(GENERAL_REASONS[key]) if key in GENERAL_REASONS else explanation.get(key, "")
            )
        label = _(WEIGHT_LABELS[key]) if key in WEIGHT_LABELS else key.replace("_", " ")
        reasons.append((label, sentence))
    return reasons
