"""CSRF protection and security headers for the tool's pages.

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

from lti_tool.errors import AccessDenied

F = TypeVar("F", bound=Callable)
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self' http: https:; frame-ancestors *; "
    "base-uri 'self'; object-src 'none'"
)


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


def _headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    return response


def register_security(app: Flask) -> None:
    app.before_request(_check_csrf)
    app.after_request(_headers)
    app.jinja_env.globals["csrf_token"] = csrf_token
