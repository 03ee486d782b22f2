"""One exception hierarchy, mapped to an HTML page or JSON in one place.

Views and services raise these; ``register_error_handlers`` turns them into a response with
the right status, a sentence saying what went wrong and what to do, and never a stack trace.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, SecurityError

from lti_tool.core.request_id import current_request_id

log = logging.getLogger(__name__)


class ReciprocalError(Exception):
    """Base of every error the tool shows to a person."""

    status_code = 400
    title = _l("Something went wrong")
    hint = _l("Go back and try again.")
    retry_after: int | None = None  # seconds, sent as Retry-After

    def __init__(self, message: str, *, hint: str | None = None, status_code: int | None = None):
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = hint
        if status_code is not None:
            self.status_code = status_code


class DomainError(ReciprocalError):
    """A state change the model refuses (e.g. approving an active deployment)."""

    status_code = 409
    title = _l("That cannot be done now")


class NotFoundError(ReciprocalError):
    """What the request names does not exist here (or belongs to someone else: same answer)."""

    status_code = 404
    title = _l("Not found")
    hint = _l("Reload the page you came from: what you acted on may already be gone.")


class ValidationError(ReciprocalError):
    status_code = 422
    title = _l("Please check what you entered")
    hint = _l("Correct the highlighted values and submit again.")


class LaunchError(ReciprocalError):
    """A launch the tool refuses: forged, expired, replayed, misconfigured."""

    status_code = 400
    title = _l("This launch could not be accepted")
    hint = _l("Go back to your course and open the activity again.")

    def __init__(self, message: str, *, reason: str | None = None, **options: Any):
        super().__init__(message, **options)
        # The step that refused the launch, a fixed word for the metrics (never free text).
        self.reason = reason


class PlatformErrorReport(LaunchError):
    """The platform posted ``error`` / ``error_description`` instead of an id_token."""

    title = _l("Your LMS reported a problem")
    hint = _l(
        "Go back to your course and open the activity again; if it keeps happening, "
        "show this message to your LMS administrator."
    )


class RegistrationError(ReciprocalError):
    status_code = 400
    title = _l("The tool could not be registered")
    hint = _l("Check the registration URL and try again from your LMS's tool registration screen.")


class AccessDenied(ReciprocalError):
    status_code = 403
    title = _l("You do not have access to this page")
    hint = _l("Open the tool from your course in the LMS.")


class SessionExpired(ReciprocalError):
    status_code = 401
    title = _l("Your session has expired")
    hint = _l("Go back to your course and open the activity again.")


class PlatformServiceError(ReciprocalError):
    """An LMS service (token, NRPS, AGS) failed or answered something unusable."""

    status_code = 502
    title = _l("Your LMS did not answer as expected")
    hint = _l(
        "Try again in a few minutes; if it keeps failing, ask your LMS administrator "
        "to check the tool's registration."
    )


class DatabaseConflict(ReciprocalError):
    """The database refused the change: someone else changed the same thing meanwhile."""

    status_code = 409
    title = _l("That was changed at the same time")
    hint = _l("Reload the page to see what is stored now, and try again if it is still needed.")


class DatabaseUnavailable(ReciprocalError):
    """The database could not be reached, or was too busy to take the change."""

    status_code = 503
    title = _l("The tool's database is not available")
    hint = _l("Try again in a minute; if it keeps happening, tell the tool's administrator.")
    retry_after = 30


def database_error(exc: sa.exc.SQLAlchemyError) -> ReciprocalError:
    """What a person is told when the database refused a unit's work (nothing was saved)."""
    if isinstance(exc, sa.exc.IntegrityError):
        log.warning("Conflict in the database: %s", exc.orig)
        return DatabaseConflict(
            _("Nothing was saved: the change conflicts with one made at the same time.")
        )
    log.error("Database error, nothing was saved", exc_info=exc)
    return DatabaseUnavailable(
        _("Nothing was saved: the tool could not reach its database or it was too busy.")
    )


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return request.is_json or (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def error_response(status: int, title: str, message: str, hint: str | None) -> Response:
    """The error page (or JSON) with the request id an admin can look up in the logs."""
    request_id = current_request_id()
    title, message = str(title), str(message)  # lazy strings, translated now
    hint = None if hint is None else str(hint)
    if wants_json():
        response = jsonify(
            error=title, message=message, hint=hint, status=status, request_id=request_id
        )
    else:
        response = Response(
            render_template(
                "errors/error.html",
                status=status,
                title=title,
                message=message,
                hint=hint,
                request_id=request_id,
            )
        )
    response.status_code = status
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ReciprocalError)
    def handle_reciprocal_error(error: ReciprocalError) -> Response:
        log.warning("%s (%s): %s", type(error).__name__, error.status_code, error.message)
        response = error_response(error.status_code, error.title, error.message, error.hint)
        if error.retry_after:
            response.headers["Retry-After"] = str(error.retry_after)
        return response

    @app.errorhandler(SecurityError)
    def handle_untrusted_host(error: SecurityError) -> Response:
        # No URL can be built for an untrusted Host (TRUSTED_HOSTS), so no template page.
        message = _("This address's host name is not one this tool answers to.")
        hint = _("Use the tool's address exactly as your LMS administrator configured it.")
        request_id = current_request_id()
        if wants_json():
            response = jsonify(
                error="Bad Request", message=message, hint=hint, status=400, request_id=request_id
            )
        else:
            response = Response(
                f"{message} {hint}\n{_('Reference:')} {request_id}\n", mimetype="text/plain"
            )
        response.status_code = 400
        return response

    @app.errorhandler(sa.exc.IntegrityError)
    @app.errorhandler(sa.exc.OperationalError)
    @app.errorhandler(sa.exc.InterfaceError)
    def handle_database_error(error: sa.exc.SQLAlchemyError) -> Response:
        return handle_reciprocal_error(database_error(error))

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException) -> Response:
        hint = _("Check the address, or go back to your course and open the tool again.")
        title, message = http_error_text(error)
        return error_response(error.code or 500, title, message, hint)

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception) -> Response:
        # The route, not the path: a path can carry a launch id.
        route = request.url_rule.rule if request.url_rule else request.path
        log.exception("Unhandled error on %s %s", request.method, route)
        return error_response(
            500,
            _("Unexpected error"),
            _("The tool hit an unexpected problem and has logged it."),
            _(
                "Try again; if it keeps happening, tell your LMS administrator the time it "
                "happened and the reference below."
            ),
        )


# Werkzeug's own words for the HTTP errors a person meets, in the page's language.
HTTP_ERROR_TEXT = {
    403: (
        _l("Forbidden"),
        _l("You don't have the permission to access the requested resource."),
    ),
    404: (
        _l("Not Found"),
        _l("The requested URL was not found on the server."),
    ),
    405: (
        _l("Method Not Allowed"),
        _l("The method is not allowed for the requested URL."),
    ),
    413: (
        _l("Request Entity Too Large"),
        _l("The data value transmitted exceeds the capacity limit."),
    ),
    429: (
        _l("Too Many Requests"),
        _l("This user has exceeded an allotted request count. Try again later."),
    ),
}


def http_error_text(error: HTTPException) -> tuple[str, str]:
    """Title and message of an HTTP error: translated when werkzeug's default is used."""
    known = HTTP_ERROR_TEXT.get(error.code or 500)
    if known is None:
        return error.name, error.description or ""
    default = type(error).description
    message = known[1] if error.description == default else error.description
    return str(known[0]), str(message)
