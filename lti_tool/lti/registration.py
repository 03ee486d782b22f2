"""LTI Dynamic Registration (1EdTech), the tool's side.

The LMS opens ``/lti/register?invite=…&openid_configuration=…&registration_token=…`` (the
invite is part of the registration URL a tool admin made). The tool reads
the platform's OpenID configuration, posts its own registration to the platform's
registration endpoint, and stores the platform, client id and deployment it gets back —
including the scopes actually granted, which may be fewer than asked for.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from flask import current_app
from flask_babel import gettext as _

from lti_tool.core.excerpt import remote_excerpt
from lti_tool.core.http import check_outbound_url, http_session, http_timeout
from lti_tool.core.lti_spec import CANVAS_PRIVACY, PLATFORM_CONFIG, TOOL_CONFIG, TOOL_SCOPES
from lti_tool.core.metrics import outbound_call
from lti_tool.core.urls import jwks_url, launch_url, login_url, tool_base_url
from lti_tool.errors import RegistrationError
from lti_tool.lti.registration_store import (
    admit_registration,
    admit_without_invite,
    store_registration,
)
from lti_tool.platforms.invites import get_usable_invite
from lti_tool.platforms.keys import ensure_signing_key
from lti_tool.platforms.models import Platform
from lti_tool.platforms.services import PlatformValues

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
    # Registered without an invite (open registration): waits for a tool admin's approval.
    pending: bool = False
    endpoints_kept: tuple[str, ...] = ()


def register_with_platform(
    openid_configuration_url: str,
    registration_token: str | None,
    *,
    invite_token: str | None = None,
    open_registration: bool = False,
) -> RegistrationOutcome:
    """Run the whole registration; the caller commits. Who may register and what an update
    may change is decided in ``registration_store``.

    :raise RegistrationError: the platform's configuration or answer is unusable, or the
        registration is not allowed (no or unusable invite, a claim on another platform).
    """
    if not openid_configuration_url:
        raise RegistrationError(
            _("The registration request has no openid_configuration parameter."),
            hint=_(
                "Start the registration from your LMS: paste the tool's registration URL "
                "into its 'register tool by URL' field."
            ),
        )
    # An unknown, used or expired invite is refused before the tool calls anyone.
    invite = get_usable_invite(invite_token) if invite_token else None
    ensure_signing_key()  # published before the platform learns where our key set is
    if invite is None:
        admit_without_invite(openid_configuration_url, registration_token, open_registration)
    config = fetch_platform_configuration(openid_configuration_url, registration_token)
    admit_registration(config["issuer"], registration_token, invite, open_registration)
    platform_config = config.get(PLATFORM_CONFIG) or {}
    product = str(platform_config.get("product_family_code") or "unknown")
    answer = post_tool_registration(config, registration_token, product)
    client_id = answer.get("client_id")
    if not client_id:
        raise RegistrationError(_("The LMS accepted the registration but sent no client_id."))
    tool_config = answer.get(TOOL_CONFIG) or {}
    deployment_id = tool_config.get("deployment_id")
    granted = _granted_scopes(answer)
    stored = store_registration(
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
        granted,
        registration_token,
        invite,
        open_registration,
    )
    return RegistrationOutcome(
        platform=stored.platform,
        deployment_id=str(deployment_id) if deployment_id else None,
        product_family=product,
        granted_scopes=granted,
        missing_scopes=tuple(s for s in TOOL_SCOPES if s not in granted),
        updated=stored.updated,
        pending=stored.pending,
        endpoints_kept=stored.endpoints_kept,
    )


def fetch_platform_configuration(url: str, token: str | None) -> dict:
    """The platform's OpenID configuration, from ``url``, whose issuer must be that URL's
    site.

    :raise OutboundRefused: the URL breaks the outbound rules (core/http.py).
    :raise RegistrationError: unreachable, not JSON, incomplete, or another site's issuer.
    """
    check_outbound_url(url)
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    shown = _shown_url(url)
    try:
        with outbound_call("registration"):
            response = http_session().get(url, headers=headers, timeout=http_timeout())
    except requests.Timeout as exc:
        raise RegistrationError(
            _("Your LMS did not answer in time for its configuration at %(shown)s.", shown=shown),
            status_code=504,
        ) from exc
    except requests.RequestException as exc:
        raise RegistrationError(
            _("The tool could not reach your LMS's configuration at %(shown)s.", shown=shown),
            status_code=502,
        ) from exc
    if response.status_code != 200:
        raise RegistrationError(
            _(
                "Your LMS answered %(status_code)s for its configuration at %(shown)s.",
                status_code=response.status_code,
                shown=shown,
            ),
            status_code=502,
        )
    try:
        config = json.loads(response.text)  # Moodle serves JSON as text/html.
    except ValueError as exc:
        raise RegistrationError(
            _("Your LMS's OpenID configuration is not JSON."), status_code=502
        ) from exc
    if not isinstance(config, dict):
        raise RegistrationError(_("Your LMS's OpenID configuration is not a JSON object."))
    missing = [key for key in REQUIRED_CONFIG if not config.get(key)]
    if missing:
        raise RegistrationError(
            _("Your LMS's OpenID configuration lacks %(value)s.", value=", ".join(missing)),
            status_code=502,
        )
    if not issuer_matches(str(config["issuer"]), url):
        raise RegistrationError(
            _(
                "The configuration at %(shown)s claims the issuer %(value)s, which is "
                "not the site it came from; the tool refuses it.",
                shown=shown,
                value=repr(remote_excerpt(str(config["issuer"]), limit=200)),
            ),
            hint=_("Use the registration URL your LMS shows, unchanged."),
            status_code=400,
        )
    return config


def _shown_url(url: str) -> str:
    """The address for a sentence on a page: no query string (it may carry a token)."""
    parts = urlsplit(url)
    shown = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"
    return shown if len(shown) <= 200 else shown[:200] + "…"


def issuer_matches(issuer: str, config_url: str) -> bool:
    """The issuer is the configuration URL's origin (same scheme, host and port) plus a
    path that prefixes the URL's path on a segment boundary; neither carries credentials
    and the issuer has no query or fragment (1EdTech Dynamic Registration, 3.5.1)."""
    try:
        iss, url = urlsplit(issuer), urlsplit(config_url)
        iss_port, url_port = iss.port, url.port
    except ValueError:
        return False
    if "@" in iss.netloc or "@" in url.netloc or iss.query or iss.fragment:
        return False
    scheme = iss.scheme.lower()
    if scheme not in ("http", "https") or url.scheme.lower() != scheme:
        return False
    if not iss.hostname or iss.hostname != url.hostname:
        return False
    default_port = 443 if scheme == "https" else 80
    if (iss_port or default_port) != (url_port or default_port):
        return False
    prefix = iss.path.rstrip("/")
    return url.path == prefix or url.path.startswith(prefix + "/")


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
    """Post the tool's registration to the platform's registration endpoint.

    :raise OutboundRefused: the endpoint breaks the outbound rules (core/http.py).
    :raise RegistrationError: unreachable, refused, or an answer that is not a JSON object.
    """
    check_outbound_url(str(config["registration_endpoint"]))
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        with outbound_call("registration"):
            response = http_session().post(
                config["registration_endpoint"],
                data=json.dumps(tool_registration_document(product_family)),
                headers=headers,
                timeout=http_timeout(),
            )
    except requests.Timeout as exc:
        raise RegistrationError(
            _("Your LMS's registration endpoint did not answer in time."), status_code=504
        ) from exc
    except requests.RequestException as exc:
        raise RegistrationError(
            _("The tool could not reach your LMS's registration endpoint."), status_code=502
        ) from exc
    text = response.text.strip()
    if response.status_code not in (200, 201):
        # Moodle answers bare strings (400/401/403) or a 404 HTML page: show the words.
        raise RegistrationError(
            _(
                "Your LMS refused the registration (%(status_code)s): %(value)s",
                status_code=response.status_code,
                value=_plain(text),
            ),
            status_code=502 if response.status_code >= 500 else 400,
        )
    try:
        answer = json.loads(text)
    except ValueError as exc:
        raise RegistrationError(
            _("Your LMS's registration answer is not JSON."), status_code=502
        ) from exc
    if not isinstance(answer, dict):
        raise RegistrationError(_("Your LMS's registration answer is not a JSON object."))
    return answer


def _granted_scopes(answer: dict) -> tuple[str, ...]:
    scope = answer.get("scope")
    if isinstance(scope, str):
        return tuple(s for s in scope.split() if s)
    if isinstance(scope, list):
        return tuple(str(s) for s in scope)
    return ()


def _plain(text: str) -> str:
    """An error answer (Moodle's bare strings, an HTML error page) as a short plain-text
    excerpt for a sentence on a page."""
    return remote_excerpt(text)
