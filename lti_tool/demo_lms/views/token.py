"""OAuth2 token endpoint of each flavour (Moodle: JSON sent as text/html, exact form type)."""

from __future__ import annotations

import json

from flask import Blueprint, Response, request

from lti_tool.demo_lms.flavours import Flavour, get_flavour
from lti_tool.demo_lms.oauth import ACCESS_TOKEN_TTL, TokenError, issue_access_token
from lti_tool.demo_lms.web import add_flavour_rules, lms_base_url

bp = Blueprint("demo_token", __name__)

FORM = "application/x-www-form-urlencoded"


def _reply(flavour: Flavour, status: int, body: dict | str) -> Response:
    text = body if isinstance(body, str) else json.dumps(body)
    response = Response(text, status=status, content_type=flavour.token_content_type)
    response.headers["Cache-Control"] = "no-store"
    return response


def token_endpoint(flavour_name: str) -> Response:
    """POST client_credentials → ``{access_token, token_type, expires_in, scope}``."""
    flavour = get_flavour(flavour_name)
    content_type = request.headers.get("Content-Type", "")
    exact = content_type == FORM
    if (flavour.token_requires_exact_form and not exact) or FORM not in content_type:
        # Moodle answers this one with a bare word, which is not JSON.
        body = (
            "invalid_request"
            if flavour.token_requires_exact_form
            else {"error": "invalid_request", "error_description": f"Content-Type must be {FORM}"}
        )
        return _reply(flavour, 400, body)
    try:
        token, scopes = issue_access_token(flavour, lms_base_url(), request.form.to_dict())
    except TokenError as exc:
        return _reply(
            flavour, exc.status, {"error": exc.error, "error_description": exc.description}
        )
    return _reply(
        flavour,
        200,
        {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": int(ACCESS_TOKEN_TTL.total_seconds()),
            "scope": " ".join(scopes),
        },
    )


add_flavour_rules(bp, "token_path", token_endpoint, ["POST"])
