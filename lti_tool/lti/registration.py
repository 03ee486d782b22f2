"""LTI Dynamic Registration (1EdTech), the tool's side.

The LMS opens ``/lti/register?openid_configuration=…&registration_token=…``. The tool reads
the platform's OpenID configuration, posts its own registration to the platform's
registration endpoint, and stores the platform, client id and deployment it gets back —
including the scopes actually granted, which may be fewer than asked for.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from flask import current_app

from lti_tool.core.http import http_session, http_timeout
from lti_tool.core.lti_spec import CANVAS_PRIVACY, PLATFORM_CONFIG, TOOL_CONFIG, TOOL_SCOPES
from lti_tool.core.urls import jwks_url, launch_url, login_url, tool_base_url
from lti_tool.errors import RegistrationError
from lti_tool.platforms.models import Platform
from lti_tool.platforms.services import PlatformValues, find_platform, save_platform

log = logging.getLogger(__name__)

REQUIRED_CONFIG = (
    "issuer",
    "authorization_endpoint",
    "token_endpoint",
    "jwks_uri",
    "registration_endpoint",
)


@dataclass(frozen=True)
class RegistrationOutcome:
    platform: Platform
    deployment_id: str | None
    product_family: str
    granted_scopes: tuple[str, ...]
    missing_scopes: tuple[str, ...]
    # The LMS kept an earlier registration's client id (Moodle's re-registration as update).
    updated: bool = False


def register_with_platform(openid_configuration_url: str, registration_token: str | None) -> (
    RegistrationOutcome
):
    """Run the whole registration; the caller commits.

    :raise RegistrationError: the platform's configuration or answer is unusable.
    """
    if not openid_configuration_url:
        raise RegistrationError(
            "The registration request has no openid_configuration parameter.",
            hint="Start the registration from your LMS: paste the tool's registration URL "
            "into its 'register tool by URL' field.",
        )
    config = fetch_platform_configuration(openid_configuration_url, registration_token)
    platform_config = config.get(PLATFORM_CONFIG) or {}
    product = str(platform_config.get("product_family_code") or "unknown")
    answer = post_tool_registration(config, registration_token, product)
    client_id = answer.get("client_id")
    if not client_id:
        raise RegistrationError("The LMS accepted the registration but sent no client_id.")
    tool_config = answer.get(TOOL_CONFIG) or {}
    deployment_id = tool_config.get("deployment_id")
    granted = _granted_scopes(answer)
    known = find_platform(config["issuer"], str(client_id)) is not None
    platform = save_platform(
        PlatformValues(
            name=str(platform_config.get("product_family_code") or config["issuer"])
            .replace("-", " ")
            .title()
            + f" ({urlsplit(config['issuer']).netloc})",
            issuer=config["issuer"],
            client_id=str(client_id),
            auth_login_url=config["authorization_endpoint"],
            auth_token_url=config["token_endpoint"],
            key_set_url=config["jwks_uri"],
            deployment_ids=(str(deployment_id),) if deployment_id else (),
            auth_audience=config.get("authorization_server"),
            product_family=product,
        ),
        registered_by="dynamic",
    )
    platform.granted_scopes = list(granted)
    return RegistrationOutcome(
        platform=platform,
        deployment_id=str(deployment_id) if deployment_id else None,
        product_family=product,
        granted_scopes=granted,
        missing_scopes=tuple(s for s in TOOL_SCOPES if s not in granted),
        updated=known,
    )


def fetch_platform_configuration(url: str, token: str | None) -> dict:
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        response = http_session().get(url, headers=headers, timeout=http_timeout())
    except requests.RequestException as exc:
        raise RegistrationError(
            f"The tool could not reach your LMS's configuration at {url}.", status_code=502
        ) from exc
    if response.status_code != 200:
        raise RegistrationError(
            f"Your LMS answered {response.status_code} for its configuration at {url}.",
            status_code=502,
        )
    try:
        config = json.loads(response.text)  # Moodle serves JSON as text/html.
    except ValueError as exc:
        raise RegistrationError(
            "Your LMS's OpenID configuration is not JSON.", status_code=502
        ) from exc
    if not isinstance(config, dict):
        raise RegistrationError("Your LMS's OpenID configuration is not a JSON object.")
    missing = [key for key in REQUIRED_CONFIG if not config.get(key)]
    if missing:
        raise RegistrationError(
            f"Your LMS's OpenID configuration lacks {', '.join(missing)}.", status_code=502
        )
    if not url.startswith(str(config["issuer"]).rstrip("/")):
        raise RegistrationError(
            f"The configuration at {url} claims the issuer {config['issuer']!r}, which is "
            "not the site it came from; the tool refuses it.",
            hint="Use the registration URL your LMS shows, unchanged.",
            status_code=400,
        )
    return config


def tool_registration_document(product_family: str) -> dict:
    """What the tool asks the platform for (1EdTech Dynamic Registration, section 3.1)."""
    title = current_app.config["TOOL_TITLE"]
    base = tool_base_url()
    document = {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": login_url(),
        "redirect_uris": [launch_url()],
        "client_name": title,
        "jwks_uri": jwks_url(),
        "logo_uri": base + "/static/img/logo.svg",
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(TOOL_SCOPES),
        TOOL_CONFIG: {
            "domain": urlsplit(base).netloc,
            "description": "Reverse-mentoring programs: pairs, learning paths and grades.",
            "target_link_uri": launch_url(),
            "claims": ["iss", "sub", "name", "given_name", "family_name", "email"],
            "messages": [
                {"type": "LtiResourceLinkRequest", "target_link_uri": launch_url(), "label": title},
                {
                    "type": "LtiDeepLinkingRequest",
                    "target_link_uri": launch_url(),
                    "label": f"Add {title} activity",
                    "placements": ["ContentArea", "link_selection", "assignment_selection"],
                    "supported_types": ["ltiResourceLink"],
                },
            ],
        },
    }
    if product_family == "canvas":
        document[CANVAS_PRIVACY] = "public"
    return document


def post_tool_registration(config: dict, token: str | None, product_family: str) -> dict:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        response = http_session().post(
            config["registration_endpoint"],
            data=json.dumps(tool_registration_document(product_family)),
            headers=headers,
            timeout=http_timeout(),
        )
    except requests.RequestException as exc:
        raise RegistrationError(
            "The tool could not reach your LMS's registration endpoint.", status_code=502
        ) from exc
    text = response.text.strip()
    if response.status_code not in (200, 201):
        # Moodle answers bare strings (400/401/403) or a 404 HTML page: show the words.
        raise RegistrationError(
            f"Your LMS refused the registration ({response.status_code}): {_plain(text)}",
            status_code=502 if response.status_code >= 500 else 400,
        )
    try:
        answer = json.loads(text)
    except ValueError as exc:
        raise RegistrationError(
            "Your LMS's registration answer is not JSON.", status_code=502
        ) from exc
    if not isinstance(answer, dict):
        raise RegistrationError("Your LMS's registration answer is not a JSON object.")
    return answer


def _granted_scopes(answer: dict) -> tuple[str, ...]:
    scope = answer.get("scope")
    if isinstance(scope, str):
        return tuple(s for s in scope.split() if s)
    if isinstance(scope, list):
        return tuple(str(s) for s in scope)
    return ()


def _plain(text: str, limit: int = 300) -> str:
    """An HTML error page reduced to its words, short enough for a sentence."""
    words = re.sub(r"<[^>]+>", " ", text)
    words = re.sub(r"\s+", " ", words).strip()
    return (words[:limit] + "…") if len(words) > limit else (words or "no reason given")
