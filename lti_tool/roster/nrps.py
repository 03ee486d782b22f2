"""Names and Role Provisioning Services 2.0: read a course's members, page by page.

Follows ``rel="next"`` until the last page and keeps the ``rel="differences"`` link the
platform offers there, for the next incremental read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from lti_tool.core.links import parse_links
from lti_tool.core.lti_spec import MEMBERSHIP_CONTAINER, NRPS_READ
from lti_tool.errors import PlatformServiceError
from lti_tool.platforms.models import Platform
from lti_tool.platforms.service_client import json_body, service_request

MAX_PAGES = 10_000  # a guard against a platform whose "next" never ends


@dataclass
class MemberPage:
    members: list[dict]
    next_url: str | None
    differences_url: str | None


@dataclass
class MembershipRead:
    members: list[dict] = field(default_factory=list)
    differences_url: str | None = None
    pages: int = 0


def read_pages(platform: Platform, url: str, *, limit: int | None = None) -> Iterator[MemberPage]:
    """Each page of members from ``url`` (a memberships or a differences URL).

    :raise PlatformServiceError: the platform failed, or answered something that is not a
        membership container.
    """
    params = {"limit": str(limit)} if limit else None
    seen: set[str] = set()
    next_url: str | None = url
    while next_url and len(seen) < MAX_PAGES:
        if next_url in seen:
            raise PlatformServiceError("Your LMS's member list pages loop back on themselves.")
        seen.add(next_url)
        response = service_request(
            platform, "GET", next_url, (NRPS_READ,), accept=MEMBERSHIP_CONTAINER, params=params
        )
        params = None  # the next link carries its own query
        members = members_of(json_body(response), page=len(seen))
        links = parse_links(response.headers)
        yield MemberPage(members, links.get("next"), links.get("differences"))
        next_url = links.get("next")


def members_of(body: object, *, page: int) -> list:
    """The ``members`` list of one page of a membership container.

    :raise PlatformServiceError: the page is not a JSON object with a ``members`` list.
    """
    if not isinstance(body, dict):
        problem = (
            "it is empty"
            if body is None
            else f"it is a JSON {_json_kind(body)}, not a membership container"
        )
    elif "members" not in body:
        problem = 'it has no "members" list'
    elif not isinstance(body["members"], list):
        problem = f'its "members" is a JSON {_json_kind(body["members"])}, not a list'
    else:
        return body["members"]
    raise PlatformServiceError(
        f"Page {page} of your LMS's member list could not be read: {problem}.",
        hint="Nothing was changed. Try again later; if it keeps happening, show this message "
        "to your LMS administrator.",
    )


def _json_kind(value: object) -> str:
    kinds = {
        dict: "object",
        list: "list",
        str: "string",
        bool: "true/false value",
        int: "number",
        float: "number",
        type(None): "null",
    }
    return kinds.get(type(value), "value")


def read_memberships(
    platform: Platform,
    url: str,
    *,
    limit: int | None = None,
    on_page: Callable[[int, int], None] | None = None,
) -> MembershipRead:
    """Every member at ``url``; ``on_page(pages, members)`` reports progress."""
    result = MembershipRead()
    for page in read_pages(platform, url, limit=limit):
        result.members.extend(page.members)
        result.pages += 1
        if page.differences_url:
            result.differences_url = page.differences_url
        if on_page:
            on_page(result.pages, len(result.members))
    return result
