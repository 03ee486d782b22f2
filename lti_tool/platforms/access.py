"""Who administers what: the admin secret's server-side sessions (the whole installation) and
LMS administrators' launches (their own platform only).

Launches are loaded through ``core.auth.get_launch_session`` (the loader ``create_app``
registers), so the admin area needs nothing from the layers above ``platforms``.
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app, g, redirect, request, session, url_for
from flask_babel import gettext as _

from lti_tool.core.audit import AuditContext, launch_reference, set_audit_context
from lti_tool.core.auth import get_launch_session
from lti_tool.core.roles import is_lms_admin
from lti_tool.errors import AccessDenied, wants_json
from lti_tool.platforms.admin_sessions import find_admin_session


@dataclass(frozen=True)
class AdminScope:
    """What an admin may administer: the whole installation (signed in with the admin
    secret), or only their own platform (an LMS administrator's launch)."""

    platform_id: int | None
    actor: str
    launch_id: str | None = None
    person_id: int | None = None
    admin_session_id: int | None = None

    def audit_context(self) -> AuditContext:
        """Who the audit log names for this admin: the admin session, or the LMS
        administrator's launch (a short reference, never the id)."""
        return AuditContext(
            actor=self.actor,
            person_id=self.person_id,
            via=launch_reference(self.launch_id)
            if self.launch_id
            else f"admin session {self.admin_session_id}"
            if self.admin_session_id
            else None,
            platform_id=self.platform_id,
        )

    @property
    def is_installation(self) -> bool:
        return self.platform_id is None

    def covers(self, platform_id: int) -> bool:
        return self.platform_id is None or self.platform_id == platform_id


INSTALLATION_ACTOR = "tool admin (admin secret)"


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
            g.admin_launch = launch
            return True
    return False


ADMIN_SESSION_KEY = "admin_session"


def signed_in_admin() -> bool:
    """The session cookie names an admin session that is open (not revoked, not expired)."""
    if "signed_in_admin" not in g:
        row = find_admin_session(session.get(ADMIN_SESSION_KEY))
        g.signed_in_admin = row is not None
        g.admin_session_id = row.id if row is not None else None
    return bool(g.signed_in_admin)


def current_admin_scope() -> AdminScope | None:
    """The scope of this request's admin, or None; an LMS administrator's launch reaches
    only the platform it came from."""
    if not is_admin():
        return None
    launch = g.get("admin_launch")
    if launch is None:
        return AdminScope(
            platform_id=None, actor=INSTALLATION_ACTOR, admin_session_id=g.get("admin_session_id")
        )
    if not launch.platform.is_active:  # rejected since this launch
        return None
    # No name in the words: the log names people by id only (see core.audit).
    return AdminScope(
        platform_id=launch.platform_id,
        launch_id=launch.id,
        person_id=launch.person_id,
        actor=f"LMS administrator of platform {launch.platform_id}",
    )


def check_admin_secret(candidate: str) -> bool:
    expected = current_app.config.get("ADMIN_SECRET") or ""
    return bool(expected) and hmac.compare_digest(candidate.encode(), expected.encode())


def admin_required(view: Callable) -> Callable:
    """Admin views: sets ``g.admin_scope``; each view keeps to it (``require_installation``,
    ``require_platform``)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        scope = current_admin_scope()
        if scope is None:
            if not wants_json():
                return redirect(url_for("platforms.login"), code=303)
            raise AccessDenied(
                _("The admin area needs the admin secret or a launch by an LMS administrator."),
                hint=_("Sign in on the admin page with the tool's admin secret."),
                status_code=401,
            )
        g.admin_scope = scope
        set_audit_context(scope.audit_context())
        return view(*args, **kwargs)

    return wrapper


def require_installation() -> AdminScope:
    """:raise AccessDenied: (403) the admin is an LMS administrator, limited to their LMS."""
    scope: AdminScope = g.admin_scope
    if not scope.is_installation:
        raise AccessDenied(
            _(
                "Only the administrators of this Reciprocal installation may do this; as an LMS "
                "administrator you manage your own LMS's registration and deployments."
            ),
            hint=_("Ask the tool's administrator (who signs in with the admin secret)."),
        )
    return scope


def require_platform(platform_id: int) -> AdminScope:
    """:raise AccessDenied: (403) the platform is not the LMS administrator's own."""
    scope: AdminScope = g.admin_scope
    if not scope.covers(platform_id):
        raise AccessDenied(
            _(
                "As an LMS administrator you manage only the LMS you launched the tool from; "
                "this belongs to another one."
            ),
            hint=_(
                "Open the tool's administration from that LMS, or ask the tool's administrator."
            ),
        )
    return scope
