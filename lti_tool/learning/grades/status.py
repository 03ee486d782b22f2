"""What other pages ask of the grade outbox: is this completion in the LMS gradebook yet?"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from lti_tool.extensions import db
from lti_tool.learning.grades.models import GradeSend, SendState


def grades_recorded(person_id: int, step_ids: Iterable[int]) -> set[int]:
    """The steps among ``step_ids`` whose grade for the person the LMS has accepted."""
    ids = list(step_ids)
    if not ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(GradeSend.step_id).where(
                GradeSend.person_id == person_id,
                GradeSend.step_id.in_(ids),
                GradeSend.state == SendState.SENT.value,
            )
        )
    )


def grade_recorded(step_id: int, person_id: int) -> bool:
    """The learner's completion of the step is in the course gradebook (sent and accepted;
    a newer value still on its way counts as not yet)."""
    return step_id in grades_recorded(person_id, [step_id])


def outbox_counts() -> dict[str, int]:
    """``{"waiting": n, "failed": m}``: scores still to send (pending or being sent), and
    scores the LMS refused for good (the ``reciprocal_grade_sends`` gauge)."""
    rows = db.session.execute(
        sa.select(GradeSend.state, sa.func.count()).group_by(GradeSend.state)
    ).all()
    by_state = {state: count for state, count in rows}
    return {
        "waiting": by_state.get(SendState.PENDING.value, 0)
        + by_state.get(SendState.SENDING.value, 0),
        "failed": by_state.get(SendState.FAILED.value, 0),
    }
