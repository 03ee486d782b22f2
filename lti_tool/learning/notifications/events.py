"""What each event tells whom: the receivers of matching's signals, and the calls
``agreements`` and ``meetings`` make. Each writes outbox rows in the event's transaction."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from lti_tool.core.i18n import format_day, format_weekday_moment
from lti_tool.extensions import db
from lti_tool.learning.models import AgreementSignature, MeetingLog, Step
from lti_tool.learning.notifications.outbox import Message, in_language_of, queue_email
from lti_tool.matching.calendar import ics_file_name, proposal_ics
from lti_tool.matching.models import MeetingProposal, Pair, PairStatus, Program
from lti_tool.matching.programs import person_label
from lti_tool.roster.models import Membership, Person


def _pairs(pair_ids: list[int]) -> list[Pair]:
    return list(
        db.session.scalars(
            sa.select(Pair)
            .where(Pair.id.in_(pair_ids))
            .options(
                selectinload(Pair.mentor), selectinload(Pair.mentee), selectinload(Pair.program)
            )
        )
    )


def _sides(pair: Pair) -> list[tuple[Person, Person, bool]]:
    """(person, partner, person is the mentor) for both partners."""
    return [(pair.mentor, pair.mentee, True), (pair.mentee, pair.mentor, False)]


def on_pairs_published(program_id: int, *, pair_ids: list[int], **_kw: object) -> None:
    """Each partner of a newly published pair hears who their partner is."""
    for pair in _pairs(pair_ids):
        for person, partner, is_mentor in _sides(pair):
            with in_language_of(person):
                role = (
                    _("You are %(name)s's mentor.", name=person_label(partner))
                    if is_mentor
                    else _("%(name)s is your mentor.", name=person_label(partner))
                )
                queue_email(
                    f"pairs-published:pair {pair.id}:person {person.id}",
                    "pairs-published",
                    person,
                    pair.program.course_id,
                    Message(
                        subject=_(
                            "Your mentoring partner in %(program)s", program=pair.program.title
                        ),
                        paragraphs=[
                            _(
                                "The pairs of %(program)s are published: your partner is %(name)s.",
                                program=pair.program.title,
                                name=person_label(partner),
                            ),
                            role
                            + " "
                            + _("Learning flows both ways: each of you brings experience."),
                            _(
                                "Open Reciprocal to see why you were matched, your partner's email "
                                "and to propose a first meeting time."
                            ),
                        ],
                        action=_("Meet your partner"),
                    ),
                )


def on_pair_ended(pair_id: int, *, reason: str, rematch: bool, **_kw: object) -> None:
    """Both partners of a pair the designer ended hear why, and what happens next."""
    for pair in _pairs([pair_id]):
        for person, partner, _is_mentor in _sides(pair):
            with in_language_of(person):
                next_step = (
                    _(
                        "The program's designer is finding you a new partner: you hear when the "
                        "new pairs are published."
                    )
                    if rematch
                    else _("The program's designer will be in touch about what happens next.")
                )
                queue_email(
                    f"pair-ended:pair {pair.id}:person {person.id}",
                    "pair-ended",
                    person,
                    pair.program.course_id,
                    Message(
                        subject=_(
                            "Your mentoring pair in %(program)s has ended",
                            program=pair.program.title,
                        ),
                        paragraphs=[
                            _(
                                "Your pair with %(name)s in %(program)s has ended.",
                                name=person_label(partner),
                                program=pair.program.title,
                            ),
                            _("The designer's reason: %(reason)s", reason=reason),
                            next_step,
                        ],
                    ),
                )


def on_person_erased(
    person_id: int, *, partner_ids: list[int], course_ids: list[int], **_kw: object
) -> None:
    """Each partner of a person whose data was erased hears that their partner left (the
    erased person is never named: their name is gone already)."""
    for partner in db.session.scalars(sa.select(Person).where(Person.id.in_(partner_ids))):
        course_id = db.session.scalar(
            sa.select(Membership.course_id).where(
                Membership.person_id == partner.id, Membership.course_id.in_(course_ids)
            )
        )
        with in_language_of(partner):
            queue_email(
                f"partner-left:person {person_id}:person {partner.id}",
                "partner-left",
                partner,
                course_id,
                Message(
                    subject=_("Your mentoring partner has left the program"),
                    paragraphs=[
                        _(
                            "Your mentoring partner has left the program. Your program's "
                            "designer can pair you with someone new; your completed steps "
                            "stay yours."
                        )
                    ],
                ),
            )


def on_meeting_time_proposed(proposal_id: int, **_kw: object) -> None:
    """The partner gets the proposed time with its calendar file."""
    proposal = db.session.get(MeetingProposal, proposal_id)
    if proposal is None:
        return
    (pair,) = _pairs([proposal.pair_id])
    proposer, partner = (
        (pair.mentor, pair.mentee)
        if proposal.proposed_by_id == pair.mentor_id
        else (pair.mentee, pair.mentor)
    )
    starts = proposal.starts_at.astimezone(ZoneInfo(proposal.time_zone))
    with in_language_of(partner):
        queue_email(
            f"meeting-time:proposal {proposal.id}:person {partner.id}",
            "meeting-time",
            partner,
            pair.program.course_id,
            Message(
                subject=_("%(name)s proposes a meeting time", name=person_label(proposer)),
                paragraphs=[
                    _(
                        "%(name)s proposes to meet on %(when)s (%(zone)s) for %(minutes)s minutes.",
                        name=person_label(proposer),
                        when=format_weekday_moment(starts),
                        zone=proposal.time_zone,
                        minutes=proposal.duration_minutes,
                    ),
                    _("The calendar file attached adds it to your calendar."),
                ],
                ics=proposal_ics(proposal).decode(),
                ics_name=ics_file_name(proposal),
            ),
        )


def _step_context(step: Step, pair: Pair) -> tuple[Program, Person, Person]:
    (loaded,) = _pairs([pair.id])
    return loaded.program, loaded.mentor, loaded.mentee


def agreement_waiting(step: Step, pair: Pair, signer_id: int) -> None:
    """``signer_id`` signed; the partner, if they have not signed this version, is asked."""
    program, mentor, mentee = _step_context(step, pair)
    partner, signer = (mentee, mentor) if signer_id == mentor.id else (mentor, mentee)
    signed = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AgreementSignature)
        .where(
            AgreementSignature.pair_id == pair.id,
            AgreementSignature.step_id == step.id,
            AgreementSignature.person_id == partner.id,
            AgreementSignature.version == step.version,
        )
    )
    if signed:
        return
    with in_language_of(partner):
        queue_email(
            f"agreement:pair {pair.id}:step {step.id}:v{step.version}:person {partner.id}",
            "agreement-waiting",
            partner,
            program.course_id,
            Message(
                subject=_("“%(title)s” waits for your signature", title=step.title),
                paragraphs=[
                    _(
                        "%(name)s signed “%(title)s” in %(program)s. It is complete once you sign "
                        "it too.",
                        name=person_label(signer),
                        title=step.title,
                        program=program.title,
                    )
                ],
                action=_("Read and sign the agreement"),
            ),
        )


def agreement_edited(step: Step) -> None:
    """The agreement changed (a new version): in each pair that has not completed it yet
    but where someone signed an earlier version, both partners are asked to sign again."""
    signed_pairs = db.session.scalars(
        sa.select(AgreementSignature.pair_id)
        .where(AgreementSignature.step_id == step.id)
        .group_by(AgreementSignature.pair_id)
    ).all()
    for pair in _pairs(list(signed_pairs)):
        if pair.status != PairStatus.ACTIVE or _agreed(step, pair):
            continue
        for person, _partner, _is_mentor in _sides(pair):
            with in_language_of(person):
                queue_email(
                    f"agreement:pair {pair.id}:step {step.id}:v{step.version}:person {person.id}",
                    "agreement-waiting",
                    person,
                    pair.program.course_id,
                    Message(
                        subject=_("“%(title)s” waits for your signature", title=step.title),
                        paragraphs=[
                            _(
                                "“%(title)s” in %(program)s was changed: please read it and "
                                "sign it again. It is complete once you have both signed the "
                                "new version.",
                                title=step.title,
                                program=pair.program.title,
                            )
                        ],
                        action=_("Read and sign the agreement"),
                    ),
                )


def _agreed(step: Step, pair: Pair) -> bool:
    """Both partners signed one same version (an agreement complete stays complete)."""
    versions: dict[int, set[int]] = {}
    for person_id, version in db.session.execute(
        sa.select(AgreementSignature.person_id, AgreementSignature.version).where(
            AgreementSignature.pair_id == pair.id, AgreementSignature.step_id == step.id
        )
    ):
        versions.setdefault(person_id, set()).add(version)
    return bool(versions.get(pair.mentor_id, set()) & versions.get(pair.mentee_id, set()))


def meeting_waiting(meeting: MeetingLog, pair: Pair) -> None:
    """The partner who did not log ``meeting`` is asked to confirm it."""
    program, mentor, mentee = _step_context(meeting.step, pair)
    logger, partner = (mentor, mentee) if meeting.logged_by_id == mentor.id else (mentee, mentor)
    with in_language_of(partner):
        queue_email(
            f"meeting:log {meeting.id}:person {partner.id}",
            "meeting-waiting",
            partner,
            program.course_id,
            Message(
                subject=_("Confirm your meeting with %(name)s", name=person_label(logger)),
                paragraphs=[
                    _(
                        "%(name)s logged your meeting of %(date)s for “%(title)s”. The step is "
                        "complete for both of you once you confirm it (or decline it, saying why).",
                        name=person_label(logger),
                        date=format_day(meeting.met_on),
                        title=meeting.step.title,
                    )
                ],
                action=_("Confirm the meeting"),
            ),
        )
