"""The admin area: the values to paste into an LMS, platforms, invites, deployments, keys.

Every view runs under ``admin_required`` and keeps to ``g.admin_scope``: the installation
(signed in with the admin secret) or one platform (an LMS administrator's launch, who manages
only that LMS's values and deployments).
"""

from __future__ import annotations

import datetime as dt
import logging
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from lti_tool.core.audit import recent_events, record_event
from lti_tool.core.lti_spec import scope_labels
from lti_tool.core.time import utcnow
from lti_tool.core.transaction import separate_unit
from lti_tool.core.urls import absolute, jwks_url, launch_url, login_url, tool_base_url
from lti_tool.errors import ValidationError
from lti_tool.extensions import db
from lti_tool.platforms.access import (
    ADMIN_SESSION_KEY,
    INSTALLATION_ACTOR,
    admin_required,
    check_admin_secret,
    require_installation,
    require_platform,
)
from lti_tool.platforms.admin_sessions import open_admin_session, revoke_admin_session
from lti_tool.platforms.forms import EditPlatformForm, PlatformForm
from lti_tool.platforms.guidance import platform_next_steps, removal_lines
from lti_tool.platforms.invites import invite_url, mint_invite, recent_invites, revoke_invite
from lti_tool.platforms.keys import published_keys, rotate_keys
from lti_tool.platforms.models import Deployment, Platform, PlatformStatus, RegistrationInvite
from lti_tool.platforms.services import (
    PlatformExists,
    add_platform,
    decide_deployment,
    decide_platform,
    edit_platform,
    list_platforms,
    pending_deployments,
    removal_summary,
    remove_platform,
    switch_platform,
)

bp = Blueprint("platforms", __name__, url_prefix="/admin")
log = logging.getLogger(__name__)

# A platform's next steps in its LMS are shown unfolded for this long after it registered.
RECENT_REGISTRATION = dt.timedelta(days=7)


def tool_values() -> list[tuple[str, str]]:
    """What an LMS admin pastes into Moodle or Canvas."""
    return [
        (
            _("Registration URL (Moodle 4.1+ / Canvas dynamic registration)"),
            absolute("lti.register")
            + _("?invite=… — made by the tool's administrator, one per LMS"),
        ),
        (_("Canvas developer key JSON URL"), absolute("lti.canvas_json")),
        (_("Tool URL / target link URI / redirect URI"), launch_url()),
        (_("Initiate login URL"), login_url()),
        (_("Public keyset (JWKS) URL"), jwks_url()),
        (_("Deep linking (content selection) URL"), launch_url()),
        (_("Domain"), tool_base_url().split("://", 1)[1]),
    ]


def _launch_args() -> dict[str, str]:
    launch = g.get("admin_launch_id")
    return {"launch": launch} if launch else {}


def _back(endpoint: str = "platforms.dashboard", **values: object) -> Response:
    return redirect(url_for(endpoint, **values, **_launch_args()), code=303)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | tuple[str, int]:
    """Sign in to the admin area with the admin secret: opens a server-side admin session
    whose opaque id the (signed, first-party) session cookie carries."""
    error = None
    if request.method == "POST":
        if check_admin_secret(request.form.get("secret", "")):
            token, row = open_admin_session(
                request.remote_addr, current_app.config["ADMIN_SESSION_TTL_SECONDS"]
            )
            session.clear()
            session[ADMIN_SESSION_KEY] = token
            db.session.flush()
            record_event(
                INSTALLATION_ACTOR, "admin.signed_in", "admin area", via=f"admin session {row.id}"
            )
            log.info("Admin signed in from %s (admin session %s)", request.remote_addr, row.id)
            return redirect(url_for("platforms.dashboard"), code=303)
        log.warning("Admin sign-in failed from %s", request.remote_addr)
        # The refusal (401) rolls this request back: the failure is kept in a unit of its own.
        with separate_unit():
            record_event("someone without the admin secret", "admin.sign_in_failed", "admin area")
        error = _("That is not the admin secret.")
    return render_template("platforms/login.html", error=error), 401 if error else 200


@bp.post("/logout")
def logout() -> Response:
    row = revoke_admin_session(session.get(ADMIN_SESSION_KEY))
    if row is not None:
        record_event(
            INSTALLATION_ACTOR, "admin.signed_out", "admin area", via=f"admin session {row.id}"
        )
        log.info("Admin signed out from %s (admin session %s)", request.remote_addr, row.id)
    session.clear()
    return redirect(url_for("platforms.login"), code=303)


