"""Gradebook columns made from inside the tool: a step's (``LineItemLink``) and the path
completion's (``PathLineItemLink``), one per course, never two.

The local row comes first (unique per course and step/path, ``insert_or_get``); then one
worker at a time — it takes a short lease on the row, committed at once — finds the column
in the LMS by ``resourceId`` (the server filters, ``ags`` checks again) or creates it, and
records its URL. Nobody holds a database lock while the LMS answers (on SQLite that would
stall every writer). A column whose label or maximum changed is updated (PUT); one the
teacher deleted (404) is found again or made again, and the row says so (``notice``) for
the designer's gradebook page.

These functions commit their own short units (``separate_unit``): call them from a job or
command that has not written yet.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from lti_tool.core.lti_spec import AGS_LINEITEM, LINEITEM_MEDIA
from lti_tool.core.time import utcnow
from lti_tool.core.transaction import separate_unit
from lti_tool.core.upsert import insert_or_get
from lti_tool.errors import DomainError
from lti_tool.extensions import db
from lti_tool.learning.ags import find_or_create_line_item
from lti_tool.learning.grades.models import PathLineItemLink
from lti_tool.learning.grades.outbox import (
    PATH_SCORE_MAXIMUM,
    PATH_TAG,
    STEP_TAG,
    path_resource_id,
)
from lti_tool.learning.models import LineItemLink, Path, Step
from lti_tool.platforms.models import Platform
from lti_tool.platforms.service_client import ServiceCallFailed, service_request
from lti_tool.roster.models import Course

LEASE_SECONDS = 30.0
WAIT_STEP_SECONDS = 0.05


@dataclass(frozen=True)
class Column:
    """What a column should be, and which local row records it."""

    model: type[LineItemLink] | type[PathLineItemLink]
    key: dict[str, int]
    label: str
    score_maximum: int
    resource_id: str
    tag: str


def step_column(course_id: int, step: Step) -> Column:
    return Column(
        LineItemLink,
        {"course_id": course_id, "step_id": step.id},
        step.title[:200],
        step.points,
        step.public_id,
        STEP_TAG,
    )


def path_column(course_id: int, path: Path) -> Column:
    label = _("%(path)s — path completion (%%)", path=path.title)[:200]
    return Column(
        PathLineItemLink,
        {"course_id": course_id, "path_id": path.id},
        label,
        PATH_SCORE_MAXIMUM,
        path_resource_id(path),
        PATH_TAG,
    )


def ensure_line_item(course_id: int, step_id: int) -> str:
    """The step's column URL in the course's gradebook, found or created once."""
    step = db.session.get(Step, step_id)
    return ensure_column(course_id, step_column(course_id, step))


def ensure_path_line_item(course_id: int, path_id: int) -> str:
    path = db.session.get(Path, path_id)
    return ensure_column(course_id, path_column(course_id, path))


def ensure_column(course_id: int, column: Column) -> str:
    """The column's URL: recorded and unchanged, updated (PUT), or found/created by the one
    worker holding the row's lease (the others wait for its result).

    :raise DomainError: the course has no AGS line items service.
    :raise PlatformServiceError: the LMS refused or failed.
    """
    course = db.session.get(Course, course_id)
    if not course.lineitems_url:
        raise DomainError(
            _("This course's LMS did not offer the tool its gradebook (no AGS line items).")
        )
    platform = db.session.get(Platform, course.platform_id)
    model = column.model
    known = db.session.execute(
        sa.select(model.line_item_url, model.label, model.score_maximum).where(
            *(getattr(model, name) == value for name, value in column.key.items())
        )
    ).first()
    if known and known[0] and (known[1], known[2]) == (column.label, column.score_maximum):
        return str(known[0])  # the usual case: read only, no write transaction
    while True:
        recorded, won = _look_or_lease(column)
        if recorded is not None:
            url, label, maximum = recorded
            if (label, maximum) != (column.label, column.score_maximum):
                return _update(platform, course, column, url)
            return url
        if won:
            break
        time.sleep(WAIT_STEP_SECONDS)
    try:
        item = find_or_create_line_item(
            platform,
            course.lineitems_url,
            label=column.label,
            score_maximum=column.score_maximum,
            resource_id=column.resource_id,
            tag=column.tag,
        )
    except BaseException:
        _record(column, creating_until=None)
        raise
    if (item.get("label"), item.get("scoreMaximum")) != (column.label, column.score_maximum):
        return _update(platform, course, column, str(item["id"]))
    _record(column, line_item_url=str(item["id"]), creating_until=None)
    return str(item["id"])


def _look_or_lease(column: Column) -> tuple[tuple[str, str, int] | None, bool]:
    """(url, label, maximum) when recorded; else whether this worker took the lease."""
    now = utcnow()
    with separate_unit():
        link = insert_or_get(
            column.model,
            column.key,
            {"label": column.label, "score_maximum": column.score_maximum},
        )
        if link.line_item_url:
            return (link.line_item_url, link.label, link.score_maximum), False
        model = column.model
        # A conditional UPDATE: of two workers, the second sees the first's lease (until it
        # ends: a worker that died mid-way is taken over).
        lease = sa.update(model).where(
            model.id == link.id,
            model.line_item_url.is_(None),
            sa.or_(model.creating_until.is_(None), model.creating_until < now),
        )
        until = now + dt.timedelta(seconds=LEASE_SECONDS)
        lease = lease.values(creating_until=until).execution_options(synchronize_session=False)
        won = db.session.execute(lease).rowcount
        return None, won == 1


def _record(column: Column, **values: Any) -> None:
    with separate_unit():
        link = db.session.query(column.model).filter_by(**column.key).one()
        for name, value in values.items():
            setattr(link, name, value)


def _update(platform: Platform, course: Course, column: Column, url: str) -> str:
    """PUT the column's label and maximum; a deleted one (404) is found or made again."""
    body = {
        "label": column.label,
        "scoreMaximum": column.score_maximum,
        "resourceId": column.resource_id,
        "tag": column.tag,
    }
    try:
        service_request(
            platform,
            "PUT",
            url,
            (AGS_LINEITEM,),
            accept=LINEITEM_MEDIA,
            content_type=LINEITEM_MEDIA,
            body=body,
        )
    except ServiceCallFailed as exc:
        if exc.status != 404:
            raise
        mark_column_missing(column)
        return ensure_column(course.id, column)
    _record(column, line_item_url=url, label=column.label, score_maximum=column.score_maximum)
    return url


def mark_column_missing(column: Column) -> None:
    """The LMS no longer has the column (the teacher deleted it): forget its URL so the next
    ensure finds or makes it again, and tell the designer."""
    when = utcnow().strftime("%Y-%m-%d %H:%M UTC")
    _record(
        column,
        line_item_url=None,
        creating_until=None,
        notice=_(
            "The LMS answered that this column no longer exists (deleted in the gradebook?) "
            "on %(when)s; the tool found or made it again and sends its grades there.",
            when=when,
        )[:500],
    )
