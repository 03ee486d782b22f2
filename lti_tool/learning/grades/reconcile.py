"""Reconciliation: read the LMS's results of each column and send again what differs.

Only rows the tool believes sent are compared (pending and failed ones are on their way or
waiting for a designer). A person missing from the results, or holding another value (a
teacher's edit, a column made again), gets the tool's value again with a new timestamp, so
the LMS takes it as the newest.
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa

from lti_tool.core.time import utcnow
from lti_tool.extensions import db
from lti_tool.learning.ags import read_results
from lti_tool.learning.grades.models import GradeSend, PathLineItemLink, SendState
from lti_tool.learning.grades.outbox import enqueue_drain, score_time
from lti_tool.learning.grades.sending import same_score
from lti_tool.learning.models import LineItemLink, Path
from lti_tool.platforms.models import Platform
from lti_tool.platforms.service_client import PlatformServiceError
from lti_tool.roster.models import Course, Person


def column_urls(course_id: int, path_id: int) -> dict[str, str]:
    """resourceId → recorded column URL, for the path's steps and its completion column."""
    from lti_tool.learning.models import Step

    urls = {
        public_id: url
        for public_id, url in db.session.execute(
            sa.select(Step.public_id, LineItemLink.line_item_url)
            .join(LineItemLink, LineItemLink.step_id == Step.id)
            .where(Step.path_id == path_id, LineItemLink.course_id == course_id)
        )
        if url
    }
    path_link = db.session.scalars(
        sa.select(PathLineItemLink).filter_by(course_id=course_id, path_id=path_id)
    ).first()
    if path_link and path_link.line_item_url:
        from lti_tool.learning.grades.outbox import path_resource_id

        urls[path_resource_id(db.session.get(Path, path_id))] = path_link.line_item_url
    return urls


def reconcile_path(course_id: int, path_id: int) -> tuple[int, list[str]]:
    """(rows queued again, problems in words). Reads every column first, then writes."""
    course = db.session.get(Course, course_id)
    platform = db.session.get(Platform, course.platform_id)
    sent = db.session.execute(
        sa.select(GradeSend, Person.sub)
        .join(Person, Person.id == GradeSend.person_id)
        .where(
            GradeSend.course_id == course_id,
            GradeSend.path_id == path_id,
            GradeSend.state == SendState.SENT.value,
        )
    ).all()
    by_resource: dict[str, list[tuple[GradeSend, str]]] = defaultdict(list)
    for row, sub in sent:
        by_resource[row.resource_id].append((row, sub))
    urls = column_urls(course_id, path_id)
    differing: list[GradeSend] = []
    problems: list[str] = []
    for resource_id, rows in by_resource.items():
        url = urls.get(resource_id)
        if url is None:
            differing.extend(row for row, _ in rows)
            continue
        try:
            results = {str(r.get("userId")): r for r in read_results(platform, url)}
        except PlatformServiceError as exc:
            problems.append(exc.message)
            continue
        for row, sub in rows:
            result = results.get(sub)
            if result is None or not same_score(result, row.score_given, row.score_maximum):
                differing.append(row)
    now = utcnow()
    for row in differing:
        db.session.execute(
            sa.update(GradeSend)
            .where(GradeSend.id == row.id, GradeSend.state == SendState.SENT.value)
            .values(
                state=SendState.PENDING.value,
                timestamp=score_time(now),
                version=GradeSend.version + 1,
                attempts=0,
                next_attempt_at=now,
                needs_check=False,
                last_error=None,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
    if differing:
        enqueue_drain()
    return len(differing), problems


def reconcile_all() -> int:
    """Every (course, path) with sent grades; how many rows were queued again."""
    pairs = db.session.execute(
        sa.select(GradeSend.course_id, GradeSend.path_id)
        .where(GradeSend.state == SendState.SENT.value)
        .distinct()
    ).all()
    queued = 0
    for course_id, path_id in pairs:
        queued += reconcile_path(course_id, path_id)[0]
    return queued
