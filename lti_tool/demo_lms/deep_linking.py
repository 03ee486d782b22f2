"""Deep Linking 2.0 return: verify the tool's response JWT and add its items to the course.

Each ``ltiResourceLink`` becomes an activity; one carrying ``lineItem`` also gets a gradebook
column bound to it (how Canvas makes a graded assignment).
"""

from __future__ import annotations

import secrets
from typing import Any

from lti_tool.demo_lms.flavours import Flavour
from lti_tool.demo_lms.gradebook import AgsInvalid, create_line_item
from lti_tool.demo_lms.launches import CLAIM, DL_CLAIM
from lti_tool.demo_lms.models import (
    DemoCourse,
    DemoMessageHint,
    DemoResourceLink,
    DemoToolRegistration,
)
from lti_tool.demo_lms.tool_keys import ToolJwtError, verify_tool_jwt
from lti_tool.extensions import db

RESPONSE_TYPE = "LtiDeepLinkingResponse"


class DeepLinkRejected(ValueError):
    """The deep-linking response cannot be accepted; the message says why."""


def verify_response(
    flavour: Flavour, lms_base_url: str, hint: DemoMessageHint, token: str | None
) -> dict[str, Any]:
    """The claims of a valid deep-linking response to the request behind ``hint``.

    :raise DeepLinkRejected: for a bad signature, issuer, audience, message type,
        deployment, missing nonce, or ``data`` not echoed.
    """
    if not token:
        raise DeepLinkRejected("the JWT form field is missing")
    registration = hint.registration
    try:
        claims = verify_tool_jwt(
            token,
            registration.jwks_uri,
            audience=flavour.issuer(lms_base_url),
            issuer=registration.client_id,
            required=("iss", "aud", "exp", "iat", "nonce"),
        )
    except ToolJwtError as exc:
        raise DeepLinkRejected(f"the response JWT is not valid: {exc}") from exc
    if claims.get(CLAIM + "message_type") != RESPONSE_TYPE:
        raise DeepLinkRejected(f"message_type must be {RESPONSE_TYPE}")
    if claims.get(CLAIM + "version") != "1.3.0":
        raise DeepLinkRejected("version must be 1.3.0")
    if claims.get(CLAIM + "deployment_id") != registration.deployment_id:
        raise DeepLinkRejected("deployment_id does not match the tool's deployment")
    if flavour.deep_link_sends_data and claims.get(DL_CLAIM + "data") != f"dl-{hint.id}":
        raise DeepLinkRejected("the data value of the request was not echoed")
    items = claims.get(DL_CLAIM + "content_items", [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise DeepLinkRejected("content_items must be a list of objects")
    return claims


def add_content_items(
    flavour: Flavour,
    registration: DemoToolRegistration,
    course: DemoCourse,
    items: list[dict[str, Any]],
) -> tuple[list[DemoResourceLink], list[str]]:
    """Create activities (and line items) for accepted items; return them and the skipped."""
    created: list[DemoResourceLink] = []
    skipped: list[str] = []
    for item in items:
        kind = item.get("type")
        if kind != "ltiResourceLink" or kind not in flavour.deep_link_accept_types:
            skipped.append(f"{kind or 'untyped'} item {item.get('title') or ''}".strip())
            continue
        custom = item.get("custom") if isinstance(item.get("custom"), dict) else {}
        link = DemoResourceLink(
            registration_id=registration.id,
            course_id=course.id,
            resource_link_id=secrets.token_hex(16),
            title=str(item.get("title") or "Untitled activity")[:500],
            text=str(item["text"]) if item.get("text") else None,
            url=str(item["url"]) if item.get("url") else None,
            custom={str(k): str(v) for k, v in custom.items()},
        )
        db.session.add(link)
        db.session.flush()
        line_item = item.get("lineItem")
        if isinstance(line_item, dict):
            doc = {"label": link.title, **line_item, "resourceLinkId": link.resource_link_id}
            try:
                create_line_item(registration, course, doc, via="deep_link")
            except AgsInvalid as exc:
                raise DeepLinkRejected(f"lineItem of {link.title!r}: {exc}") from exc
        created.append(link)
    return created, skipped
