"""The id_token checks, through pylti1p3's ``MessageLaunch`` and hardened beyond its defaults:

- RS256 only (``alg: none`` and HS256-with-the-public-key are refused before any key lookup);
- ``aud`` must contain our client id; ``azp`` must be ours when present and is required when
  ``aud`` has several values;
- ``iat``/``exp`` checked with at most 60 s leeway, ``iat`` not in the future;
- the signature is checked *before* the nonce is consumed, so a forged token cannot burn a
  real user's login;
- the nonce must be the one issued with this state; the view consumes it atomically in the
  transaction that records the launch, so a replay fails;
- the deployment must be known and approved; an unknown one is recorded as pending.
"""

from __future__ import annotations

import logging
from typing import Any

import jwt
from flask_babel import gettext as _
from pylti1p3.contrib.flask import FlaskMessageLaunch, FlaskRequest
from pylti1p3.exception import LtiException

from lti_tool.core.input import clean_json_text
from lti_tool.core.lti_spec import CLAIM
from lti_tool.errors import LaunchError
from lti_tool.lti.login import check_nonce, check_platform_active
from lti_tool.lti.models import LaunchState
from lti_tool.lti.platform_keys import platform_key
from lti_tool.lti.tool_config import DatabaseToolConfig
from lti_tool.platforms.models import Platform
from lti_tool.platforms.services import record_deployment

log = logging.getLogger(__name__)

MESSAGE_TYPES = ("LtiResourceLinkRequest", "LtiDeepLinkingRequest")


