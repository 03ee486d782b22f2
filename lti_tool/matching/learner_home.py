"""What a learner's home says about each program of their course: their profile, their partner
(or why they were not paired this time and what happens next), and whether the program has
started or closed.

Only the learner's own data is used: their profile, their pairs, and the rule that left them
unmatched (a sentence about the rules, never about other people).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from lti_tool.extensions import db
from lti_tool.matching.models import Pair, PairStatus, Profile, Program, ProgramStatus
from lti_tool.matching.pairing import latest_run
from lti_tool.matching.phases import Phase, program_phase
from lti_tool.matching.programs import person_label

# The pool's reasons for someone who could not take part, said to that person.
_INTAKE_INCOMPLETE = "your intake profile was not complete when the pairs were made"
LEFT_OUT_WORDS = {
    "has not submitted the intake profile yet": _INTAKE_INCOMPLETE,
    "has not started the intake profile": _INTAKE_INCOMPLETE,
}


@dataclass(frozen=True)
class LearnerProgram:
    """One program of the course as the learner's home shows it.

    ``state``: ``intake`` (profile still to fill), ``waiting`` (pairs not published yet),
    ``paired``, ``unpaired`` (published without them), ``partner_left`` (their pair ended
    because their partner left the course or was erased: a rematch may follow) or ``closed``.
    """

    id: int
    title: str
    phase: Phase
    starts_on: dt.date
    closed_at: dt.datetime | None
    state: str
    profile_submitted_at: dt.datetime | None
    can_edit_profile: bool
    partners: list[str] = field(default_factory=list)
    unpaired_reason: str | None = None


def learner_programs(course_id: int, person_id: int) -> list[LearnerProgram]:
    """The course's programs past the draft stage, oldest first, as the learner sees them."""
    programs = db.session.scalars(
        sa.select(Program)
        .where(Program.course_id == course_id, Program.status != ProgramStatus.DRAFT.value)
        .order_by(Program.id)
    ).all()
    if not programs:
        return []
    ids = [p.id for p in programs]
    profiles = {
        p.program_id: p
        for p in db.session.scalars(
            sa.select(Profile).where(Profile.program_id.in_(ids), Profile.person_id == person_id)
        )
    }
    pairs = db.session.scalars(
        sa.select(Pair)
        .where(
            Pair.program_id.in_(ids),
            Pair.status.in_([PairStatus.ACTIVE.value, PairStatus.ENDED.value]),
            sa.or_(Pair.mentor_id == person_id, Pair.mentee_id == person_id),
        )
        .options(selectinload(Pair.mentor), selectinload(Pair.mentee))
        .order_by(Pair.id)
    ).all()
    return [
        _view(
            program,
            profiles.get(program.id),
            [p for p in pairs if p.program_id == program.id],
            person_id,
        )
        for program in programs
    ]


def _view(
    program: Program, profile: Profile | None, pairs: list[Pair], person_id: int
) -> LearnerProgram:
    submitted = profile is not None and profile.is_submitted
    active = [p for p in pairs if p.status == PairStatus.ACTIVE]
    shown = active or (pairs if program.status == ProgramStatus.CLOSED else [])
    partners = [person_label(p.mentee if p.mentor_id == person_id else p.mentor) for p in shown]
    reason = None
    if program.status == ProgramStatus.CLOSED:
        state = "closed"
    elif not submitted:
        state = "intake"
    elif active:
        state = "paired"
    elif any(p.status == PairStatus.ENDED and p.needs_rematch for p in pairs):
        state = "partner_left"
    elif program.status == ProgramStatus.ACTIVE:
        state, reason = "unpaired", _unpaired_reason(program, profile)
    else:
        state = "waiting"
    return LearnerProgram(
        id=program.id,
        title=program.title,
        phase=program_phase(program),
        starts_on=program.starts_on,
        closed_at=program.closed_at,
        state=state,
        profile_submitted_at=profile.submitted_at if profile else None,
        can_edit_profile=program.is_taking_intake,
        partners=partners,
        unpaired_reason=reason,
    )


def _unpaired_reason(program: Program, profile: Profile) -> str:
    """Why matching left the learner out, in the second person."""
    run = latest_run(program)
    entry = next(
        (
            u
            for u in (run.unmatched if run is not None else [])
            if u.get("person_id") == profile.person_id
        ),
        None,
    )
    if run is None or run.finished_at is None or profile.submitted_at > run.finished_at:
        return "You completed your profile after the pairs were made."
    if entry is None:
        return "The pair first proposed for you was not kept when the pairs were reviewed."
    return learner_sentence(entry.get("side", ""), entry.get("reason", ""))


def learner_sentence(side: str, reason: str) -> str:
    """The engine's reason ("no mentor at least 1 level more junior who shares a language")
    as a sentence for the person it is about."""
    partner = "mentee" if side == "mentor" else "mentor"
    reason = reason.strip().rstrip(".")
    if not side:
        words = LEFT_OUT_WORDS.get(
            reason,
            "you could not take part yet: "
            + reason.replace("has no seniority yet", "your seniority was not known yet"),
        )
        return words[:1].upper() + words[1:] + "."
    if reason.startswith("no "):
        text = reason.replace(
            "they asked for a partner from their own department",
            "you asked for a partner from your own department",
        )
        return f"The program's rules left nobody who could be your {partner}: there was {text}."
    return (
        f"Everyone who could have been your {partner} under the program's rules was "
        "already paired with someone else."
    )
