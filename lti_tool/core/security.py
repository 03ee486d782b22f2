"""CSRF protection and security headers for the tool's pages.

Headers: a strict CSP whose ``frame-ancestors`` lists only the registered LMSs (see
``lti_tool.lti.framing``); the admin area may not be framed at all (``frame-ancestors
'none'``, ``X-Frame-Options: DENY``); pages with personal data — everything under
``/s/<launch_id>/`` and the admin area — are ``Cache-Control: no-store``.

CSRF tokens cannot hang on a cookie session (third-party cookies may be blocked inside the
LMS iframe), so a token is an HMAC of the page's *launch id* — carried in the URL — or, for
the admin area outside the LMS, of a random seed in the first-party session cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from typing import TypeVar

from flask import Flask, Response, current_app, request, session

from lti_tool.core.input import clean_request
from lti_tool.errors import AccessDenied

F = TypeVar("F", bound=Callable)
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self' http: https:; base-uri 'self'; object-src 'none'; "
    "frame-ancestors {}"
)
ADMIN_PREFIX = "/admin"
LAUNCH_PREFIX = "/s/"


def csrf_exempt(view: F) -> F:
    """For endpoints a platform posts to (login, launch): they carry their own proof."""
    view.csrf_exempt = True  # type: ignore[attr-defined]
    return view


def _seed() -> str:
    launch_id = (request.view_args or {}).get("launch_id")
    if launch_id:
        return "launch:" + launch_id
    if "csrf_seed" not in session:
        session["csrf_seed"] = secrets.token_urlsafe(16)
    return "session:" + session["csrf_seed"]


def csrf_token() -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, _seed().encode(), hashlib.sha256).hexdigest()


def _check_csrf() -> None:
    if request.method not in UNSAFE_METHODS or request.endpoint is None:
        return
    view = current_app.view_functions.get(request.endpoint)
    if view is None or getattr(view, "csrf_exempt", False):
        return
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    if not hmac.compare_digest(sent, csrf_token()):
        raise AccessDenied(
            "The form was sent without a valid security token.",
            hint="Reload the page and submit the form again.",
        )


def _is_admin_path(path: str) -> bool:
    return path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")


def _headers(response: Response) -> Response:
    headers = response.headers
    if _is_admin_path(request.path):
        headers["Content-Security-Policy"] = CSP.format("'none'")
        headers["X-Frame-Options"] = "DENY"
        headers["Cache-Control"] = "no-store"
    else:
        if "Content-Security-Policy" not in headers:
            # Only pages are framed; anything else (JSON, CSS…) is never a frame's content.
            framers = _frame_ancestors() if response.mimetype == "text/html" else []
            headers["Content-Security-Policy"] = CSP.format(" ".join(framers) or "'none'")
        if request.path.startswith(LAUNCH_PREFIX):
            headers["Cache-Control"] = "no-store"
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    return response


FRAME_ANCESTORS = "reciprocal.frame_ancestors"


def _frame_ancestors() -> list[str]:
    provider = current_app.extensions.get(FRAME_ANCESTORS)
    return provider() if provider is not None else []


def register_security(
    app: Flask, *, frame_ancestors: Callable[[], list[str]] | None = None
) -> None:
    """CSRF, input hygiene and headers. ``frame_ancestors`` names the origins that may frame
    the current page (``lti.framing`` — handed in by ``create_app``, as core imports no
    domain); without it no page may be framed."""
    if frame_ancestors is not None:
        app.extensions[FRAME_ANCESTORS] = frame_ancestors
    app.before_request(clean_request)
    app.before_request(_check_csrf)
    app.after_request(_headers)
    app.jinja_env.globals["csrf_token"] = csrf_token
