"""Writing a reflection: private to its author unless shared with the partner."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from lti_tool.errors import ValidationError
from lti_tool.extensions import db
from lti_tool.learning.completing import check_taking, partner_of, record_completion
from lti_tool.learning.models import Reflection, Step, StepKind
from lti_tool.matching.models import Pair

TEXT_LIMIT = 10_000


@dataclass(frozen=True)
class ReflectionView:
    author_is_me: bool
    text: str
    is_shared: bool


def write_reflection(
    step: Step, pair: Pair, person_id: int, text: str, *, share: bool
) -> Reflection:
    """Write (or rewrite) the person's reflection on ``step``; the first one completes it.

    :raise ValidationError: empty or too long.
    :raise NotFoundError, DomainError: see ``check_taking``.
    """
    check_taking(step, pair, person_id, StepKind.REFLECTION)
    text = text.strip()
    if not text:
        raise ValidationError(_("Write your reflection before saving it."))
    if len(text) > TEXT_LIMIT:
        raise ValidationError(f"A reflection is limited to {TEXT_LIMIT} characters.")
    reflection = db.session.scalars(
        sa.select(Reflection).where(
            Reflection.step_id == step.id, Reflection.author_id == person_id
        )
    ).first()
    if reflection is None:
        reflection = Reflection(step=step, author_id=person_id)
        db.session.add(reflection)
    reflection.pair_id, reflection.text, reflection.is_shared = pair.id, text, share
    db.session.flush()
    record_completion(step, pair, person_id)
    return reflection


def visible_reflections(step: Step, pair: Pair, viewer_id: int) -> list[ReflectionView]:
    """The viewer's own reflection on ``step`` and the partner's if they shared it."""
    partner_id = partner_of(pair, viewer_id)
    rows = db.session.scalars(
        sa.select(Reflection)
        .where(
            Reflection.step_id == step.id,
            sa.or_(
                Reflection.author_id == viewer_id,
                sa.and_(
                    Reflection.author_id == partner_id,
                    Reflection.is_shared,
                    Reflection.pair_id == pair.id,
                ),
            ),
        )
        .order_by(Reflection.id)
    )
    return [ReflectionView(r.author_id == viewer_id, r.text, r.is_shared) for r in rows]