@bp.get("/")
@admin_required
def dashboard() -> str:
    """The installation's admin sees everything; an LMS administrator sees their LMS only."""
    scope = g.admin_scope
    now = utcnow()
    installation = scope.is_installation
    platforms = list_platforms(scope.platform_id)
    return render_template(
        "platforms/dashboard.html",
        installation=installation,
        tool_values=tool_values(),
        platforms=[
            {
                "platform": p,
                "services": scope_labels(p.granted_scopes or []),
                "steps": platform_next_steps(p),
                "recent": now - p.created_at < RECENT_REGISTRATION,
            }
            for p in platforms
        ],
        pending_platforms=[p for p in platforms if p.status == PlatformStatus.PENDING]
        if installation
        else [],
        pending=pending_deployments(scope.platform_id),
        keys=[(k, k.is_published(now)) for k in published_keys(now)] if installation else [],
        invites=[(i, _invite_state(i, now)) for i in recent_invites()] if installation else [],
        invite_days=current_app.config["REGISTRATION_INVITE_DAYS"],
        open_registration=current_app.config["OPEN_REGISTRATION"],
        events=recent_events() if installation else [],
        admin_launch=g.get("admin_launch_id"),
    )


def _invite_state(invite: RegistrationInvite, now: dt.datetime) -> str:
    if invite.used_at is not None:
        return "used"
    return "expired" if invite.is_expired(now) else "open"


@bp.route("/platforms/new", methods=["GET", "POST"], endpoint="add_platform")
@admin_required
def add_platform_page() -> Response | tuple[str, int] | str:
    """Accept a new platform's values; an issuer + client id already registered is refused
    (409) with a link to edit that platform instead.

    :raise AccessDenied: an LMS administrator may not add platforms.
    """
    scope = require_installation()
    form = PlatformForm()
    conflict = None
    if form.submitted and form.validate():
        candidate = form.values()
        try:
            add_platform(candidate, actor=scope.actor)
        except PlatformExists as exc:
            conflict = exc.platform
        else:
            flash(_("Platform %(name)s saved.", name=candidate.name))
            return _back()
    status = 409 if conflict else 422 if form.errors else 200
    return (
        render_template(
            "platforms/add.html",
            form=form,
            conflict=conflict,
            tool_values=tool_values(),
            admin_launch=g.get("admin_launch_id"),
        ),
        status,
    )


@bp.route("/platforms/<int:platform_pk>/edit", methods=["GET", "POST"], endpoint="edit_platform")
@admin_required
def edit_platform_page(platform_pk: int) -> Response | tuple[str, int] | str:
    """Change a platform's name and endpoints on purpose; every change is audited.

    :raise AccessDenied: an LMS administrator's launch from another platform.
    """
    platform = db.get_or_404(Platform, platform_pk)
    scope = require_platform(platform.id)
    form = EditPlatformForm(obj=platform)
    if form.submitted and form.validate():
        try:
            changed = edit_platform(platform, form.values(), actor=scope.actor)
        except ValidationError as exc:
            form.add_error(None, exc.message)
        else:
            flash(
                _(
                    "%(name)s: changed %(fields)s.",
                    name=platform.name,
                    fields=", ".join(changed).replace("_", " "),
                )
                if changed
                else _("%(name)s: nothing changed.", name=platform.name)
            )
            return _back()
    return render_template(
        "platforms/edit.html", platform=platform, form=form, admin_launch=g.get("admin_launch_id")
    ), 422 if form.errors else 200


@bp.post("/platforms/<int:platform_pk>/<any(approve, reject):decision>", endpoint="decide_platform")
@admin_required
def decide_platform_page(platform_pk: int, decision: str) -> Response:
    """Approve or reject an LMS that registered itself without an invite.

    :raise AccessDenied: an LMS administrator may not approve platforms.
    :raise DomainError: the platform already has that status.
    """
    scope = require_installation()
    platform = db.get_or_404(Platform, platform_pk)
    decide_platform(platform, decision, actor=scope.actor)
    if decision == "approve":
        flash(_("LMS %(name)s approved.", name=platform.name))
    else:
        flash(_("LMS %(name)s rejected.", name=platform.name))
    return _back()


