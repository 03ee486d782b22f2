"""Registering platforms and deployments (services: explicit arguments, flush, never commit)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from lti_tool.core.audit import changes, record_event
from lti_tool.core.cascade import delete_with_dependents, dependent_counts
from lti_tool.core.forms import is_web_url
from lti_tool.errors import DomainError, LaunchError, ValidationError
from lti_tool.extensions import db
from lti_tool.platforms.keys import ensure_signing_key
from lti_tool.platforms.models import Deployment, DeploymentStatus, Platform, PlatformStatus

REQUIRED = _l("This value is required.")
URL_NEEDED = _l("Enter a full URL starting with https://.")


@dataclass(frozen=True)
class PlatformValues:
    """What an admin copies from the LMS into the tool (or dynamic registration supplies)."""

    name: str
    issuer: str
    client_id: str
    auth_login_url: str
    auth_token_url: str
    key_set_url: str
    deployment_ids: tuple[str, ...] = ()
    auth_audience: str | None = None
    product_family: str | None = None

    def errors(self) -> dict[str, str]:
        """Field name → what is wrong with it; empty when the values are usable (the admin's
        form, ``platforms.forms.PlatformForm``, checks the same)."""
        problems: dict[str, str] = {}
        for field in ("name", "issuer", "client_id"):
            if not getattr(self, field).strip():
                problems[field] = str(REQUIRED)
        for field in ("issuer", "auth_login_url", "auth_token_url", "key_set_url"):
            if field not in problems and not is_web_url(getattr(self, field)):
                problems[field] = str(URL_NEEDED)
        return problems


class PlatformExists(DomainError):
    """An LMS with this issuer and client id is registered already; nothing was changed."""

    title = _l("This LMS is already registered")
    hint = _l("Open its edit page to change its values on purpose.")

    def __init__(self, platform: Platform) -> None:
        super().__init__(
            _(
                "The LMS %(issuer)s with client id %(client_id)s is already registered as "
                "%(name)s; the tool did not change it.",
                issuer=platform.issuer,
                client_id=platform.client_id,
                name=repr(platform.name),
            )
        )
        self.platform = platform


# Values an admin may change on an existing platform; issuer and client id are its identity.
ENDPOINT_FIELDS = ("auth_login_url", "auth_token_url", "key_set_url", "auth_audience")
EDITABLE_FIELDS = ("name", *ENDPOINT_FIELDS)


def describe_platform(platform: Platform) -> str:
    """How audit events name a platform."""
    return f"platform {platform.id} ({platform.issuer}, client {platform.client_id})"


def platform_snapshot(platform: Platform) -> dict[str, Any]:
    return {field: getattr(platform, field) for field in EDITABLE_FIELDS}


def _raise_for(values: PlatformValues) -> None:
    problems = values.errors()
    if problems:
        raise ValidationError(
            "; ".join(f"{field.replace('_', ' ')}: {msg}" for field, msg in problems.items())
        )


def add_platform(
    values: PlatformValues,
    *,
    actor: str,
    registered_by: str = "manual",
    status: PlatformStatus = PlatformStatus.ACTIVE,
) -> Platform:
    """Create a platform; never touches an existing one.

    :raise ValidationError: a value is missing or not a URL.
    :raise PlatformExists: this issuer + client id is registered already (edit it instead).
    """
    ensure_signing_key()  # published before the platform fetches our key set
    _raise_for(values)
    existing = find_platform(values.issuer.strip(), values.client_id.strip())
    if existing is not None:
        raise PlatformExists(existing)
    platform = Platform(
        issuer=values.issuer.strip(),
        client_id=values.client_id.strip(),
        name=values.name.strip(),
        auth_login_url=values.auth_login_url.strip(),
        auth_token_url=values.auth_token_url.strip(),
        key_set_url=values.key_set_url.strip(),
        auth_audience=(values.auth_audience or "").strip() or None,
        product_family=values.product_family,
        registered_by=registered_by,
        status=status,
        deployments=[],  # loaded (empty): the deployments added below need no query
    )
    db.session.add(platform)
    db.session.flush()
    add_deployments(platform, values.deployment_ids)
    record_event(
        actor,
        "platform.registered" if registered_by == "dynamic" else "platform.added",
        describe_platform(platform),
        {
            **platform_snapshot(platform),
            "status": platform.status,
            "deployment_ids": sorted(d.deployment_id for d in platform.deployments),
        },
        platform_id=platform.id,
    )
    return platform


def edit_platform(platform: Platform, values: dict[str, str | None], *, actor: str) -> dict:
    """Change the platform's name and endpoints explicitly; returns the changes (old → new),
    which are audited. A new key set URL drops the cached platform keys.

    :raise ValidationError: a value is missing or not a URL.
    """
    after = {field: (values.get(field) or "").strip() for field in EDITABLE_FIELDS}
    after["auth_audience"] = after["auth_audience"] or None
    _raise_for(
        PlatformValues(
            issuer=platform.issuer,
            client_id=platform.client_id,
            name=after["name"],
            auth_login_url=after["auth_login_url"],
            auth_token_url=after["auth_token_url"],
            key_set_url=after["key_set_url"],
        )
    )
    changed = changes(platform_snapshot(platform), after)
    if not changed:
        return {}
    for field, change in changed.items():
        setattr(platform, field, change["new"])
    if "key_set_url" in changed:
        platform.jwks_json = None
        platform.jwks_expires_at = None
    record_event(
        actor,
        "platform.edited",
        describe_platform(platform),
        {
            "changes": changed,
            "endpoints_changed": sorted(set(changed) & set(ENDPOINT_FIELDS)),
        },
        platform_id=platform.id,
    )
    db.session.flush()
    return changed


def decide_platform(platform: Platform, decision: str, *, actor: str) -> None:
    """Approve or reject a platform registered by open registration.

    :raise DomainError: it already has that status.
    """
    platform.approve() if decision == "approve" else platform.reject()
    record_event(
        actor, f"platform.{decision}d", describe_platform(platform), {}, platform_id=platform.id
    )


def switch_platform(platform: Platform, enabled: bool, *, actor: str) -> None:
    """Disable an active platform (its logins, launches and open launches are refused) or
    enable it again; audited.

    :raise DomainError: it is not active (to disable) or not disabled (to enable).
    """
    platform.enable() if enabled else platform.disable()
    record_event(
        actor,
        "platform.enabled" if enabled else "platform.disabled",
        describe_platform(platform),
        {},
        platform_id=platform.id,
    )


def removal_summary(platform: Platform) -> dict[str, int]:
    """Table name → how many rows go when the platform is removed (courses, launches, …)."""
    table = Platform.__table__
    return dependent_counts(db.session, table, table.c.id == platform.id)


def remove_platform(platform: Platform, *, actor: str) -> dict[str, int]:
    """Remove the platform with everything that belongs to it (deployments, courses with
    their programs, launches); registration invites it used are kept, unlinked. The audit
    event records what went. Returns the summary.
    """
    summary = removal_summary(platform)
    record_event(
        actor,
        "platform.removed",
        describe_platform(platform),
        {"name": platform.name, "status": platform.status, "removed": summary},
        platform_id=platform.id,
    )
    table = Platform.__table__
    delete_with_dependents(db.session, table, table.c.id == platform.id)
    db.session.expunge(platform)
    return summary


def check_platform_active(platform: Platform) -> None:
    """:raise LaunchError: (403) the LMS waits for approval (it registered itself without an
    invite), was rejected, or was disabled by the tool's administrator."""
    if platform.status == PlatformStatus.PENDING:
        raise LaunchError(
            _(
                "Your LMS (%(issuer)s) is registered with this tool but waits for the tool "
                "administrator's approval; nobody can open the tool from it until then.",
                issuer=platform.issuer,
            ),
            hint=_(
                "Ask the administrator of this Reciprocal installation to approve your LMS "
                "on the tool's admin page, then open the activity again."
            ),
            status_code=403,
        )
    if platform.status == PlatformStatus.DISABLED:
        raise LaunchError(
            _(
                "The tool's administrator has switched Reciprocal off for your LMS "
                "(%(issuer)s); nobody can open it from there until it is switched on again.",
                issuer=platform.issuer,
            ),
            hint=_("Ask the administrator of this Reciprocal installation to enable your LMS."),
            status_code=403,
        )
    if platform.status != PlatformStatus.ACTIVE:
        raise LaunchError(
            _(
                "The tool's administrator refused the registration of your LMS (%(issuer)s).",
                issuer=platform.issuer,
            ),
            hint=_("Ask the administrator of this Reciprocal installation about it."),
            status_code=403,
        )


