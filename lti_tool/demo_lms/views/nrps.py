"""NRPS 2.0 memberships endpoint: ``limit``/``from`` paging, ``rel="next"`` and
``rel="differences"`` links, ``role`` filter, flavour page caps."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from lti_tool.core.time import utcnow
from lti_tool.demo_lms.directory import get_course
from lti_tool.demo_lms.flavours import SCOPE_NRPS, get_flavour
from lti_tool.demo_lms.nrps import MEDIA_TYPE, from_micros, list_members, member_json, to_micros
from lti_tool.demo_lms.oauth import ServiceAuthError, authenticate_service
from lti_tool.demo_lms.paging import BadPageRequest, link_header, read_page, url_with
from lti_tool.demo_lms.web import json_error

bp = Blueprint("demo_nrps", __name__)


@bp.get("/<flavour_name>/api/courses/<int:course_id>/memberships")
def memberships(flavour_name: str, course_id: int) -> Response:
    """NRPS membership container. Query: ``limit``, ``from``, ``role``, ``since``.

    :raise: 401/403 without a token holding the contextmembership scope; 400 for bad paging.
    """
    flavour = get_flavour(flavour_name)
    try:
        caller = authenticate_service(flavour, SCOPE_NRPS)
        page = read_page(flavour.nrps_default_page, flavour.nrps_max_page)
        since = from_micros(request.args["since"]) if request.args.get("since") else None
    except ServiceAuthError as exc:
        return exc.response()
    except (BadPageRequest, ValueError, OverflowError) as exc:
        return json_error(400, "invalid_request", str(exc))
    course = get_course(course_id)
    snapshot = request.args.get("snapshot") or str(to_micros(utcnow()))
    rows, has_more = list_members(course, page, since=since, role=request.args.get("role"))
    body = {
        "id": request.url,
        "context": {"id": course.context_id, "label": course.label, "title": course.title},
        "members": [member_json(flavour, caller.registration, e, u) for e, u in rows],
    }
    response = jsonify(body)
    response.content_type = MEDIA_TYPE
    if has_more:
        assert page.limit is not None
        next_url = url_with(**{"from": page.offset + page.limit, "snapshot": snapshot})
        response.headers["Link"] = link_header([(next_url, "next")])
    else:
        differences = url_with(**{"from": None, "snapshot": None, "since": snapshot})
        response.headers["Link"] = link_header([(differences, "differences")])
    return response
