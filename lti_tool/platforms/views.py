"""The admin area: the values to paste into an LMS, platforms, pending deployments, keys."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
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

from lti_tool.core.auth import admin_required, check_admin_secret
from lti_tool.core.lti_spec import scope_labels
from lti_tool.core.time import utcnow
from lti_tool.core.urls import absolute, jwks_url, launch_url, login_url, tool_base_url
from lti_tool.extensions import db
from lti_tool.platforms.keys import ensure_signing_key, published_keys, rotate_keys
from lti_tool.platforms.models import Deployment, Platform
from lti_tool.platforms.services import PlatformValues, pending_deployments, save_platform

bp = Blueprint("platforms", __name__, url_prefix="/admin")

FORM_FIELDS = ("name", "issuer", "client_id", "auth_login_url", "auth_token_url", "key_set_url")


def tool_values() -> list[tuple[str, str]]:
    """What an LMS admin pastes into Moodle or Canvas."""
    return [
        ("Registration URL (Moodle 4.1+ / Canvas dynamic registration)", absolute("lti.register")),
        ("Canvas developer key JSON URL", absolute("lti.canvas_json")),
        ("Tool URL / target link URI / redirect URI", launch_url()),
        ("Initiate login URL", login_url()),
        ("Public keyset (JWKS) URL", jwks_url()),
        ("Deep linking (content selection) URL", launch_url()),
        ("Domain", tool_base_url().split("://", 1)[1]),
    ]


def _back(endpoint: str = "platforms.dashboard") -> Response:
    launch = g.get("admin_launch_id")
    return redirect(url_for(endpoint, **({"launch": launch} if launch else {})), code=303)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str:
    """Sign in to the admin area with the admin secret (first-party cookie session)."""
    error = None
    if request.method == "POST":
        if check_admin_secret(request.form.get("secret", "")):
            session.clear()
            session["is_admin"] = True
            return redirect(url_for("platforms.dashboard"), code=303)
        error = "That is not the admin secret."
    return render_template("platforms/login.html", error=error), 401 if error else 200


@bp.post("/logout")
def logout() -> Response:
    session.clear()
    return redirect(url_for("platforms.login"), code=303)


@bp.get("/")
@admin_required
def dashboard() -> str:
    ensure_signing_key()
    platforms = db.session.scalars(sa.select(Platform).order_by(Platform.created_at)).all()
    now = utcnow()
    return render_template(
        "platforms/dashboard.html",
        tool_values=tool_values(),
        platforms=[(p, scope_labels(p.granted_scopes or [])) for p in platforms],
        pending=pending_deployments(),
        keys=[(k, k.is_published(now)) for k in published_keys(now)],
        admin_launch=g.get("admin_launch_id"),
    )


@bp.route("/platforms/new", methods=["GET", "POST"])
@admin_required
def add_platform() -> Response | tuple[str, int] | str:
    """Accept the platform's values (issuer, client id, endpoints, deployment ids)."""
    values = {field: request.form.get(field, "") for field in (*FORM_FIELDS, "deployment_ids")}
    errors: dict[str, str] = {}
    if request.method == "POST":
        candidate = PlatformValues(
            **{field: values[field] for field in FORM_FIELDS},
            deployment_ids=tuple(values["deployment_ids"].replace(",", " ").split()),
        )
        errors = candidate.errors()
        if not errors:
            save_platform(candidate)
            db.session.commit()
            flash(f"Platform {candidate.name} saved.")
            return _back()
    status = 422 if errors else 200
    return (
        render_template(
            "platforms/add.html",
            values=values,
            errors=errors,
            tool_values=tool_values(),
            admin_launch=g.get("admin_launch_id"),
        ),
        status,
    )


@bp.post("/deployments/<int:deployment_pk>/<any(approve, reject):decision>")
@admin_required
def decide_deployment(deployment_pk: int, decision: str) -> Response:
    """:raise DomainError: the deployment already has that status."""
    deployment = db.get_or_404(Deployment, deployment_pk)
    deployment.approve() if decision == "approve" else deployment.reject()
    db.session.commit()
    flash(f"Deployment {deployment.deployment_id} {decision}d.")
    return _back()


@bp.post("/keys/rotate")
@admin_required
def rotate() -> Response:
    grace = dt.timedelta(seconds=current_app.config["KEY_ROTATION_GRACE_SECONDS"])
    new_key, retired = rotate_keys(grace)
    db.session.commit()
    flash(f"New signing key {new_key.kid}; {len(retired)} key(s) retired after the grace period.")
    return _back()
