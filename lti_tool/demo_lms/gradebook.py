"""Line items, scores and results: the gradebook behind AGS and the gradebook page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from lti_tool.demo_lms.flavours import Flavour
from lti_tool.demo_lms.models import (
    DemoCourse,
    DemoEnrollment,
    DemoLineItem,
    DemoResourceLink,
    DemoScore,
    DemoToolRegistration,
    DemoUser,
)
from lti_tool.extensions import db

ACTIVITY_PROGRESS = {"Initialized", "Started", "InProgress", "Submitted", "Completed"}
GRADING_PROGRESS = {"FullyGraded", "Pending", "PendingManual", "Failed", "NotReady"}


class AgsInvalid(ValueError):
    """A line item or score the platform refuses (400)."""


class NotGradable(AgsInvalid):
    """A score for someone who is not an active member of the course (Moodle: "Incorrect
    score received")."""


def _text(value: Any, name: str, max_len: int = 255) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise AgsInvalid(f"{name} must be a string")
    return value[:max_len]


def _score_maximum(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise AgsInvalid("scoreMaximum must be a number greater than 0")
    return float(value)


def apply_line_item(item: DemoLineItem, data: Any) -> None:
    """Set a line item's fields from an AGS line item document.

    :raise AgsInvalid: without a label or a positive scoreMaximum.
    """
    if not isinstance(data, dict):
        raise AgsInvalid("a JSON line item object is required")
    label = _text(data.get("label"), "label", 500)
    if not label:
        raise AgsInvalid("label is required")
    item.label = label
    item.score_maximum = _score_maximum(data.get("scoreMaximum"))
    item.resource_id = _text(data.get("resourceId"), "resourceId")
    item.tag = _text(data.get("tag"), "tag")
    item.start_date_time = _text(data.get("startDateTime"), "startDateTime", 64)
    item.end_date_time = _text(data.get("endDateTime"), "endDateTime", 64)


def create_line_item(
    registration: DemoToolRegistration, course: DemoCourse, data: Any, *, via: str = "api"
) -> DemoLineItem:
    """A new line item; ``resourceLinkId`` must name an activity of this tool in the course."""
    item = DemoLineItem(registration_id=registration.id, course_id=course.id, created_via=via)
    apply_line_item(item, data)
    link_id = data.get("resourceLinkId")
    if link_id is not None:
        link = db.session.scalars(
            sa.select(DemoResourceLink).where(
                DemoResourceLink.resource_link_id == str(link_id),
                DemoResourceLink.course_id == course.id,
                DemoResourceLink.registration_id == registration.id,
            )
        ).first()
        if link is None:
            raise AgsInvalid(f"resourceLinkId {link_id!r} is not an activity of this tool here")
        item.resource_link_pk = link.id
    db.session.add(item)
    db.session.flush()
    return item


def line_items_query(
    registration: DemoToolRegistration,
    course: DemoCourse,
    *,
    resource_link_id: str | None = None,
    resource_id: str | None = None,
    tag: str | None = None,
) -> sa.Select:
    query = sa.select(DemoLineItem).where(
        DemoLineItem.registration_id == registration.id, DemoLineItem.course_id == course.id
    )
    if resource_link_id is not None:
        query = query.join(DemoResourceLink, DemoResourceLink.id == DemoLineItem.resource_link_pk)
        query = query.where(DemoResourceLink.resource_link_id == resource_link_id)
    if resource_id is not None:
        query = query.where(DemoLineItem.resource_id == resource_id)
    if tag is not None:
        query = query.where(DemoLineItem.tag == tag)
    return query.order_by(DemoLineItem.id)


def line_item_json(flavour: Flavour, item: DemoLineItem, item_url: str) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": item_url, "label": item.label, "scoreMaximum": item.score_maximum}
    hide_link = flavour.ags_hides_api_resource_link and item.created_via == "api"
    if item.resource_link is not None and not hide_link:
        doc["resourceLinkId"] = item.resource_link.resource_link_id
    for key, value in (
        ("resourceId", item.resource_id),
        ("tag", item.tag),
        ("startDateTime", item.start_date_time),
        ("endDateTime", item.end_date_time),
    ):
        if value is not None:
            doc[key] = value
    return doc


def _timestamp(value: Any) -> dt.datetime:
    if not isinstance(value, str):
        raise AgsInvalid("timestamp is required (ISO 8601 with a time zone)")
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise AgsInvalid(f"timestamp {value!r} is not ISO 8601") from exc
    if moment.tzinfo is None:
        raise AgsInvalid("timestamp needs a time zone")
    return moment


def record_score(flavour: Flavour, item: DemoLineItem, data: Any) -> DemoScore:
    """Store a score; it writes a grade only when FullyGraded with a scoreGiven (as Moodle).

    :raise AgsInvalid: for a malformed score.
    :raise NotGradable: for a user who is unknown, not enrolled, or whose enrolment is
        Inactive or Deleted.
    """
    if not isinstance(data, dict):
        raise AgsInvalid("a JSON score object is required")
    user, enrollment = _member(flavour, item.course_id, str(data.get("userId", "")))
    if user is None or enrollment is None:
        raise NotGradable(f"userId {data.get('userId')!r} is not a member of this course")
    if enrollment.status != "Active":
        raise NotGradable(
            f"userId {data.get('userId')!r} is {enrollment.status.lower()} in "
            "this course and cannot be graded"
        )
    activity, grading = data.get("activityProgress"), data.get("gradingProgress")
    if activity not in ACTIVITY_PROGRESS:
        raise AgsInvalid(f"activityProgress must be one of {sorted(ACTIVITY_PROGRESS)}")
    if grading not in GRADING_PROGRESS:
        raise AgsInvalid(f"gradingProgress must be one of {sorted(GRADING_PROGRESS)}")
    given, maximum = data.get("scoreGiven"), data.get("scoreMaximum")
    if given is not None:
        if isinstance(given, bool) or not isinstance(given, int | float) or given < 0:
            raise AgsInvalid("scoreGiven must be a number ≥ 0")
        maximum = _score_maximum(maximum)
    score = DemoScore(
        line_item_id=item.id,
        user_id=user.id,
        score_given=float(given) if given is not None else None,
        score_maximum=float(maximum) if isinstance(maximum, int | float) else None,
        activity_progress=activity,
        grading_progress=grading,
        comment=_text(data.get("comment"), "comment", 4000),
        timestamp=_timestamp(data.get("timestamp")),
        writes_grade=grading == "FullyGraded" and given is not None,
    )
    score.counted_as = _counted_as(score, enrollment.id)
    db.session.add(score)
    db.session.flush()
    return score


def _member(
    flavour: Flavour, course_id: int, sub: str
) -> tuple[DemoUser | None, DemoEnrollment | None]:
    """The user of ``sub`` and their enrolment in the course, in one query."""
    if flavour.subject_style == "numeric":
        if not sub.isdigit():
            return None, None
        who = DemoUser.id == int(sub)
    else:
        who = DemoUser.uuid == sub
    row = db.session.execute(
        sa.select(DemoUser, DemoEnrollment)
        .join(DemoEnrollment, DemoEnrollment.user_id == DemoUser.id)
        .where(who, DemoEnrollment.course_id == course_id)
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else (None, None)


def _counted_as(score: DemoScore, enrollment_id: int) -> str:
    """ "stale" when older than the latest score of this person, "duplicate" when it repeats
    the latest (same values and timestamp), else "applied".

    Scores of one person in one column are counted one at a time — PostgreSQL: a
    transaction-level advisory lock on (column, person); SQLite: a no-op write to the
    person's enrolment takes the writer lock — so two identical POSTs racing each other
    count as one applied and one duplicate, never as two applied, while the scores of
    other people and columns are not held up.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            sa.select(sa.func.pg_advisory_xact_lock(score.line_item_id, score.user_id))
        )
    else:
        db.session.execute(
            sa.update(DemoEnrollment)
            .where(DemoEnrollment.id == enrollment_id)
            # updated_at too, or its onupdate would show the person as changed in NRPS.
            .values(status=DemoEnrollment.status, updated_at=DemoEnrollment.updated_at),
            execution_options={"synchronize_session": False},
        )
    latest = db.session.scalars(
        sa.select(DemoScore)
        .where(DemoScore.line_item_id == score.line_item_id, DemoScore.user_id == score.user_id)
        .order_by(DemoScore.timestamp.desc(), DemoScore.id.desc())
        .limit(1)
    ).first()
    if latest is None:
        return "applied"
    if score.timestamp < latest.timestamp:
        return "stale"
    same = all(
        getattr(score, f) == getattr(latest, f)
        for f in (
            "score_given",
            "score_maximum",
            "activity_progress",
            "grading_progress",
            "comment",
        )
    )
    return "duplicate" if same and score.timestamp == latest.timestamp else "applied"


def score_counts(items: list[DemoLineItem]) -> dict[tuple[int, int], dict[str, int]]:
    """Per (line item id, user id): score POSTs received, applied, duplicates (repeats and
    stale ones together) and stale."""
    counts: dict[tuple[int, int], dict[str, int]] = {}
    if not items:
        return counts
    rows = db.session.execute(
        sa.select(DemoScore.line_item_id, DemoScore.user_id, DemoScore.counted_as, sa.func.count())
        .where(DemoScore.line_item_id.in_([i.id for i in items]))
        .group_by(DemoScore.line_item_id, DemoScore.user_id, DemoScore.counted_as)
    )
    for item_id, user_id, kind, n in rows:
        entry = counts.setdefault(
            (item_id, user_id), {"received": 0, "applied": 0, "duplicates": 0, "stale": 0}
        )
        entry["received"] += n
        entry["applied" if kind == "applied" else "duplicates"] += n
        if kind == "stale":
            entry["stale"] += n
    return counts


def flavour_line_items(flavour: Flavour, course: DemoCourse) -> list[DemoLineItem]:
    """Every gradebook column of the flavour's tools in the course."""
    return list(
        db.session.scalars(
            sa.select(DemoLineItem)
            .join(DemoToolRegistration, DemoToolRegistration.id == DemoLineItem.registration_id)
            .where(
                DemoLineItem.course_id == course.id, DemoToolRegistration.flavour == flavour.name
            )
            .order_by(DemoLineItem.id)
        )
    )


def find_column(flavour: Flavour, course: DemoCourse, item_id: int) -> DemoLineItem | None:
    """A gradebook column of the flavour's tools in the course, or None."""
    item = db.session.get(DemoLineItem, item_id)
    if item is None or item.course_id != course.id:
        return None
    registration = db.session.get(DemoToolRegistration, item.registration_id)
    return item if registration and registration.flavour == flavour.name else None


def delete_column(item: DemoLineItem) -> None:
    """Remove a column and its grades, as a teacher does in the gradebook."""
    db.session.execute(sa.delete(DemoScore).where(DemoScore.line_item_id == item.id))
    db.session.delete(item)
    db.session.flush()


@dataclass(frozen=True)
class Result:
    user: DemoUser
    score: DemoScore
    result_score: float | None
    result_maximum: float


def results_for(items: list[DemoLineItem], user: DemoUser | None = None) -> dict[int, list[Result]]:
    """Per line item id, each user's current grade: the latest graded score, scaled."""
    if not items:
        return {}
    by_id = {i.id: i for i in items}
    query = (
        sa.select(DemoScore, DemoUser)
        .join(DemoUser, DemoUser.id == DemoScore.user_id)
        .where(DemoScore.line_item_id.in_(by_id), DemoScore.writes_grade.is_(True))
        .order_by(DemoScore.timestamp, DemoScore.id)
    )
    if user is not None:
        query = query.where(DemoScore.user_id == user.id)
    latest: dict[tuple[int, int], tuple[DemoScore, DemoUser]] = {}
    for score, who in db.session.execute(query):
        latest[(score.line_item_id, who.id)] = (score, who)
    out: dict[int, list[Result]] = {i: [] for i in by_id}
    for (item_id, _), (score, who) in sorted(latest.items()):
        item = by_id[item_id]
        scaled = None
        if score.score_given is not None and score.score_maximum:
            scaled = round(score.score_given / score.score_maximum * item.score_maximum, 5)
        out[item_id].append(Result(who, score, scaled, item.score_maximum))
    return out


def gradebook_table(flavour: Flavour, course: DemoCourse) -> dict[str, Any]:
    """Plain data for the gradebook page: columns (line items) × rows (people)."""
    items = flavour_line_items(flavour, course)
    results = results_for(items)
    counts = score_counts(items)
    cells = {(i, r.user.id): r for i, rs in results.items() for r in rs}
    people = db.session.execute(
        sa.select(DemoUser, DemoEnrollment.status)
        .join(DemoEnrollment, DemoEnrollment.user_id == DemoUser.id)
        .where(DemoEnrollment.course_id == course.id, DemoEnrollment.status != "Deleted")
        .order_by(DemoUser.family_name, DemoUser.given_name, DemoUser.id)
        .limit(500)
    )
    rows = []
    for user, status in people:
        row = []
        for item in items:
            result = cells.get((item.id, user.id))
            count = counts.get((item.id, user.id))
            row.append(
                None
                if result is None and count is None
                else {
                    "score": result.result_score if result else None,
                    "maximum": result.result_maximum if result else None,
                    "progress": result.score.activity_progress if result else None,
                    "at": result.score.timestamp.strftime("%Y-%m-%d %H:%M") if result else None,
                    "received": count["received"] if count else 0,
                    "duplicates": count["duplicates"] if count else 0,
                }
            )
        rows.append({"name": user.display_name, "status": status, "cells": row})
    columns = []
    for item in items:
        mine = [c for (item_id, _), c in counts.items() if item_id == item.id]
        columns.append(
            {
                "id": item.id,
                "label": item.label,
                "maximum": item.score_maximum,
                "tag": item.tag,
                "received": sum(c["received"] for c in mine),
                "applied": sum(c["applied"] for c in mine),
                "duplicates": sum(c["duplicates"] for c in mine),
            }
        )
    return {"columns": columns, "rows": rows}
