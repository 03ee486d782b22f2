"""Assignment and Grade Services 2.0: line items, scores and results over HTTP.

Moodle's quirks come from the flavour: a strict Accept on the container, malformed paging
``Link`` headers, ``?type_id=`` on every URL, and a 200 with an empty body for scores.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, Response, jsonify, request

from lti_tool.demo_lms import urls
from lti_tool.demo_lms.directory import find_user_by_subject, get_course, subject_for
from lti_tool.demo_lms.flavours import (
    SCOPE_LINEITEM,
    SCOPE_LINEITEM_READONLY,
    SCOPE_RESULT_READONLY,
    SCOPE_SCORE,
    Flavour,
    get_flavour,
)
from lti_tool.demo_lms.gradebook import (
    AgsInvalid,
    apply_line_item,
    create_line_item,
    line_item_json,
    line_items_query,
    record_score,
    results_for,
)
from lti_tool.demo_lms.models import DemoLineItem
from lti_tool.demo_lms.oauth import ServiceAuthError, ServiceCaller, authenticate_service
from lti_tool.demo_lms.paging import BadPageRequest, Page, link_header, read_page, url_with
from lti_tool.demo_lms.web import json_error, lms_base_url
from lti_tool.extensions import db

bp = Blueprint("demo_ags", __name__)

LINEITEM = "application/vnd.ims.lis.v2.lineitem+json"
CONTAINER = "application/vnd.ims.lis.v2.lineitemcontainer+json"
SCORE = "application/vnd.ims.lis.v1.score+json"
RESULTS = "application/vnd.ims.lis.v2.resultcontainer+json"
PREFIX = "/<flavour_name>/api/courses/<int:course_id>/lineitems"


def ags_view(*scopes: str) -> Callable:
    """Resolve the flavour and the caller (holding one of ``scopes``); map errors to JSON."""

    def decorate(view: Callable[..., Response]) -> Callable[..., Response]:
        @wraps(view)
        def wrapper(flavour_name: str, course_id: int, **kwargs: Any) -> Response:
            flavour = get_flavour(flavour_name)
            try:
                caller = authenticate_service(flavour, *scopes)
                return view(flavour, caller, course_id, **kwargs)
            except ServiceAuthError as exc:
                return exc.response()
            except (AgsInvalid, BadPageRequest) as exc:
                return json_error(400, "invalid_request", str(exc))

        return wrapper

    return decorate


def _item_url(flavour: Flavour, caller: ServiceCaller, item: DemoLineItem, suffix: str = "") -> str:
    return urls.lineitem_url(flavour, lms_base_url(), item, caller.registration, suffix)


def _load_item(caller: ServiceCaller, course_id: int, item_id: int) -> DemoLineItem | None:
    item = db.session.get(DemoLineItem, item_id)
    if (
        item is None
        or item.course_id != course_id
        or item.registration_id != caller.registration.id
    ):
        return None
    return item


def _json_body() -> Any:
    if "json" not in (request.mimetype or ""):
        raise AgsInvalid(f"Content-Type must be a JSON media type, not {request.mimetype!r}")
    return request.get_json(silent=True)


def _paged(flavour: Flavour, response: Response, page: Page, count: int, total: int) -> Response:
    if page.limit is None:
        return response
    links = [(url_with(**{"from": 0}), "first")]
    # Moodle offers "next" whenever a page is full, and a "last" past the end.
    full = count == page.limit
    if (flavour.ags_malformed_links and full) or page.offset + count < total:
        links.append((url_with(**{"from": page.offset + page.limit}), "next"))
    last = total if flavour.ags_malformed_links else max(total - 1, 0) // page.limit * page.limit
    links.append((url_with(**{"from": last}), "last"))
    response.headers["Link"] = link_header(links, malformed=flavour.ags_malformed_links)
    return response


@bp.get(PREFIX)
@ags_view(SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY)
def list_line_items(flavour: Flavour, caller: ServiceCaller, course_id: int) -> Response:
    """Line items of the calling tool; filters ``resource_link_id``, ``resource_id``, ``tag``."""
    if flavour.ags_requires_accept and CONTAINER not in request.headers.get("Accept", ""):
        return Response("No context or unsupported content type", 400, mimetype="text/plain")
    course = get_course(course_id)
    page = read_page()
    query = line_items_query(
        caller.registration,
        course,
        resource_link_id=request.args.get("resource_link_id"),
        resource_id=request.args.get("resource_id"),
        tag=request.args.get("tag"),
    )
    items = list(db.session.scalars(query))
    total = len(items)
    chosen = items[page.offset : page.offset + page.limit] if page.limit else items[page.offset :]
    body = [line_item_json(flavour, i, _item_url(flavour, caller, i)) for i in chosen]
    response = jsonify(body)
    response.content_type = CONTAINER
    return _paged(flavour, response, page, len(chosen), total)


@bp.post(PREFIX)
@ags_view(SCOPE_LINEITEM)
def add_line_item(flavour: Flavour, caller: ServiceCaller, course_id: int) -> Response:
    """Create a line item → 201 with its representation."""
    item = create_line_item(caller.registration, get_course(course_id), _json_body())
    url = _item_url(flavour, caller, item)
    response = jsonify(line_item_json(flavour, item, url))
    response.status_code = 201
    response.content_type = LINEITEM
    response.headers["Location"] = url
    return response


@bp.route(f"{PREFIX}/<int:item_id>", methods=["GET", "PUT", "DELETE"])
@ags_view(SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY)
def line_item(flavour: Flavour, caller: ServiceCaller, course_id: int, item_id: int) -> Response:
    """One line item: GET (lineitem or lineitem.readonly), PUT and DELETE (lineitem)."""
    item = _load_item(caller, course_id, item_id)
    if item is None:
        return json_error(404, "not_found", "No such line item for this tool.")
    if request.method != "GET" and SCOPE_LINEITEM not in caller.scopes:
        return json_error(403, "insufficient_scope", f"needs {SCOPE_LINEITEM}")
    if request.method == "DELETE":
        db.session.delete(item)
        return Response(status=204)
    if request.method == "PUT":
        apply_line_item(item, _json_body())
    response = jsonify(line_item_json(flavour, item, _item_url(flavour, caller, item)))
    response.content_type = LINEITEM
    return response


@bp.post(f"{PREFIX}/<int:item_id>/scores")
@ags_view(SCOPE_SCORE)
def post_score(flavour: Flavour, caller: ServiceCaller, course_id: int, item_id: int) -> Response:
    """Record a score (``application/vnd.ims.lis.v1.score+json``)."""
    item = _load_item(caller, course_id, item_id)
    if item is None:
        return json_error(404, "not_found", "No such line item for this tool.")
    record_score(flavour, item, _json_body())
    if flavour.score_reply == "200-empty":
        return Response("", status=200)
    if flavour.score_reply == "200-json":
        return jsonify(resultUrl=_item_url(flavour, caller, item, "/results"))
    return Response(status=204)


@bp.get(f"{PREFIX}/<int:item_id>/results")
@ags_view(SCOPE_RESULT_READONLY)
def get_results(flavour: Flavour, caller: ServiceCaller, course_id: int, item_id: int) -> Response:
    """Current results of a line item; ``user_id`` filter, ``limit``/``from`` paging."""
    item = _load_item(caller, course_id, item_id)
    if item is None:
        return json_error(404, "not_found", "No such line item for this tool.")
    page = read_page()
    user = None
    if request.args.get("user_id"):
        user = find_user_by_subject(flavour, request.args["user_id"])
        if user is None:
            return _results_response([], flavour, page, 0)
    results = results_for([item], user)[item.id]
    total = len(results)
    chosen = (
        results[page.offset : page.offset + page.limit] if page.limit else results[page.offset :]
    )
    results_url = _item_url(flavour, caller, item, "/results")
    item_url = _item_url(flavour, caller, item)
    body = []
    for r in chosen:
        entry: dict[str, Any] = {
            "id": f"{results_url.split('?')[0]}/{r.score.id}",
            "scoreOf": item_url,
            "userId": subject_for(flavour, r.user),
            "resultScore": r.result_score,
            "resultMaximum": r.result_maximum,
            "timestamp": r.score.timestamp.isoformat(),
        }
        if r.score.comment:
            entry["comment"] = r.score.comment
        body.append(entry)
    return _results_response(body, flavour, page, total)


def _results_response(body: list, flavour: Flavour, page: Page, total: int) -> Response:
    response = jsonify(body)
    response.content_type = RESULTS
    return _paged(flavour, response, page, len(body), total)
