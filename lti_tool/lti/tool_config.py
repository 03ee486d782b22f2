"""pylti1p3's tool configuration, read from the ``platforms`` tables instead of a JSON file
(django-lti's ``DjangoToolConfig`` is the model)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from pylti1p3.deployment import Deployment as LtiDeployment
from pylti1p3.registration import Registration
from pylti1p3.tool_config.abstract import ToolConfAbstract

from lti_tool.platforms.models import Platform
from lti_tool.platforms.services import find_platform


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
    """Every issuer may have several client ids, so lookups are always by (issuer, client).

    ``expected`` is the platform the login was started for (already loaded with the launch
    state): when the token names it, no query is needed.
    """

    def __init__(self, expected: Platform | None = None) -> None:
        super().__init__()
        self.expected = expected
        self.platform: Platform | None = None

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def find_registration_by_issuer(self, iss: str, *args: Any, **kwargs: Any) -> Registration:
        raise NotImplementedError(_("lookups are always by issuer and client id"))

    def find_registration_by_params(
        self, iss: str, client_id: str, *args: Any, **kwargs: Any
    ) -> Registration | None:
        expected = self.expected
        if expected is not None and (expected.issuer, expected.client_id) == (iss, client_id):
            self.platform = expected
        else:
            self.platform = find_platform(iss, client_id)
        return registration_for(self.platform) if self.platform else None

    def find_deployment(self, iss: str, deployment_id: str) -> LtiDeployment | None:
        raise NotImplementedError(_("lookups are always by issuer and client id"))

    def find_deployment_by_params(
        self, iss: str, deployment_id: str, client_id: str, *args: Any, **kwargs: Any
    ) -> LtiDeployment | None:
        raise NotImplementedError(_("HardenedMessageLaunch.validate_deployment checks deployments"))
