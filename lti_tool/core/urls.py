"""The tool's public URLs, as platforms must see them."""

from __future__ import annotations

from flask import current_app, request, url_for


def tool_base_url() -> str:
    """``TOOL_BASE_URL`` when set (production behind a proxy), else the request's origin."""
    configured = current_app.config.get("TOOL_BASE_URL")
    return (configured or request.host_url).rstrip("/")


def absolute(endpoint: str, **values: object) -> str:
    return tool_base_url() + url_for(endpoint, **values)


def login_url() -> str:
    return absolute("lti.login")


def launch_url() -> str:
    return absolute("lti.launch")


def jwks_url() -> str:
    return absolute("lti.jwks")
