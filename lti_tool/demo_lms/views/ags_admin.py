"""Admin API for tests and the benchmark: AGS fault injection and score counts (JSON)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, jsonify, request

from lti_tool.demo_lms import faults
from lti_tool.demo_lms.directory import find_registration, get_course, subject_for
from lti_tool.demo_lms.flavours import get_flavour
from lti_tool.demo_lms.gradebook import flavour_line_items, score_counts
from lti_tool.demo_lms.models import DemoAccessToken, DemoToolRegistration, DemoUser
from lti_tool.demo_lms.web import json_error
from lti_tool.extensions import db

bp = Blueprint("demo_ags_admin", __name__)


@bp.get("/<flavour_name>/admin/api/ags-faults")
def get_faults(flavour_name: str) -> Response:
    """The AGS fault and throttle settings in force (shared by every flavour)."""
    get_flavour(flavour_name)
    return jsonify(faults.current_settings().as_json())


@bp.route("/<flavour_name>/admin/api/ags-faults", methods=["PUT", "POST"])
def put_faults(flavour_name: str) -> Response:
    """Replace the settings: JSON ``{"faults": "500:0.1,slow:0.05", "seed": 7,
    "slow_seconds": 3, "rate_limit": "5:1", "throttle_status": "403"}``; ``{}`` turns all off."""
    get_flavour(flavour_name)
    doc = request.get_json(silent=True)
    if not isinstance(doc, dict):
        return json_error(
            400,
            "invalid_request",
            'Send a JSON object, e.g. {"faults": "500:0.1,429:0.1", "seed": 1}.',
        )
    try:
        settings = faults.store_settings(doc)
    except faults.BadFaultSettings as exc:
        return json_error(400, "invalid_request", str(exc))
    return jsonify(settings.as_json())


@bp.delete("/<flavour_name>/admin/api/ags-faults")
def reset_faults(flavour_name: str) -> Response:
    """Back to the settings of the app config (``DEMO_LMS_AGS_FAULTS`` …)."""
    get_flavour(flavour_name)
    return jsonify(faults.clear_settings().as_json())


@bp.get("/<flavour_name>/admin/api/score-counts")
def get_score_counts(flavour_name: str) -> Response:
    """Score POSTs received per line item and person: received, applied, duplicates, stale.

    Query: ``course`` (id or context id; the pilot course by default), ``client_id``
    (one tool), ``resource_id`` / ``tag`` (some columns).
    """
    flavour = get_flavour(flavour_name)
    course = get_course(request.args.get("course"))
    items = flavour_line_items(flavour, course)
    if request.args.get("client_id"):
        registration = find_registration(flavour, request.args["client_id"])
        items = [i for i in items if registration and i.registration_id == registration.id]
    for name, attr in (("resource_id", "resource_id"), ("tag", "tag")):
        if request.args.get(name) is not None:
            items = [i for i in items if getattr(i, attr) == request.args[name]]
    counts = score_counts(items)
    users = {
        u.id: u
        for u in db.session.scalars(
            sa.select(DemoUser).where(DemoUser.id.in_({uid for _, uid in counts}))
        )
    }
    by_item = {i.id: i for i in items}
    rows: list[dict[str, Any]] = []
    for (item_id, user_id), c in sorted(counts.items()):
        item, user = by_item[item_id], users[user_id]
        rows.append(
            {
                "line_item_id": item_id,
                "label": item.label,
                "resource_id": item.resource_id,
                "tag": item.tag,
                "user_id": subject_for(flavour, user),
                "username": user.username,
                **c,
            }
        )
    totals = {k: sum(r[k] for r in rows) for k in ("received", "applied", "duplicates", "stale")}
    return jsonify(course=course.id, totals=totals, counts=rows)


@bp.get("/<flavour_name>/admin/api/token-counts")
def get_token_counts(flavour_name: str) -> Response:
    """Access tokens the token endpoint issued (``client_id``: to one tool), so a test or
    the benchmark can count the tool's token requests."""
    flavour = get_flavour(flavour_name)
    query = (
        sa.select(sa.func.count())
        .select_from(DemoAccessToken)
        .join(DemoToolRegistration, DemoToolRegistration.id == DemoAccessToken.registration_id)
        .where(DemoToolRegistration.flavour == flavour.name)
    )
    if request.args.get("client_id"):
        query = query.where(DemoToolRegistration.client_id == request.args["client_id"])
    return jsonify(issued=db.session.scalar(query))
