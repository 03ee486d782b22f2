"""Writing scores into the grade outbox, in the transaction of the completion that earns
them (``completing.record_completion`` calls ``queue_completion_grades``).

One row per (course, line item, person): a newer value updates it and makes it pending
again, so the newest value wins and one send is ever pending. The drain job is queued after
the commit; the periodic drain picks up anything that was not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from lti_tool.core.time import utcnow
from lti_tool.extensions import db
from lti_tool.jobs.after_commit import pending
from lti_tool.learning.grades.models import GradeSend, SendState
from lti_tool.learning.models import Completion, Path, Step
from lti_tool.matching.models import Pair, Program

STEP_TAG = "reciprocal"  # the tag deep linking gives the steps' line items too
PATH_TAG = "reciprocal-path-completion"
PATH_SCORE_MAXIMUM = 100
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def path_resource_id(path: Path) -> str:
    """The stable ``resourceId`` of a path's completion column. Its creation time is in it:
    a path id may be used again after a program is deleted, a column must not be."""
    return f"path-{path.id}-{path.created_at:%Y%m%d%H%M%S%f}"


def score_time(at: dt.datetime) -> dt.datetime:
    """Milliseconds precision, as sent: a result read back compares equal."""
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


def queue_completion_grades(
    pair: Pair, person_id: int, role: str, completions: Iterable[Completion]
) -> None:
    """Outbox rows for the graded ones of ``completions`` (same person, same path) and the
    person's path completion share; the drain job follows the commit."""
    graded = [c for c in completions if db.session.get(Step, c.step_id).points > 0]
    if not graded:
        return
    path = db.session.get(Path, db.session.get(Step, graded[0].step_id).path_id)
    course_id = db.session.get(Program, pair.program_id).course_id
    for completion in graded:
        step = db.session.get(Step, completion.step_id)
        upsert_send(
            course_id,
            path.id,
            person_id,
            resource_id=step.public_id,
            step_id=step.id,
            score_given=float(step.points),
            score_maximum=float(step.points),
            submitted_at=completion.completed_at,
        )
    share, last_at = path_share(path, person_id, role)
    upsert_send(
        course_id,
        path.id,
        person_id,
        resource_id=path_resource_id(path),
        step_id=None,
        score_given=round(share * PATH_SCORE_MAXIMUM, 2),
        score_maximum=float(PATH_SCORE_MAXIMUM),
        submitted_at=last_at,
    )
    enqueue_drain()


def path_steps(path_id: int) -> list[Step]:
    """The path's steps in order (queried: relationships are not loaded lazily)."""
    return list(
        db.session.scalars(
            sa.select(Step).where(Step.path_id == path_id).order_by(Step.position, Step.id)
        )
    )


def path_share(path: Path, person_id: int, role: str) -> tuple[float, dt.datetime]:
    """(share of the graded steps for ``role`` the person completed, time of the latest)."""
    graded = [s.id for s in path_steps(path.id) if s.points > 0 and s.is_for(role)]
    done = db.session.execute(
        sa.select(sa.func.count(), sa.func.max(Completion.completed_at)).where(
            Completion.person_id == person_id, Completion.step_id.in_(graded)
        )
    ).one()
    last_at = done[1] or utcnow()
    if last_at.tzinfo is None:
        last_at = last_at.replace(tzinfo=dt.UTC)
    return (done[0] / len(graded) if graded else 0.0), last_at


def upsert_send(
    course_id: int,
    path_id: int,
    person_id: int,
    *,
    resource_id: str,
    step_id: int | None,
    score_given: float,
    score_maximum: float,
    submitted_at: dt.datetime,
    timestamp: dt.datetime | None = None,
) -> tuple[int, int]:
    """(id, version) of the (course, resource, person) row holding this value, pending: new,
    or updated with a higher version (a send in flight for the old version then does not
    mark it sent)."""
    now = utcnow()
    values = {
        "score_given": score_given,
        "score_maximum": score_maximum,
        "submitted_at": submitted_at,
        "timestamp": score_time(timestamp or submitted_at),
        "state": SendState.PENDING.value,
        "attempts": 0,
        "next_attempt_at": now,
        "needs_check": False,
        "last_error": None,
        "updated_at": now,
    }
    key = {"course_id": course_id, "resource_id": resource_id, "person_id": person_id}
    insert = _INSERTS[db.session.get_bind().dialect.name](GradeSend)
    statement = insert.values(
        **key, **values, path_id=path_id, step_id=step_id, version=1
    ).on_conflict_do_update(
        index_elements=list(key), set_={**values, "version": GradeSend.version + 1}
    )
    send_id, version = db.session.execute(
        statement.returning(GradeSend.id, GradeSend.version)
    ).one()
    return send_id, version


def enqueue_drain() -> None:
    """Queue one drain for this transaction (sent after its commit)."""
    from lti_tool.learning.grades.tasks import drain_grades

    if not any(d.startswith(drain_grades.name) for d in pending()):
        drain_grades.enqueue()


def send_again(send_ids: Iterable[int], course_id: int) -> int:
    """Make these failed sends (of this course) pending again; how many were."""
    ids = list(send_ids)
    if not ids:
        return 0
    count = db.session.execute(
        sa.update(GradeSend)
        .where(
            GradeSend.id.in_(ids),
            GradeSend.course_id == course_id,
            GradeSend.state == SendState.FAILED.value,
        )
        .values(
            state=SendState.PENDING.value,
            attempts=0,
            next_attempt_at=utcnow(),
            needs_check=False,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if count:
        enqueue_drain()
    return count
