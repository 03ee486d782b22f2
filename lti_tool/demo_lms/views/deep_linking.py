"""Deep-linking return endpoint: the tool auto-posts its response JWT here, once."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from sqlalchemy.orm import joinedload

from lti_tool.core.time import utcnow
from lti_tool.demo_lms import urls
from lti_tool.demo_lms.deep_linking import DeepLinkRejected, add_content_items, verify_response
from lti_tool.demo_lms.flavours import DEEP_LINKING_REQUEST, get_flavour
from lti_tool.demo_lms.launches import DL_CLAIM
from lti_tool.demo_lms.models import DemoMessageHint
from lti_tool.demo_lms.web import lms_base_url, lms_page_error
from lti_tool.extensions import db

bp = Blueprint("demo_deep_linking", __name__)


@bp.post("/<flavour_name>/deep-linking/return/<hint_id>")
def deep_link_return(flavour_name: str, hint_id: str) -> str | Response:
    """The tool's auto-posted deep-linking response (form field ``JWT``), answered once.

    :raise: 400 page when the response is refused, 404 for an unknown request.
    """
    flavour = get_flavour(flavour_name)
    hint = db.session.get(
        DemoMessageHint,
        hint_id,
        options=[
            joinedload(DemoMessageHint.registration),
            joinedload(DemoMessageHint.user),
            joinedload(DemoMessageHint.course),
            joinedload(DemoMessageHint.resource_link),
        ],
    )
    if (
        hint is None
        or hint.flavour != flavour.name
        or hint.message_type != DEEP_LINKING_REQUEST
        or hint.used_at is None
    ):
        return lms_page_error(flavour, 404, "Invalid request: no such deep-linking request.")
    if hint.returned_at is not None:
        return lms_page_error(flavour, 400, "This deep-linking response was already received.")
    try:
        claims = verify_response(flavour, lms_base_url(), hint, request.form.get("JWT"))
        created, skipped = add_content_items(
            flavour, hint.registration, hint.course, claims.get(DL_CLAIM + "content_items", [])
        )
    except DeepLinkRejected as exc:
        return lms_page_error(flavour, 400, f"The tool's deep-linking response was refused: {exc}")
    hint.returned_at = utcnow()
    return render_template(
        "demo_lms/deep_link_done.html",
        flavour=flavour,
        created=[link.title for link in created],
        skipped=skipped,
        message=claims.get(DL_CLAIM + "msg"),
        error_message=claims.get(DL_CLAIM + "errormsg"),
        course_url=urls.course_page_url(flavour, lms_base_url(), hint.course),
    )
