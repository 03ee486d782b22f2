"""Shared view plumbing of the demo LMS: flavour routes, error pages and JSON errors."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from lti_tool.demo_lms.directory import NotFoundInDemo
from lti_tool.demo_lms.flavours import FLAVOURS, Flavour
from lti_tool.demo_lms.keys import NoPlatformKey
from lti_tool.errors import ReciprocalError

log = logging.getLogger(__name__)


def lms_base_url() -> str:
    """``http://localhost:P`` of the current request."""
    return request.host_url.rstrip("/")


def add_flavour_rules(
    bp: Blueprint, path_attr: str, view: Callable[..., Any], methods: list[str]
) -> None:
    """Route ``/<flavour><flavour.path_attr>`` to ``view(flavour_name=…)`` for every flavour:
    these endpoints have LMS-specific paths (Moodle's ``/mod/lti/token.php``…)."""
    for flavour in FLAVOURS.values():
        bp.add_url_rule(
            f"/{flavour.name}{getattr(flavour, path_attr)}",
            endpoint=f"{view.__name__}_{flavour.name}",
            view_func=view,
            defaults={"flavour_name": flavour.name},
            methods=methods,
        )


# The LMS's own pages: scripts and styles from itself; the tool in its iframes (the tool's URL
# is whatever was registered, so any http(s) frame); forms post to the tool (login
# initiation, registration); only the LMS frames its own pages (launch frame, deep-linking
# return, platform storage).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-src 'self' http: https:; form-action 'self' http: https:; "
    "frame-ancestors 'self'; base-uri 'self'; object-src 'none'"
)
# Pages with people's names and grades.
PERSONAL_PAGES = ("/courses/", "/admin/")


def security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if any(part in request.path for part in PERSONAL_PAGES):
        headers["Cache-Control"] = "no-store"
    return response


def json_error(status: int, error: str, description: str, **headers: str) -> Response:
    response = jsonify(error=error, error_description=description)
    response.status_code = status
    response.headers.update(headers)
    return response


def lms_page_error(flavour: Flavour | None, status: int, message: str) -> Response:
    """The LMS's own error page (e.g. Moodle's 404 "Invalid request")."""
    body = render_template(
        "demo_lms/error.html",
        flavour=flavour,
        status=status,
        message=message,
        title="Invalid request" if status in (400, 404) else "Error",
    )
    return Response(body, status=status)


def wants_json() -> bool:
    return "/api/" in request.path or request.accept_mimetypes.best == "application/json"


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def handle_http(error: HTTPException) -> Response:
        if wants_json():
            return json_error(
                error.code or 500, error.name.lower().replace(" ", "_"), error.description or ""
            )
        return lms_page_error(None, error.code or 500, error.description or error.name)

    @app.errorhandler(NotFoundInDemo)
    def handle_missing(error: NotFoundInDemo) -> Response:
        if wants_json():
            return json_error(404, "not_found", str(error))
        return lms_page_error(None, 404, str(error))

    @app.errorhandler(ReciprocalError)
    def handle_refusal(error: ReciprocalError) -> Response:  # e.g. a commit that failed
        if wants_json():
            return json_error(error.status_code, type(error).__name__, error.message)
        return lms_page_error(None, error.status_code, error.message)

    @app.errorhandler(NoPlatformKey)
    def handle_no_key(error: NoPlatformKey) -> Response:
        return lms_page_error(None, 503, str(error))
