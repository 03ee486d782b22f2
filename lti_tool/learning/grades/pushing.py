"""Push to course: every graded step's column and the path completion column, found or made
once each (``line_items``), then the sends that failed on a deleted column go again."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from lti_tool.errors import PlatformServiceError
from lti_tool.extensions import db
from lti_tool.learning.grades.line_items import ensure_line_item, ensure_path_line_item
from lti_tool.learning.grades.models import GradeSend, SendState
from lti_tool.learning.grades.outbox import path_steps, send_again
from lti_tool.learning.models import Path


def push_columns(course_id: int, path_id: int) -> dict[str, Any]:
    """``{"columns": made or found, "errors": [words]}``.

    :raise DomainError: the course has no AGS line items service.
    """
    path = db.session.get(Path, path_id)
    graded = [s.id for s in path_steps(path.id) if s.points > 0]
    done, errors = 0, []
    for step_id in graded:
        try:
            ensure_line_item(course_id, step_id)
            done += 1
        except PlatformServiceError as exc:
            errors.append(exc.message)
    if graded:
        try:
            ensure_path_line_item(course_id, path_id)
            done += 1
        except PlatformServiceError as exc:
            errors.append(exc.message)
    stuck = db.session.scalars(
        sa.select(GradeSend.id).where(
            GradeSend.course_id == course_id,
            GradeSend.path_id == path_id,
            GradeSend.state == SendState.FAILED.value,
            GradeSend.last_error.like("404%"),
        )
    ).all()
    resent = send_again(stuck, course_id)
    return {
        "columns": done,
        "expected": len(graded) + (1 if graded else 0),
        "errors": errors,
        "resent": resent,
    }
