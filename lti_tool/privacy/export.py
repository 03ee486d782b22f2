"""Everything the tool holds about one person, as JSON (the right of access).

One document: the person, their memberships, intake profiles, pairs, learning records
(completions, agreement signatures, the meetings of their pairs — their own private notes
included, never their partner's —, reflections, survey responses) and the audit events
about them or by them. Rows are read as stored, column by column, so a new column shows up
without a change here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from lti_tool.core.audit import AuditEvent
from lti_tool.core.time import utcnow
from lti_tool.errors import NotFoundError
from lti_tool.extensions import db
from lti_tool.learning.models import (
    AgreementSignature,
    Completion,
    MeetingLog,
    Reflection,
    SurveyAnswer,
    SurveyResponse,
)
from lti_tool.matching.models import Pair, PairVeto, Profile, ProfileSkill
from lti_tool.roster.models import Membership, Person

FORMAT = "reciprocal.person-export/1"


def find_person(issuer: str, sub: str) -> Person:
    """:raise NotFoundError: nobody with that LMS user id at that issuer."""
    person = db.session.scalar(
        sa.select(Person).where(Person.issuer == issuer.strip(), Person.sub == sub.strip())
    )
    if person is None:
        raise NotFoundError(
            "The tool holds nobody with that LMS user id for that LMS.",
            hint="Copy the issuer and the user id (sub) exactly as the LMS sends them.",
        )
    return person


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def row(obj: Any, *, without: tuple[str, ...] = ()) -> dict[str, Any]:
    """A model row as a dict of its columns."""
    return {
        c.key: _plain(getattr(obj, c.key))
        for c in sa.inspect(type(obj)).column_attrs
        if c.key not in without
    }


def _all(model: type, *where: sa.ColumnElement[bool]) -> list[Any]:
    return list(db.session.scalars(sa.select(model).where(*where).order_by(model.id)))


def export_person(person: Person) -> dict[str, Any]:
    """The person's data as a JSON-ready dict."""
    pid = person.id
    pairs = _all(Pair, sa.or_(Pair.mentor_id == pid, Pair.mentee_id == pid))
    pair_ids = [p.id for p in pairs]
    profiles = _all(Profile, Profile.person_id == pid)
    skills = db.session.scalars(
        sa.select(ProfileSkill)
        .where(ProfileSkill.profile_id.in_([p.id for p in profiles]))
        .options(selectinload(ProfileSkill.skill))
    ).all()
    responses = _all(SurveyResponse, SurveyResponse.person_id == pid)
    answers = _all(SurveyAnswer, SurveyAnswer.response_id.in_([r.id for r in responses]))
    return {
        "format": FORMAT,
        "exported_at": utcnow().isoformat(),
        "person": row(person),
        "memberships": [row(m) for m in _all(Membership, Membership.person_id == pid)],
        "profiles": [
            row(p)
            | {
                "skills": [
                    {"skill": s.skill.name, "direction": s.direction}
                    for s in skills
                    if s.profile_id == p.id
                ]
            }
            for p in profiles
        ],
        "pairs": [row(p, without=("breakdown", "explanation")) for p in pairs],
        "vetoes_of_their_pairs": [
            row(v, without=("vetoed_by_id",))
            for v in _all(PairVeto, sa.or_(PairVeto.mentor_id == pid, PairVeto.mentee_id == pid))
        ],
        "completions": [row(c) for c in _all(Completion, Completion.person_id == pid)],
        "agreement_signatures": [
            row(s) for s in _all(AgreementSignature, AgreementSignature.person_id == pid)
        ],
        "meetings": [_meeting(m, pid) for m in _all(MeetingLog, MeetingLog.pair_id.in_(pair_ids))],
        "reflections": [row(r) for r in _all(Reflection, Reflection.author_id == pid)],
        "survey_responses": [
            row(r) | {"answers": [row(a) for a in answers if a.response_id == r.id]}
            for r in responses
        ],
        "audit_events": [
            row(e)
            for e in _all(
                AuditEvent, sa.or_(AuditEvent.person_id == pid, AuditEvent.actor_person_id == pid)
            )
            + _pair_events(pid)
        ],
    }


def _meeting(meeting: MeetingLog, person_id: int) -> dict[str, Any]:
    """A meeting of one of their pairs: private notes only when they wrote them."""
    own = meeting.logged_by_id == person_id
    return row(meeting, without=() if own else ("private_notes",)) | {"logged_by_them": own}


def _pair_events(person_id: int) -> list[AuditEvent]:
    """Pair decisions naming them as mentor or mentee (kept in the event's details), in the
    courses they belong to."""
    courses = sa.select(Membership.course_id).where(Membership.person_id == person_id)
    events = _all(
        AuditEvent,
        AuditEvent.action.like("pair.%"),
        AuditEvent.person_id.is_(None),
        AuditEvent.course_id.in_(courses),
    )
    return [
        e
        for e in events
        if person_id in ((e.details or {}).get("mentor_id"), (e.details or {}).get("mentee_id"))
        and e.actor_person_id != person_id
    ]
