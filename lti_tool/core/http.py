"""One HTTP client for every call to a platform: a User-Agent (Canvas refuses requests
without one), timeouts from settings, connection reuse."""

from __future__ import annotations

import threading

import requests
from flask import current_app

USER_AGENT = "Reciprocal-LTI/0.1 (+https://github.com/reciprocal)"

_local = threading.local()


def http_session() -> requests.Session:
    """A per-thread requests session (sessions are not thread-safe)."""
    session = getattr(_local, "session", None)
    if session is None:
        session = requests.Session()
        session.headers["User-Agent"] = USER_AGENT
        _local.session = session
    return session


def http_timeout() -> float:
    return float(current_app.config["HTTP_TIMEOUT_SECONDS"])
