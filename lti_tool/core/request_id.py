"""A request id for every request: taken from the proxy's ``X-Request-ID`` when it is sane,
made here otherwise; sent back as ``X-Request-ID``, shown on error pages and in JSON errors,
and written on every log line made while the request runs, so an admin can quote it and
find the lines.
"""

from __future__ import annotations

import re
import uuid

from flask import Flask, Response, g, has_request_context, request

HEADER = "X-Request-ID"
# What proxies send (nginx's $request_id is 32 hex digits, others send UUIDs): letters,
# digits and hyphens only, so the id is safe in a log line, a header and a page (and cannot
# be a JWT, whose parts need dots).
_SANE = re.compile(r"[A-Za-z0-9-]{8,64}")


def current_request_id() -> str | None:
    """The id of the request being served (made on first use); None outside a request."""
    if not has_request_context():
        return None
    request_id = g.get("request_id")
    if request_id is None:
        incoming = request.headers.get(HEADER, "")
        request_id = incoming if _SANE.fullmatch(incoming) else uuid.uuid4().hex
        g.request_id = request_id
    return request_id


def init_request_id(app: Flask) -> None:
    @app.after_request
    def send_request_id(response: Response) -> Response:
        request_id = current_request_id()
        if request_id:
            response.headers[HEADER] = request_id
        return response