class _Unused:
    """pylti1p3 insists on session and cookie services; state lives in ``LaunchState``."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"pylti1p3 session/cookie service {name} must not be used")


class HardenedMessageLaunch(FlaskMessageLaunch):
    def __init__(self, id_token: str, launch_state: LaunchState, leeway: int) -> None:
        request = FlaskRequest(request_data={"id_token": id_token}, cookies={}, session={})
        super().__init__(
            request,
            DatabaseToolConfig(expected=launch_state.platform),
            session_service=_Unused(),
            cookie_service=_Unused(),
        )
        self._launch_state = launch_state
        self._leeway = leeway
        self.platform: Platform | None = None

    # -- pylti1p3 overrides -------------------------------------------------------------

    def validate(self) -> HardenedMessageLaunch:
        """Run every check, in an order that never spends the nonce on a forged token.

        :raise LaunchError: with the reason the launch is refused.
        """
        self._validated = True
        steps = (
            ("format", self.validate_jwt_format),
            ("header", self._validate_header),
            ("registration", self.validate_registration),
            ("signature", self.validate_jwt_signature),
            ("message", self.validate_message),
            ("deployment", self.validate_deployment),
            # matches the state's; consumed when the launch is recorded
            ("nonce", self.validate_nonce),
        )
        for step, check in steps:
            try:
                check()
            except LtiException as exc:
                self._validated = False
                raise LaunchError(_sentence(str(exc)), reason=step) from exc
            except LaunchError as exc:
                self._validated = False
                exc.reason = exc.reason or step
                raise
        return self

    def validate_jwt_format(self) -> HardenedMessageLaunch:
        try:
            super().validate_jwt_format()
        except LtiException as exc:
            raise LaunchError(_("The id_token is not a JWT.")) from exc
        if not isinstance(self._jwt.get("body"), dict) or not isinstance(
            self._jwt.get("header"), dict
        ):
            raise LaunchError(_("The id_token is not a JWT."))
        return self

    def _validate_header(self) -> None:
        header = self._jwt["header"]
        if header.get("alg") != "RS256":
            raise LaunchError(
                _(
                    "The id_token is signed with %(value)s; only RS256 is accepted.",
                    value=repr(header.get("alg")),
                ),
                status_code=401,
            )
        if not header.get("kid"):
            raise LaunchError(_("The id_token has no key id (kid)."), status_code=401)

    def get_client_id(self) -> str:
        body = self._jwt.get("body", {})
        aud = body.get("aud")
        audiences = aud if isinstance(aud, list) else [aud] if aud else []
        if not audiences:
            raise LaunchError(_("The id_token has no audience (aud)."), status_code=401)
        azp = body.get("azp")
        if len(audiences) > 1 and not azp:
            raise LaunchError(
                _("The id_token has several audiences but no authorized party (azp)."),
                status_code=401,
            )
        client_id = azp or audiences[0]
        if client_id not in audiences:
            raise LaunchError(_("The id_token's azp is not one of its audiences."), status_code=401)
        return str(client_id)

    def validate_registration(self) -> HardenedMessageLaunch:
        if not self._jwt["body"].get("iss"):
            raise LaunchError(_("The id_token has no issuer (iss)."), status_code=401)
        try:
            super().validate_registration()
        except LtiException as exc:
            raise LaunchError(
                _(
                    "The id_token comes from an LMS registration this tool does not know "
                    "(issuer %(value)s, client %(value2)s).",
                    value=repr(self._jwt["body"].get("iss")),
                    value2=repr(self.get_client_id()),
                ),
                status_code=401,
            ) from exc
        self.platform = self._tool_config.platform
        assert self.platform is not None
        check_platform_active(self.platform)
        if self.platform.id != self._launch_state.platform_id:
            raise LaunchError(
                _("The id_token comes from another LMS than the one that started this login."),
                status_code=401,
            )
        return self

    def validate_jwt_signature(self) -> HardenedMessageLaunch:
        assert self.platform is not None
        key = platform_key(self.platform, self._jwt["header"]["kid"])
        client_id = self.get_client_id()
        try:
            claims = jwt.decode(
                self._get_id_token(),
                key,
                algorithms=["RS256"],
                audience=client_id,
                issuer=self.platform.issuer,
                leeway=self._leeway,
                options={"require": ["iss", "aud", "exp", "iat"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise LaunchError(_("The id_token has expired."), status_code=401) from exc
        except jwt.ImmatureSignatureError as exc:
            raise LaunchError(_("The id_token was issued in the future."), status_code=401) from exc
        except jwt.InvalidAudienceError as exc:
            raise LaunchError(
                _("The id_token is not meant for this tool (wrong audience)."), status_code=401
            ) from exc
        except jwt.InvalidIssuerError as exc:
            raise LaunchError(_("The id_token has the wrong issuer."), status_code=401) from exc
        except jwt.InvalidSignatureError as exc:
            raise LaunchError(
                _("The id_token's signature does not match your LMS's key."), status_code=401
            ) from exc
        except jwt.PyJWTError as exc:
            raise LaunchError(
                _("The id_token is invalid: %(value)s", value=_sentence(str(exc))), status_code=401
            ) from exc
        azp = claims.get("azp")
        if azp is not None and azp != self.platform.client_id:
            raise LaunchError(_("The id_token's azp is not this tool."), status_code=401)
        self._jwt["body"] = clean_json_text(claims)
        return self

    def validate_message(self) -> HardenedMessageLaunch:
        body = self._jwt["body"]
        message_type = body.get(CLAIM + "message_type")
        if message_type not in MESSAGE_TYPES:
            raise LaunchError(
                _(
                    "The LMS sent a message of type %(message_type)s; this tool accepts %(value)s.",
                    message_type=repr(message_type),
                    value=" and ".join(MESSAGE_TYPES),
                )
            )
        if body.get(CLAIM + "version") != "1.3.0":
            raise LaunchError(
                _(
                    "The LMS sent LTI version %(value)s; 1.3.0 is required.",
                    value=repr(body.get(CLAIM + "version")),
                )
            )
        return super().validate_message()

    def validate_deployment(self) -> HardenedMessageLaunch:
        assert self.platform is not None
        deployment_id = self._jwt["body"].get(CLAIM + "deployment_id")
        if not deployment_id:
            raise LaunchError(_("The id_token has no deployment_id."))
        deployment = record_deployment(self.platform, str(deployment_id))
        if not deployment.is_active:
            raise LaunchError(
                _(
                    "This tool's deployment %(deployment)s in your LMS is waiting for "
                    "an administrator's approval.",
                    deployment=repr(deployment_id),
                )
                if deployment.status == "pending"
                else _(
                    "This tool's deployment %(deployment)s was refused by an administrator.",
                    deployment=repr(deployment_id),
                ),
                hint=_(
                    "Ask the tool's administrator to approve this deployment on the tool's "
                    "admin page; then open the activity again."
                ),
                status_code=403,
            )
        return self

    def validate_nonce(self) -> HardenedMessageLaunch:
        check_nonce(self._launch_state, self._jwt["body"].get("nonce"))
        return self

    # -- results ------------------------------------------------------------------------

    @property
    def claims(self) -> dict:
        return self._jwt["body"]


def _sentence(text: str) -> str:
    text = text.strip().rstrip(".")
    return (text[:1].upper() + text[1:] + ".") if text else "The launch is invalid."
