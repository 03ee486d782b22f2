"""Line items, scores and results: the gradebook behind AGS and the gradebook page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from lti_tool.demo_lms.directory import find_enrollment, find_user_by_subject
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

    :raise AgsInvalid: for an unknown or unenrolled user or a malformed score.
    """
    if not isinstance(data, dict):
        raise AgsInvalid("a JSON score object is required")
    user = find_user_by_subject(flavour, str(data.get("userId", "")))
    course = db.session.get(DemoCourse, item.course_id)
    if user is None or course is None or find_enrollment(course, user) is None:
        raise AgsInvalid(f"userId {data.get('userId')!r} is not a member of this course")
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
    db.session.add(score)
    db.session.flush()
    return score


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
    items = list(
        db.session.scalars(
            sa.select(DemoLineItem)
            .join(DemoToolRegistration, DemoToolRegistration.id == DemoLineItem.registration_id)
            .where(
                DemoLineItem.course_id == course.id, DemoToolRegistration.flavour == flavour.name
            )
            .order_by(DemoLineItem.id)
        )
    )
    results = results_for(items)
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
            row.append(
                None
                if result is None
                else {
                    "score": result.result_score,
                    "maximum": result.result_maximum,
                    "progress": result.score.activity_progress,
                    "at": result.score.timestamp.strftime("%Y-%m-%d %H:%M"),
                }
            )
        rows.append({"name": user.display_name, "status": status, "cells": row})
    columns = [{"label": i.label, "maximum": i.score_maximum, "tag": i.tag} for i in items]
    return {"columns": columns, "rows": rows}
