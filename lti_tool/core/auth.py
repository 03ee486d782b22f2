"""Who is asking: decorators that load the launch session and check role and course.

``core`` imports no domain, so the function that turns a launch id into a launch is handed in
at wiring time: ``create_app`` calls ``register_launch_loader(app, get_launch_session)`` with
``roster.launches.get_launch_session``. Views receive whatever it returns (a ``LaunchSession``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Protocol

from flask import Flask, current_app, g
from flask_babel import gettext as _

from lti_tool.core.audit import AuditContext, launch_reference, set_audit_context
from lti_tool.core.i18n import use_launch_locale
from lti_tool.core.roles import Audience, audience_for
from lti_tool.errors import AccessDenied

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
        raise RuntimeError(
            "No launch loader: create_app() calls register_launch_loader()."
        ) from None
    return loader(launch_id)


def launch_required(audience: Audience | None = None) -> Callable:
    """Views under ``/s/<launch_id>/``: load the launch into ``g.launch``; audit events the
    view records name its person, course and launch (``core.audit.set_audit_context``).

    :raise SessionExpired: unknown or expired launch id.
    :raise AccessDenied: the launch's role is not ``audience``.
    """

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(launch_id: str, **kwargs: Any) -> Any:
            launch = get_launch_session(launch_id)
            g.launch = launch
            use_launch_locale(getattr(launch, "claims", None))  # the language the LMS asked for
            g.audience = audience_for(launch.roles)
            if audience is not None and g.audience != audience:
                raise AccessDenied(
                    _("This page is for designers of the course.")
                    if audience == Audience.DESIGNER
                    else _("This page is for learners of the course.")
                )
            set_audit_context(
                AuditContext(
                    actor=g.audience.value,
                    person_id=getattr(launch, "person_id", None),
                    via=launch_reference(launch_id),
                    platform_id=getattr(launch, "platform_id", None),
                    course_id=getattr(launch, "course_id", None),
                )
            )
            return view(launch, **kwargs)

        return wrapper

    return decorator
