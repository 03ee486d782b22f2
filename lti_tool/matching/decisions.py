"""The designer's decisions on proposed pairs: lock, unlock, veto, pair by hand, publish.

A locked pair survives re-runs; a vetoed pair is never proposed again in the program; a pair
made by hand is checked against the hard rules and needs a written reason to break one;
publishing makes the pairs (and a matching program) active, and sends ``signals.pairs_published``.

Services take explicit arguments, flush when they need ids, and never commit. Each decision
is audited (``core.audit.record_event``): who decided comes from the request's launch.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext

from lti_tool.core.audit import record_event
from lti_tool.errors import DomainError, NotFoundError, ValidationError
from lti_tool.extensions import db
from lti_tool.matching.engine import make_manual_pair
from lti_tool.matching.engine.candidates import Candidate, ManualPairRejected
from lti_tool.matching.models import Pair, PairStatus, PairVeto, Program, ProgramStatus
from lti_tool.matching.pairing import (
    UNPUBLISHED,
    current_pairs,
    ensure_reviewable,
    find_pending_run,
    previous_pair_ids,
    store_result,
)
from lti_tool.matching.pool import Pool, build_pool
from lti_tool.matching.programs import audit_status_change
from lti_tool.matching.signals import pairs_published


class ManualPairNeedsReason(ValidationError):
    """A designer's pair breaks hard rules and no written reason was given; ``broken`` lists
    the rules in words, for the form."""

    def __init__(self, broken: list[str]):
        super().__init__(
            _("This pair breaks the program's rules: %(rules)s.", rules="; ".join(broken)),
            hint=_("Write why the pair should stand anyway, or choose another partner."),
        )
        self.broken = broken


def lock_pair(pair: Pair) -> None:
    """Keep a proposed pair through re-runs. :raise DomainError: not proposed."""
    ensure_reviewable(pair.program)
    pair.lock()
    _audit_pair("pair.locked", pair)


def unlock_pair(pair: Pair) -> None:
    """:raise DomainError: the pair is not locked."""
    ensure_reviewable(pair.program)
    pair.unlock()
    _audit_pair("pair.unlocked", pair)


def veto_pair(pair: Pair, vetoed_by_id: int | None, reason: str | None = None) -> PairVeto:
    """Remove a proposed or locked pair and never propose it again in this program.

    :raise DomainError: the pair is already published or ended.
    """
    program = pair.program
    ensure_reviewable(program)
    if pair.status not in UNPUBLISHED:
        raise DomainError(
            _(
                "This pair is %(status)s: only proposed or locked pairs can be vetoed.",
                status=pair.status,
            ),
        )
    veto = next(
        (
            v
            for v in program.vetoes
            if (v.mentor_id, v.mentee_id) == (pair.mentor_id, pair.mentee_id)
        ),
        None,
    )
    if veto is None:
        veto = PairVeto(
            mentor_id=pair.mentor_id,
            mentee_id=pair.mentee_id,
            reason=(reason or "").strip() or None,
            vetoed_by_id=vetoed_by_id,
        )
        program.vetoes.append(veto)
    _audit_pair("pair.vetoed", pair, reason=veto.reason)
    program.pairs.remove(pair)
    db.session.flush()
    return veto


def _audit_pair(action: str, pair: Pair, **details: object) -> None:
    program = pair.program
    record_event(
        None,
        action,
        f"pair {pair.id} of program {program.id}",
        {"program_id": program.id, "mentor_id": pair.mentor_id, "mentee_id": pair.mentee_id}
        | details,
        course_id=program.course_id,
    )


def lift_veto(program: Program, veto_id: int) -> None:
    """The pair may be proposed again by the next run.

    :raise DomainError: the pairs cannot change now.
    :raise NotFoundError: the veto is not one of this program's.
    """
    ensure_reviewable(program)
    veto = next((v for v in program.vetoes if v.id == veto_id), None)
    if veto is None:
        raise NotFoundError(_("That veto is not one of this program's."))
    record_event(
        None,
        "pair.veto_lifted",
        f"veto {veto.id} of program {program.id}",
        {"program_id": program.id, "mentor_id": veto.mentor_id, "mentee_id": veto.mentee_id},
        course_id=program.course_id,
    )
    program.vetoes = [v for v in program.vetoes if v.id != veto_id]
    db.session.flush()


def pair_by_hand(
    program: Program, mentor_id: int, mentee_id: int, override_reason: str | None = None
) -> tuple[Pair, int]:
    """A designer's own pair, checked against the hard rules and locked. Proposed pairs of
    either person are withdrawn (a re-run pairs their partners again); a veto of the same two
    is lifted. Returns the pair and how many proposals were withdrawn.

    :raise ValidationError: someone cannot take part, or is in a locked or published pair.
    :raise ManualPairNeedsReason: the pair breaks hard rules and no reason was written.
    """
    ensure_reviewable(program)
    if mentor_id == mentee_id:
        raise ValidationError(_("Choose two different people."))
    both = {mentor_id, mentee_id}
    withdrawn = [
        p
        for p in current_pairs(program)
        if p.status == PairStatus.PROPOSED and both & {p.mentor_id, p.mentee_id}
    ]
    others = [p for p in current_pairs(program) if p not in withdrawn]
    pool = build_pool(
        program,
        mentor_ids={mentor_id} | {p.mentor_id for p in others},
        mentee_ids={mentee_id} | {p.mentee_id for p in others},
    )
    _check_free(pool, others, mentor_id, mentee_id)
    mentor, mentee = _candidate(pool, mentor_id), _candidate(pool, mentee_id)
    rules = program.matching_rules(previous_pairs=previous_pair_ids(program))
    try:
        proposed = make_manual_pair(
            mentor,
            mentee,
            rules,
            program.score_weights(),
            existing_pairs=[(p.mentor_id, p.mentee_id) for p in others],
            override_reason=override_reason,
        )
    except ManualPairRejected as error:
        raise ManualPairNeedsReason(error.broken) from error
    program.pairs = [p for p in program.pairs if p not in withdrawn]
    program.vetoes = [v for v in program.vetoes if {v.mentor_id, v.mentee_id} != both]
    pair = Pair(
        mentor_id=mentor_id,
        mentee_id=mentee_id,
        is_manual=True,
        status=PairStatus.PROPOSED.value,
        override_reason=proposed.override_reason,
    )
    program.pairs.append(pair)
    store_result(pair, proposed)
    pair.lock()
    db.session.flush()
    _audit_pair(
        "pair.made_by_hand",
        pair,
        rules_broken=list(pair.rules_broken or []),
        reason=pair.override_reason,
        withdrawn=len(withdrawn),
    )
    return pair, len(withdrawn)


def _check_free(pool: Pool, others: list[Pair], mentor_id: int, mentee_id: int) -> None:
    name = pool.names.get
    for pair in others:
        if pair.mentee_id == mentee_id:
            raise ValidationError(
                _(
                    "%(name)s already has a mentor in a %(status)s pair.",
                    name=name(mentee_id),
                    status=pair.status,
                ),
                hint=_("Unlock or veto that pair first."),
            )
        if pair.mentee_id == mentor_id or pair.mentor_id == mentee_id:
            who = name(mentor_id) if pair.mentee_id == mentor_id else name(mentee_id)
            raise ValidationError(
                _(
                    "%(name)s is already in a %(status)s pair on the other side.",
                    name=who,
                    status=pair.status,
                ),
                hint=_("Unlock or veto that pair first."),
            )


def _candidate(pool: Pool, person_id: int) -> Candidate:
    candidate = pool.candidate(person_id)
    if candidate is None:
        name = pool.names.get(person_id) or _("This person")
        reason = next((u.reason for u in pool.left_out if u.person_id == person_id), None)
        if reason is None:
            raise ValidationError(
                _("%(name)s cannot be paired: is not a learner of this course.", name=name)
            )
        raise ValidationError(_("%(name)s cannot be paired: %(reason)s.", name=name, reason=reason))
    return candidate


def publish_pairs(program: Program) -> int:
    """Proposed and locked pairs become active, and a matching program becomes active: the
    partners see each other from now on. Returns how many pairs were published.

    :raise DomainError: a run is under way, a pair lost a partner, a pair breaks rules with
        no written reason, or there is nothing to publish.
    """
    ensure_reviewable(program)
    if find_pending_run(program) is not None:
        raise DomainError(_("Wait for the matching run to finish before publishing."))
    if any(p.needs_rematch for p in program.pairs):
        raise DomainError(
            _("Some pairs lost a partner who left the course."),
            hint=_("Rematch the people whose partner left, or veto those pairs, then publish."),
        )
    waiting = [p for p in program.pairs if p.status in UNPUBLISHED]
    if not waiting:
        raise DomainError(
            _("There are no proposed pairs to publish."), hint=_("Run matching first.")
        )
    unjustified = [p for p in waiting if p.rules_broken and not (p.override_reason or "").strip()]
    if unjustified:
        raise DomainError(
            ngettext(
                "%(num)d pair breaks the program's rules without a written reason.",
                "%(num)d pairs break the program's rules without a written reason.",
                len(unjustified),
            ),
            hint=_("Unlock or veto them, or make them again by hand with a reason."),
        )
    for pair in waiting:
        pair.activate()
    record_event(
        None,
        "pairs.published",
        f"program {program.id}",
        {"program_id": program.id, "pairs": sorted(p.id for p in waiting)},
        course_id=program.course_id,
    )
    if program.status == ProgramStatus.MATCHING:
        program.activate()
        audit_status_change(program, ProgramStatus.MATCHING.value)
    db.session.flush()
    pairs_published.send(program.id, pair_ids=[p.id for p in waiting])
    return len(waiting)
