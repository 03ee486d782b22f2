"""Who is asking: decorators that load the launch session and check role and course.

``core`` imports no domain, so the function that turns a launch id into a launch is handed in
at wiring time: ``create_app`` calls ``register_launch_loader(app, get_launch_session)`` with
``roster.launches.get_launch_session``. Views receive whatever it returns (a ``LaunchSession``).
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable
from typing import Any, Protocol

from flask import Flask, current_app, g, redirect, request, session, url_for

from lti_tool.core.roles import Audience, audience_for, is_lms_admin
from lti_tool.errors import AccessDenied, wants_json

LAUNCH_LOADER = "reciprocal.launch_loader"


class Launch(Protocol):
    """What the decorators need of a launch: its LTI roles."""

    roles: list[str]


def register_launch_loader(app: Flask, loader: Callable[[str], Launch]) -> None:
    """Name the function that loads a launch by id and raises ``SessionExpired`` when it
    is unknown or over."""
    app.extensions[LAUNCH_LOADER] = loader


def get_launch_session(launch_id: str) -> Any:
    """The launch for ``launch_id``, through the app's registered loader.

    :raise SessionExpired: unknown or expired launch id.
    :raise RuntimeError: ``create_app`` registered no loader.
    """
    try:
        loader = current_app.extensions[LAUNCH_LOADER]
    except KeyError:
        raise RuntimeError("No launch loader: create_app() calls register_launch_loader().") \
            from None
    return loader(launch_id)


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
    if session.get("is_admin"):
        return True
    launch_id = admin_launch_id()
    if launch_id:
        launch = get_launch_session(launch_id)
        if is_lms_admin(launch.roles):
            g.admin_launch_id = launch_id
            return True
    return False


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
