"""Assignment and Grade Services 2.0: line items (find or create), scores, results.

Always sends the media types as Accept/Content-Type (Moodle answers 400 otherwise), reads
JSON whatever content type comes back, accepts 200-with-empty-body for scores, and pages
leniently, stopping on an empty page (Moodle's ``rel="last"`` may point past the end).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from lti_tool.core.links import parse_links
from lti_tool.core.lti_spec import (
    AGS_LINEITEM,
    AGS_LINEITEM_READ,
    AGS_RESULT_READ,
    AGS_SCORE,
    LINEITEM_CONTAINER_MEDIA,
    LINEITEM_MEDIA,
    RESULT_CONTAINER_MEDIA,
    SCORE_MEDIA,
)
from lti_tool.errors import PlatformServiceError
from lti_tool.platforms.models import Platform
from lti_tool.platforms.service_client import json_body, service_request

MAX_PAGES = 1000


def _pages(
    platform: Platform, url: str, scopes: tuple[str, ...], accept: str, params: dict | None
) -> Iterator[list[dict]]:
    seen: set[str] = set()
    next_url: str | None = url
    while next_url and next_url not in seen and len(seen) < MAX_PAGES:
        seen.add(next_url)
        response = service_request(platform, "GET", next_url, scopes, accept=accept, params=params)
        params = None
        body = json_body(response)
        if body is None:
            body = []
        if not isinstance(body, list):
            raise PlatformServiceError("Your LMS's list is not a JSON array.")
        if not body:
            return
        yield body
        next_url = parse_links(response.headers).get("next")


def list_line_items(
    platform: Platform,
    lineitems_url: str,
    *,
    resource_id: str | None = None,
    tag: str | None = None,
    resource_link_id: str | None = None,
) -> list[dict]:
    params = {
        k: v
        for k, v in (
            ("resource_id", resource_id),
            ("tag", tag),
            ("resource_link_id", resource_link_id),
        )
        if v
    }
    items: list[dict] = []
    for page in _pages(
        platform,
        lineitems_url,
        (AGS_LINEITEM_READ, AGS_LINEITEM),
        LINEITEM_CONTAINER_MEDIA,
        params or None,
    ):
        items.extend(page)
    # Some platforms ignore the filters; apply them again.
    return [
        item
        for item in items
        if (not resource_id or item.get("resourceId") == resource_id)
        and (not tag or item.get("tag") == tag)
    ]


def find_or_create_line_item(
    platform: Platform,
    lineitems_url: str,
    *,
    label: str,
    score_maximum: float,
    resource_id: str,
    tag: str,
    resource_link_id: str | None = None,
) -> dict:
    """The line item with this ``resourceId`` and ``tag``, created only if none exists."""
    existing = list_line_items(platform, lineitems_url, resource_id=resource_id, tag=tag)
    if existing:
        return existing[0]
    body = {"label": label, "scoreMaximum": score_maximum, "resourceId": resource_id, "tag": tag}
    if resource_link_id:
        body["resourceLinkId"] = resource_link_id
    response = service_request(
        platform,
        "POST",
        lineitems_url,
        (AGS_LINEITEM,),
        accept=LINEITEM_MEDIA,
        content_type=LINEITEM_MEDIA,
        body=body,
    )
    created = json_body(response)
    if not isinstance(created, dict) or not created.get("id"):
        raise PlatformServiceError("Your LMS created a line item but did not say where.")
    return created


@dataclass(frozen=True)
class Score:
    user_id: str
    score_given: float
    score_maximum: float
    timestamp: dt.datetime
    activity_progress: str = "Completed"
    grading_progress: str = "FullyGraded"
    comment: str | None = None
    submitted_at: dt.datetime | None = None
    extensions: dict | None = None  # e.g. Canvas's submission extension, by its URL

    def as_json(self) -> dict:
        body = {
            "userId": self.user_id,
            "scoreGiven": self.score_given,
            "scoreMaximum": self.score_maximum,
            "activityProgress": self.activity_progress,
            "gradingProgress": self.grading_progress,
            # Canvas uses it as the submission time: the real completion time.
            "timestamp": self.timestamp.isoformat(timespec="milliseconds"),
        }
        if self.comment:
            body["comment"] = self.comment
        if self.submitted_at:
            body["submission"] = {
                "submittedAt": self.submitted_at.isoformat(timespec="milliseconds")
            }
        body.update(self.extensions or {})
        return body


def _scoped(lineitem_url: str, suffix: str) -> str:
    base, _, query = lineitem_url.partition("?")
    return f"{base.rstrip('/')}/{suffix}" + (f"?{query}" if query else "")


def post_score(platform: Platform, lineitem_url: str, score: Score) -> None:
    """:raise PlatformServiceError: the platform did not accept the score."""
    service_request(
        platform,
        "POST",
        _scoped(lineitem_url, "scores"),
        (AGS_SCORE,),
        accept="application/json",
        content_type=SCORE_MEDIA,
        body=score.as_json(),
    )


def delete_line_item(platform: Platform, lineitem_url: str) -> bool:
    """Delete a gradebook column; ``False`` when the LMS says it is already gone (404).

    :raise PlatformServiceError: the platform refused or could not be reached.
    """
    response = service_request(
        platform,
        "DELETE",
        lineitem_url,
        (AGS_LINEITEM,),
        accept=LINEITEM_MEDIA,
        allowed_statuses=(404,),
    )
    return response.status_code != 404


def read_results(
    platform: Platform, lineitem_url: str, *, user_id: str | None = None
) -> list[dict]:
    """The line item's results (one person's with ``user_id``)."""
    results: list[dict] = []
    params = {"user_id": user_id} if user_id else None
    for page in _pages(
        platform,
        _scoped(lineitem_url, "results"),
        (AGS_RESULT_READ,),
        RESULT_CONTAINER_MEDIA,
        params,
    ):
        results.extend(page)
    return results
