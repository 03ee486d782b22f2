"""Registering platforms and deployments (services: explicit arguments, flush, never commit)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

import sqlalchemy as sa

from lti_tool.errors import ValidationError
from lti_tool.extensions import db
from lti_tool.platforms.models import Deployment, DeploymentStatus, Platform


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
        """Field name → what is wrong with it; empty when the values are usable."""
        problems: dict[str, str] = {}
        for field in ("name", "issuer", "client_id"):
            if not getattr(self, field).strip():
                problems[field] = "This value is required."
        for field in ("issuer", "auth_login_url", "auth_token_url", "key_set_url"):
            value = getattr(self, field).strip()
            if field in problems:
                continue
            parts = urlsplit(value)
            if parts.scheme not in ("https", "http") or not parts.netloc:
                problems[field] = "Enter a full URL starting with https://."
        return problems


def save_platform(values: PlatformValues, *, registered_by: str = "manual") -> Platform:
    """Create the platform, or update it when this issuer + client id is already known.

    :raise ValidationError: a value is missing or not a URL.
    """
    problems = values.errors()
    if problems:
        raise ValidationError(
            "; ".join(f"{field.replace('_', ' ')}: {msg}" for field, msg in problems.items())
        )
    platform = find_platform(values.issuer.strip(), values.client_id.strip())
    if platform is None:
        platform = Platform(issuer=values.issuer.strip(), client_id=values.client_id.strip())
        db.session.add(platform)
    platform.name = values.name.strip()
    platform.auth_login_url = values.auth_login_url.strip()
    platform.auth_token_url = values.auth_token_url.strip()
    platform.key_set_url = values.key_set_url.strip()
    platform.auth_audience = (values.auth_audience or "").strip() or None
    platform.product_family = values.product_family
    platform.registered_by = registered_by
    db.session.flush()
    add_deployments(platform, values.deployment_ids)
    return platform


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


def pending_deployments() -> list[Deployment]:
    return list(
        db.session.scalars(
            sa.select(Deployment)
            .where(Deployment.status == DeploymentStatus.PENDING)
            .order_by(Deployment.created_at)
        )
    )
