"""Who is asking: decorators that load the launch session and check role and course."""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable
from typing import Any

from flask import current_app, g, redirect, request, session, url_for

from lti_tool.core.roles import Audience, audience_for, is_lms_admin
from lti_tool.errors import AccessDenied, wants_json
from lti_tool.lti.sessions import get_launch_session
from lti_tool.platforms.admin_sessions import find_admin_session


def launch_required(audience: Audience | None = None) -> Callable:
    """Views under ``/s/<launch_id>/``: load the launch into ``g.launch``.

    :raise SessionExpired: unknown or expired launch id.
    :raise AccessDenied: the launch's role is not ``audience``.
    """

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(launch_id: str, **kwargs: Any) -> Any:
            launch = get_launch_session(launch_id)
            g.launch = launch
            g.audience = audience_for(launch.roles)
            if audience is not None and g.audience != audience:
                raise AccessDenied(f"This page is for {audience.value}s of the course.")
            return view(launch, **kwargs)

        return wrapper

    return decorator


def admin_launch_id() -> str | None:
    return request.args.get("launch") or request.form.get("launch") or None


def is_admin() -> bool:
    """An admin has signed in with the admin secret, or launched with an LMS admin role."""
    if signed_in_admin():
        return True
    launch_id = admin_launch_id()
    if launch_id:
        launch = get_launch_session(launch_id)
        if is_lms_admin(launch.roles):
            g.admin_launch_id = launch_id
            return True
    return False


ADMIN_SESSION_KEY = "admin_session"


def signed_in_admin() -> bool:
    """The session cookie names an admin session that is open (not revoked, not expired)."""
    if "signed_in_admin" not in g:
        g.signed_in_admin = find_admin_session(session.get(ADMIN_SESSION_KEY)) is not None
    return bool(g.signed_in_admin)


def check_admin_secret(candidate: str) -> bool:
    expected = current_app.config.get("ADMIN_SECRET") or ""
    return bool(expected) and hmac.compare_digest(candidate.encode(), expected.encode())


def admin_required(view: Callable) -> Callable:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not is_admin():
            if not wants_json():
                return redirect(url_for("platforms.login"), code=303)
            raise AccessDenied(
                "The admin area needs the admin secret or a launch by an LMS administrator.",
                hint="Sign in on the admin page with the tool's admin secret.",
                status_code=401,
            )
        return view(*args, **kwargs)

    return wrapper
