"""pylti1p3's tool configuration, read from the ``platforms`` tables instead of a JSON file
(django-lti's ``DjangoToolConfig`` is the model)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from pylti1p3.deployment import Deployment as LtiDeployment
from pylti1p3.registration import Registration
from pylti1p3.tool_config.abstract import ToolConfAbstract

from lti_tool.extensions import db
from lti_tool.platforms.models import Deployment, Platform


def find_platform(issuer: str, client_id: str | None) -> Platform | None:
    """The platform for this issuer and client id; with no client id, the issuer's only one."""
    query = sa.select(Platform).where(Platform.issuer == issuer)
    if client_id:
        return db.session.scalars(query.where(Platform.client_id == client_id)).first()
    platforms = db.session.scalars(query.limit(2)).all()
    return platforms[0] if len(platforms) == 1 else None


def registration_for(platform: Platform) -> Registration:
    return (
        Registration()
        .set_issuer(platform.issuer)
        .set_client_id(platform.client_id)
        .set_key_set_url(platform.key_set_url)
        .set_auth_login_url(platform.auth_login_url)
        .set_auth_token_url(platform.auth_token_url)
    )


class DatabaseToolConfig(ToolConfAbstract):
    """Every issuer may have several client ids, so lookups are always by (issuer, client)."""

    def __init__(self) -> None:
        super().__init__()
        self.platform: Platform | None = None

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def find_registration_by_issuer(self, iss: str, *args: Any, **kwargs: Any) -> Registration:
        raise NotImplementedError("lookups are always by issuer and client id")

    def find_registration_by_params(
        self, iss: str, client_id: str, *args: Any, **kwargs: Any
    ) -> Registration | None:
        self.platform = find_platform(iss, client_id)
        return registration_for(self.platform) if self.platform else None

    def find_deployment(self, iss: str, deployment_id: str) -> LtiDeployment | None:
        raise NotImplementedError("lookups are always by issuer and client id")

    def find_deployment_by_params(
        self, iss: str, deployment_id: str, client_id: str, *args: Any, **kwargs: Any
    ) -> LtiDeployment | None:
        platform = self.platform or find_platform(iss, client_id)
        if platform is None:
            return None
        found = db.session.scalars(
            sa.select(Deployment).where(
                Deployment.platform_id == platform.id,
                Deployment.deployment_id == deployment_id,
                Deployment.status == "active",
            )
        ).first()
        return LtiDeployment().set_deployment_id(deployment_id) if found else None
