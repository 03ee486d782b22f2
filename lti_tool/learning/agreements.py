"""Signing an agreement step: complete when both partners signed one same version."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from lti_tool.extensions import db
from lti_tool.learning.completing import check_taking, partner_of, record_completion
from lti_tool.learning.models import AgreementSignature, Step, StepKind
from lti_tool.learning.notifications.events import agreement_waiting
from lti_tool.matching.models import Pair


@dataclass(frozen=True)
class AgreementState:
    version: int  # the step's current version, the one to sign now
    signed_by_me: bool  # this version
    signed_by_partner: bool  # this version
    is_complete: bool  # both signed one same version (this or an earlier one)
    must_sign_again: bool  # I signed an earlier version that was edited since


def _versions(pair_id: int, step_id: int) -> dict[int, set[int]]:
    rows = db.session.execute(
        sa.select(AgreementSignature.person_id, AgreementSignature.version).where(
            AgreementSignature.pair_id == pair_id, AgreementSignature.step_id == step_id
        )
    )
    signed: dict[int, set[int]] = {}
    for person_id, version in rows:
        signed.setdefault(person_id, set()).add(version)
    return signed


def agreement_state(step: Step, pair: Pair, person_id: int) -> AgreementState:
    signed = _versions(pair.id, step.id)
    mine = signed.get(person_id, set())
    theirs = signed.get(partner_of(pair, person_id), set())
    return AgreementState(
        version=step.version,
        signed_by_me=step.version in mine,
        signed_by_partner=step.version in theirs,
        is_complete=bool(mine & theirs),
        must_sign_again=bool(mine) and step.version not in mine and not (mine & theirs),
    )


def sign_agreement(step: Step, pair: Pair, person_id: int) -> AgreementState:
    """``person_id`` signs the agreement's current version (signing twice changes nothing).
    When the partner signed this same version too, the step is complete for both.

    :raise NotFoundError, DomainError: see ``check_taking``.
    """
    check_taking(step, pair, person_id, StepKind.AGREEMENT)
    if step.version not in _versions(pair.id, step.id).get(person_id, set()):
        db.session.add(
            AgreementSignature(
                pair_id=pair.id, step_id=step.id, person_id=person_id, version=step.version
            )
        )
        db.session.flush()
        agreement_waiting(step, pair, person_id)  # the partner is asked (email, when on)
    state = agreement_state(step, pair, person_id)
    if state.is_complete:
        for partner_id in (pair.mentor_id, pair.mentee_id):
            record_completion(step, pair, partner_id)
    return state