def decide_deployment(deployment: Deployment, decision: str, *, actor: str) -> None:
    """:raise DomainError: the deployment already has that status."""
    deployment.approve() if decision == "approve" else deployment.reject()
    platform = db.session.get(Platform, deployment.platform_id)
    record_event(
        actor,
        f"deployment.{decision}d",
        describe_platform(platform),
        {"deployment_id": deployment.deployment_id},
        platform_id=platform.id,
    )


def add_deployments(platform: Platform, deployment_ids: Iterable[str]) -> None:
    """Deployment ids an admin vouches for become active (approving pending ones)."""
    for deployment_id in {d.strip() for d in deployment_ids if d and d.strip()}:
        deployment = find_deployment(platform, deployment_id)
        if deployment is None:
            db.session.add(Deployment(platform=platform, deployment_id=deployment_id))
        elif not deployment.is_active:
            deployment.approve()
    db.session.flush()


@cache
def _platforms_of_issuer() -> sa.Select:
    # Built once: every login and launch runs these lookups.
    return sa.select(Platform).where(Platform.issuer == sa.bindparam("issuer")).limit(2)


@cache
def _platform_by_client() -> sa.Select:
    return sa.select(Platform).where(
        Platform.issuer == sa.bindparam("issuer"), Platform.client_id == sa.bindparam("client_id")
    )


