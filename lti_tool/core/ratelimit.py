"""Rate limits per client address on the anonymous LTI endpoints and the admin sign-in.

Flask-Limiter counts in process memory by default, or in Redis when
``RATELIMIT_STORAGE_URI`` says so (then every worker shares the counts). Each app gets its
own limiter, so the limits are read from that app's settings at request time. A request over
a limit gets a 429 page (or JSON) with ``Retry-After``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from flask import Flask, Response, current_app, request
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address

from lti_tool.errors import error_response

log = logging.getLogger(__name__)

EXTENSION_KEY = "reciprocal.limiter"


def _failed_sign_in(response: Response) -> bool:
    return response.status_code == 401


# endpoint, the setting with its limit, options (a sign-in counts only when it fails)
ROUTE_LIMITS: tuple[tuple[str, str, dict], ...] = (
    ("lti.login", "RATELIMIT_LAUNCH", {}),
    ("lti.launch", "RATELIMIT_LAUNCH", {}),
    ("lti.register", "RATELIMIT_REGISTRATION", {}),
    ("lti.canvas_json", "RATELIMIT_PUBLIC", {}),
    ("lti.jwks", "RATELIMIT_PUBLIC", {}),
    (
        "platforms.login",
        "RATELIMIT_ADMIN_SIGN_IN",
        {"methods": ["POST"], "deduct_when": _failed_sign_in},
    ),
)


def _setting(name: str) -> Callable[[], str]:
    return lambda: str(current_app.config[name])


def init_rate_limits(app: Flask) -> Limiter:
    """Give ``app`` its limiter and wrap the limited views (after their blueprints)."""
    limiter = Limiter(key_func=get_remote_address)
    limiter.init_app(app)
    app.extensions[EXTENSION_KEY] = limiter
    app.register_error_handler(RateLimitExceeded, too_many_requests)
    if not limiter.enabled:
        return limiter
    for endpoint, setting, options in ROUTE_LIMITS:
        view = app.view_functions.get(endpoint)
        if view is not None:
            app.view_functions[endpoint] = limiter.limit(_setting(setting), **options)(view)
    return limiter


def too_many_requests(error: RateLimitExceeded) -> Response:
    limiter: Limiter = current_app.extensions[EXTENSION_KEY]
    current = limiter.current_limit
    retry_after = max(1, int(current.reset_at - time.time())) if current else 60
    log.warning(
        "Rate limit (%s) reached by %s on %s", error.description, request.remote_addr, request.path
    )
    response = error_response(
        429,
        "Too many requests",
        f"This address has sent more requests to {request.path} than the tool allows "
        f"({error.description}).",
        f"Wait {retry_after} seconds, then try again.",
    )
    response.headers["Retry-After"] = str(retry_after)
    return response
