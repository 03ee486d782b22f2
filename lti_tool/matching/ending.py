"""A designer ends an active pair (with a reason) and, if they choose, matches its two people
again: every other pair stays exactly as it is.

Ending writes an audit event and sends ``signals.pair_ended`` (the partners hear by email);
the rematch is ``pairing.rematch_leavers``, which treats both people of a pair ended with
``rematch=True`` as free to pair (never with each other again). The new pairs are proposed,
and reach the two people once the designer publishes them.
"""

from __future__ import annotations

from flask_babel import gettext as _

from lti_tool.core.audit import record_event
from lti_tool.errors import ValidationError
from lti_tool.extensions import db
from lti_tool.matching.models import MatchingRun, Pair
from lti_tool.matching.pairing import ensure_reviewable, rematch_leavers
from lti_tool.matching.signals import pair_ended

REASON_LIMIT = 500


def end_pair(pair: Pair, reason: str, *, rematch: bool, actor: str) -> None:
    """active → ended, with the designer's ``reason``; ``rematch`` marks both people for a
    new partner. ``actor`` names the designer in words, for the audit trail.

    :raise ValidationError: no reason, or one that is too long.
    :raise DomainError: the pair is not active, or its program is closed.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why the pair ends: the partners are told."))
    if len(reason) > REASON_LIMIT:
        raise ValidationError(_("Keep the reason to %(limit)d characters.", limit=REASON_LIMIT))
    ensure_reviewable(pair.program)
    pair.end(reason, needs_rematch=rematch)
    db.session.flush()
    record_event(
        actor,
        "pair.ended",
        f"pair {pair.id} of program {pair.program_id}",
        {
            "mentor_id": pair.mentor_id,
            "mentee_id": pair.mentee_id,
            "reason": reason,
            "rematch": rematch,
        },
    )
    pair_ended.send(pair.id, reason=reason, rematch=rematch)


def end_and_rematch(pair: Pair, reason: str, *, actor: str, requested_by_id: int) -> MatchingRun:
    """End ``pair`` and propose new partners for both people now (see ``end_pair``)."""
    end_pair(pair, reason, rematch=True, actor=actor)
    return rematch_leavers(pair.program, requested_by_id)