def find_platform(issuer: str, client_id: str | None) -> Platform | None:
    """The platform for this issuer and client id; with no client id, the issuer's only one."""
    if client_id:
        return db.session.scalars(
            _platform_by_client(), {"issuer": issuer, "client_id": client_id}
        ).first()
    platforms = db.session.scalars(_platforms_of_issuer(), {"issuer": issuer}).all()
    return platforms[0] if len(platforms) == 1 else None


@cache
def _deployment_query() -> sa.Select:
    # Built once: every launch looks its deployment up.
    return sa.select(Deployment).where(
        Deployment.platform_id == sa.bindparam("platform_id"),
        Deployment.deployment_id == sa.bindparam("deployment_id"),
    )


def find_deployment(platform: Platform, deployment_id: str) -> Deployment | None:
    return db.session.scalars(
        _deployment_query(), {"platform_id": platform.id, "deployment_id": deployment_id}
    ).first()


def record_deployment(platform: Platform, deployment_id: str) -> Deployment:
    """The deployment; an unknown one of a known platform is recorded as pending for an
    admin to approve — neither silently accepted nor an error page without a way forward."""
    deployment = find_deployment(platform, deployment_id)
    if deployment is None:
        deployment = Deployment(
            platform=platform, deployment_id=deployment_id, status=DeploymentStatus.PENDING
        )
        db.session.add(deployment)
        db.session.flush()
    return deployment


def pending_deployments(platform_id: int | None = None) -> list[Deployment]:
    """Deployments waiting for an admin; only ``platform_id``'s when given."""
    query = sa.select(Deployment).where(Deployment.status == DeploymentStatus.PENDING)
    if platform_id is not None:
        query = query.where(Deployment.platform_id == platform_id)
    return list(db.session.scalars(query.order_by(Deployment.created_at)))


def list_platforms(platform_id: int | None = None) -> list[Platform]:
    """Every platform, or only ``platform_id`` (an LMS administrator's own), with its
    deployments (one more query for all of them)."""
    query = (
        sa.select(Platform)
        .order_by(Platform.created_at)
        .options(selectinload(Platform.deployments))
    )
    if platform_id is not None:
        query = query.where(Platform.id == platform_id)
    return list(db.session.scalars(query))
