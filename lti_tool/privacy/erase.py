"""Erasing a person (the right to erasure), keeping pairs and counts without identity.

What goes: their name, email and LMS user id (``sub`` becomes a tombstone, so the issuer +
sub pair stays unique and a later launch with the old id makes a new, empty person), their
launches, the free text they wrote (profile notes, meeting notes and topics they logged, the
reasons they gave when declining a meeting, reflections, survey text answers, veto reasons
written as a designer), and any copy of their name, email or user id elsewhere
(``mentions.blank_mentions``). What stays, without identity: memberships (marked Deleted),
profiles' structured answers, pairs, completions, signatures and Likert answers, so the
program's figures do not change; the audit log, which names people by id only.

Their partners are told through the leavers mechanism (``matching.leavers.flag_leavers``:
an active pair ends and is flagged for a rematch, so the partner's home says their partner
left) and the ``person_erased`` signal (a mail outbox can hook it).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from lti_tool.core.audit import record_event
from lti_tool.core.time import utcnow
from lti_tool.errors import DomainError
from lti_tool.extensions import db
from lti_tool.learning.models import MeetingLog, Reflection, SurveyAnswer, SurveyResponse
from lti_tool.matching.leavers import flag_leavers
from lti_tool.matching.models import MatchingRun, Pair, PairStatus, PairVeto, Profile
from lti_tool.privacy.mentions import blank_mentions, identifying_strings
from lti_tool.privacy.signals import person_erased
from lti_tool.roster.launches import LaunchSession
from lti_tool.roster.models import Membership, Person, RosterSync

TOMBSTONE_PREFIX = "erased-"
PARTNER_LEFT = "Their partner left the program"


@dataclass(frozen=True)
class Erasure:
    person_id: int
    courses: int
    pairs_ended: int
    partners: tuple[int, ...]
    texts_removed: int
    mentions_blanked: int


def erase_person(person: Person, *, actor: str | None = None) -> Erasure:
    """Erase ``person`` (see the module's docstring); audited, without their name.

    :raise DomainError: the person was erased already.
    """
    if person.is_erased:
        raise DomainError("This person's data was erased already.")
    pid = person.id
    needles = identifying_strings(
        person.name,
        person.email,
        person.sub,
        " ".join(p for p in (person.given_name, person.family_name) if p),
    )
    course_ids = list(
        db.session.scalars(sa.select(Membership.course_id).where(Membership.person_id == pid))
    )
    partners = _partners(pid)
    texts = _remove_free_text(pid)
    _anonymise_identity(person)
    db.session.execute(sa.delete(LaunchSession).where(LaunchSession.person_id == pid))
    db.session.execute(
        sa.update(Membership).where(Membership.person_id == pid).values(status=Membership.DELETED)
    )
    db.session.flush()
    # Their pairs end (or wait for a rematch), with a reason that names nobody.
    ended = sum(flag_leavers(course_id, [pid]) for course_id in course_ids)
    for pair in db.session.scalars(
        sa.select(Pair).where(
            sa.or_(Pair.mentor_id == pid, Pair.mentee_id == pid),
            Pair.status == PairStatus.ENDED,
            Pair.needs_rematch.is_(True),
        )
    ):
        pair.end_reason = PARTNER_LEFT
    db.session.flush()
    blanked = blank_mentions(needles, skip={"people"})
    db.session.expire_all()
    record_event(
        actor,
        "person.erased",
        f"person {pid}",
        {"courses": len(course_ids), "pairs_flagged": ended, "texts_removed": texts},
        person_id=pid,
    )
    person_erased.send(pid, partner_ids=sorted(partners), course_ids=course_ids)
    return Erasure(pid, len(course_ids), ended, tuple(sorted(partners)), texts, blanked)


def _anonymise_identity(person: Person) -> None:
    person.sub = TOMBSTONE_PREFIX + secrets.token_hex(12)
    person.name = person.given_name = person.family_name = person.email = None
    person.erased_at = utcnow()


def _partners(pid: int) -> set[int]:
    rows = db.session.execute(
        sa.select(Pair.mentor_id, Pair.mentee_id).where(
            sa.or_(Pair.mentor_id == pid, Pair.mentee_id == pid),
            Pair.status.in_([PairStatus.ACTIVE, PairStatus.ENDED]),
        )
    )
    return {other for pair in rows for other in pair if other != pid}


def _remove_free_text(pid: int) -> int:
    """Blank the free text the person wrote; returns how many rows changed."""
    statements = [
        sa.update(Profile)
        .where(Profile.person_id == pid)
        .values(goal_note=None, availability_note=None, manager_id=None),
        sa.update(Profile).where(Profile.manager_id == pid).values(manager_id=None),
        sa.update(MeetingLog)
        .where(MeetingLog.logged_by_id == pid)
        .values(shared_notes="", private_notes="", topics=[]),
        sa.update(MeetingLog)
        .where(MeetingLog.responded_by_id == pid)
        .values(decline_reason=None, responded_by_id=None),
        sa.update(Reflection).where(Reflection.author_id == pid).values(text="", is_shared=False),
        sa.update(SurveyAnswer)
        .where(
            SurveyAnswer.response_id.in_(
                sa.select(SurveyResponse.id).where(SurveyResponse.person_id == pid)
            )
        )
        .values(text=None),
        sa.update(PairVeto)
        .where(PairVeto.vetoed_by_id == pid)
        .values(reason=None, vetoed_by_id=None),
        sa.update(MatchingRun)
        .where(MatchingRun.requested_by_id == pid)
        .values(requested_by_id=None),
        sa.update(RosterSync).where(RosterSync.requested_by_id == pid).values(requested_by_id=None),
    ]
    changed = 0
    for statement in statements:
        changed += db.session.execute(
            statement.execution_options(synchronize_session=False)
        ).rowcount
    return changed
