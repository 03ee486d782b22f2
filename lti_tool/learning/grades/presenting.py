"""Plain data for the designer's gradebook page: columns, and each person's sends."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from lti_tool.core.audit import AuditEvent
from lti_tool.extensions import db
from lti_tool.learning.grades.models import GradeSend, PathLineItemLink, SendState
from lti_tool.learning.grades.outbox import path_steps
from lti_tool.learning.models import LineItemLink, Path
from lti_tool.roster.models import Person


@dataclass
class ColumnView:
    label: str
    points: int
    state: str  # "linked", "unpushed", "creating"
    notice: str | None
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class CellView:
    send_id: int
    state: str
    error: str | None
    attempts: int


@dataclass
class PersonRow:
    name: str
    cells: list[CellView | None]


@dataclass
class GradebookView:
    columns: list[ColumnView]
    people: list[PersonRow]
    failed_ids: list[int]
    last_push: dict | None
    pushing: bool


def _link_state(url: str | None, creating: object) -> str:
    if url:
        return "linked"
    return "creating" if creating else "unpushed"


def gradebook_view(course_id: int, path: Path) -> GradebookView:
    steps = [s for s in path_steps(path.id) if s.points > 0]
    links = {
        link.step_id: link
        for link in db.session.scalars(
            sa.select(LineItemLink).where(
                LineItemLink.course_id == course_id,
                LineItemLink.step_id.in_([s.id for s in steps]),
            )
        )
    }
    path_link = db.session.scalars(
        sa.select(PathLineItemLink).filter_by(course_id=course_id, path_id=path.id)
    ).first()
    sends = db.session.execute(
        sa.select(GradeSend, Person)
        .join(Person, Person.id == GradeSend.person_id)
        .where(GradeSend.course_id == course_id, GradeSend.path_id == path.id)
        .order_by(Person.family_name, Person.given_name, Person.id)
    ).all()
    keys: list[int | None] = [s.id for s in steps] + [None]
    columns = []
    for step in steps:
        link = links.get(step.id)
        columns.append(
            ColumnView(
                step.title,
                step.points,
                _link_state(link.line_item_url if link else None, link and link.creating_until),
                link.notice if link else None,
            )
        )
    columns.append(
        ColumnView(
            "Path completion (%)",
            100,
            _link_state(
                path_link.line_item_url if path_link else None,
                path_link and path_link.creating_until,
            ),
            path_link.notice if path_link else None,
        )
    )
    rows: dict[int, PersonRow] = {}
    failed = []
    for send, person in sends:
        row = rows.setdefault(
            person.id, PersonRow(person.name or person.email or "—", [None] * len(keys))
        )
        index = keys.index(send.step_id) if send.step_id in keys else None
        if index is None:
            continue
        row.cells[index] = CellView(send.id, send.state, send.last_error, send.attempts)
        column = columns[index]
        column.counts[send.state] = column.counts.get(send.state, 0) + 1
        if send.state == SendState.FAILED:
            failed.append(send.id)
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(
            AuditEvent.action.in_(("grades.push", "grades.push_finished")),
            AuditEvent.subject == f"path {path.id} course {course_id}",
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()
    pushing = events is not None and events.action == "grades.push"
    last = events.details if events is not None and not pushing else None
    return GradebookView(columns, list(rows.values()), failed, last, pushing)
