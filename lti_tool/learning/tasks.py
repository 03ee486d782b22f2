"""Learning jobs: delete a removed step's gradebook columns in the LMS when the designer
chose to.

The job is recorded by the request that removes the step (sent only after its commit). It is
safe to run again: a column the LMS no longer has (404) counts as deleted.
"""

from __future__ import annotations

import logging

from lti_tool.extensions import db
from lti_tool.jobs import job
from lti_tool.learning.ags import delete_line_item, list_line_items
from lti_tool.learning.deep_linking import LINE_ITEM_TAG
from lti_tool.platforms.models import Platform
from lti_tool.roster.models import Course

log = logging.getLogger(__name__)


@job(retries=3, retry_delay=30)  # the LMS briefly away: try again later
def delete_step_columns(course_id: int, line_item_urls: list[str], resource_id: str) -> None:
    """Delete the columns of a removed step in the course's LMS: the URLs the tool knew, and
    any column the LMS lists with the step's ``resourceId`` (a deep-linked column whose URL
    the tool never heard).

    :raise PlatformServiceError: the LMS refused (the job is retried).
    """
    course = db.session.get(Course, course_id)
    if course is None:
        log.info("Course %s is gone; no gradebook column to delete", course_id)
        return
    platform = db.session.get(Platform, course.platform_id)
    urls = list(dict.fromkeys(line_item_urls))
    if course.lineitems_url:
        for item in list_line_items(
            platform, course.lineitems_url, resource_id=resource_id, tag=LINE_ITEM_TAG
        ):
            if isinstance(item.get("id"), str) and item["id"] not in urls:
                urls.append(item["id"])
    deleted = sum(1 for url in urls if delete_line_item(platform, url))
    log.info(
        "Removed step's gradebook columns in course %s: %d deleted, %d already gone",
        course_id,
        deleted,
        len(urls) - deleted,
    )