@bp.post("/platforms/<int:platform_pk>/<any(disable, enable):switch>", endpoint="switch_platform")
@admin_required
def switch_platform_page(platform_pk: int, switch: str) -> Response:
    """Disable an LMS (nobody can open the tool from it: logins, launches and open launches
    are refused) or enable it again.

    :raise AccessDenied: an LMS administrator may not switch LMSs on or off.
    :raise DomainError: the LMS is not active (to disable) or not disabled (to enable).
    """
    scope = require_installation()
    platform = db.get_or_404(Platform, platform_pk)
    switch_platform(platform, switch == "enable", actor=scope.actor)
    if switch == "disable":
        flash(
            _(
                "LMS %(name)s disabled. Nobody can open the tool from it until you enable it.",
                name=platform.name,
            )
        )
    else:
        flash(_("LMS %(name)s enabled.", name=platform.name))
    return _back()


@bp.route(
    "/platforms/<int:platform_pk>/remove", methods=["GET", "POST"], endpoint="remove_platform"
)
@admin_required
def remove_platform_page(platform_pk: int) -> Response | str:
    """Say what goes with the LMS (courses, programs, launches…), then remove it when the
    admin confirms; the audit log keeps what was removed.

    :raise AccessDenied: an LMS administrator may not remove LMSs.
    """
    scope = require_installation()
    platform = db.get_or_404(Platform, platform_pk, options=[selectinload(Platform.deployments)])
    if request.method == "POST":
        name = platform.name
        remove_platform(platform, actor=scope.actor)
        flash(_("LMS %(name)s removed with everything that belonged to it.", name=name))
        return _back()
    return render_template(
        "platforms/remove.html",
        platform=platform,
        lines=removal_lines(removal_summary(platform)),
        admin_launch=g.get("admin_launch_id"),
    )


@bp.post(
    "/deployments/<int:deployment_pk>/<any(approve, reject):decision>", endpoint="decide_deployment"
)
@admin_required
def decide_deployment_page(deployment_pk: int, decision: str) -> Response:
    """:raise AccessDenied: a deployment of another LMS than the LMS administrator's.
    :raise DomainError: the deployment already has that status."""
    deployment = db.get_or_404(Deployment, deployment_pk)
    scope = require_platform(deployment.platform_id)
    decide_deployment(deployment, decision, actor=scope.actor)
    if decision == "approve":
        flash(_("Deployment %(id)s approved.", id=deployment.deployment_id))
    else:
        flash(_("Deployment %(id)s rejected.", id=deployment.deployment_id))
    return _back()


@bp.post("/invites", endpoint="mint_invite")
@admin_required
def mint_invite_page() -> tuple[str, int]:
    """Make a registration URL (shown once: only its hash is kept).

    :raise AccessDenied: an LMS administrator may not invite LMSs.
    """
    scope = require_installation()
    issuer = request.form.get("issuer", "").strip() or None
    if issuer and (urlsplit(issuer).scheme not in ("https", "http") or not urlsplit(issuer).netloc):
        raise ValidationError(
            _("Issuer: enter the LMS's full URL starting with https://, or leave it empty.")
        )
    minted = mint_invite(
        actor=scope.actor,
        issuer=issuer,
        note=request.form.get("note"),
        ttl=dt.timedelta(days=current_app.config["REGISTRATION_INVITE_DAYS"]),
    )
    return render_template(
        "platforms/invite.html",
        invite=minted.invite,
        url=invite_url(absolute("lti.register"), minted.token),
    ), 201


@bp.post("/invites/<int:invite_pk>/revoke", endpoint="revoke_invite")
@admin_required
def revoke_invite_page(invite_pk: int) -> Response:
    """:raise DomainError: the invite is already used or expired."""
    scope = require_installation()
    invite = db.get_or_404(RegistrationInvite, invite_pk)
    revoke_invite(invite, scope.actor)
    flash(_("Registration URL %(number)s revoked.", number=invite.id))
    return _back()


@bp.post("/keys/rotate")
@admin_required
def rotate() -> Response:
    """:raise AccessDenied: an LMS administrator may not rotate the tool's keys."""
    scope = require_installation()
    grace = dt.timedelta(seconds=current_app.config["KEY_ROTATION_GRACE_SECONDS"])
    new_key, retired = rotate_keys(grace)
    record_event(
        scope.actor,
        "keys.rotated",
        f"tool key {new_key.kid}",
        {"retired": [k.kid for k in retired]},
    )
    flash(
        _(
            "New signing key %(kid)s; %(count)s key(s) retired after the grace period.",
            kid=new_key.kid,
            count=len(retired),
        )
    )
    return _back()
