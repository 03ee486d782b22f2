"""Platform side of LTI Dynamic Registration 1.0: registration tokens and the tool's POST.

Validation follows Moodle's ``registration_helper`` (the strictest of the LMSs we target);
the flavour decides whether errors are Moodle's bare strings or OpenID JSON errors.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any
from urllib.parse import urlsplit

import jwt
import sqlalchemy as sa

from lti_tool.core.time import utcnow
from lti_tool.demo_lms.flavours import (
    AGS_SCOPES,
    DEEP_LINKING_REQUEST,
    SCOPE_BASIC_OUTCOME,
    SCOPE_TOOL_SETTING,
    SERVICE_SCOPES,
    Flavour,
)
from lti_tool.demo_lms.keys import published_jwks, sign_with_platform_key
from lti_tool.demo_lms.launches import TOOL_CONFIGURATION
from lti_tool.demo_lms.models import (
    DemoCourse,
    DemoRegistrationToken,
    DemoResourceLink,
    DemoToolRegistration,
)
from lti_tool.extensions import db

REGISTRATION_TOKEN_TTL = dt.timedelta(hours=1)
SUPPORTED_SCOPES = (*SERVICE_SCOPES, SCOPE_BASIC_OUTCOME, SCOPE_TOOL_SETTING)


class RegistrationRejected(Exception):
    """The registration request is refused with ``status`` and a Moodle-style message."""

    def __init__(self, status: int, message: str, error: str = "invalid_client_metadata"):
        super().__init__(message)
        self.status = status
        self.message = message
        self.error = error


def mint_registration_token(
    flavour: Flavour,
    lms_base_url: str,
    withheld_scopes: list[str] | tuple[str, ...] = (),
    updates: DemoToolRegistration | None = None,
) -> str:
    """A signed ``reg`` token for one registration; ``sub`` is the future client_id.

    With ``updates`` (Moodle only), a ``reg-update`` token for that registered tool: ``sub``
    is its tool type id, and the registration keeps its client_id and deployment.

    :raise RegistrationRejected: (400) this LMS does not offer updates, or the tool is
        registered in another one.
    """
    if updates is not None and not flavour.registration_updates:
        raise RegistrationRejected(
            400, f"{flavour.title} does not update registrations; register the tool again instead"
        )
    if updates is not None and updates.flavour != flavour.name:
        raise RegistrationRejected(400, "That tool is registered in another LMS")
    now = utcnow()
    row = DemoRegistrationToken(
        flavour=flavour.name,
        subject=secrets.token_urlsafe(12),
        withheld_scopes=list(withheld_scopes),
        updates=updates,
        created_at=now,
        expires_at=now + REGISTRATION_TOKEN_TTL,
    )
    db.session.add(row)
    db.session.flush()
    claims = {
        "sub": row.subject if updates is None else str(updates.id),
        "scope": "reg" if updates is None else "reg-update",
        "iat": int(now.timestamp()),
        "exp": int(row.expires_at.timestamp()),
    }
    if updates is not None:
        claims["jti"] = row.subject  # which update token this is (sub names the tool)
    return sign_with_platform_key(flavour.name, claims)


def check_registration_token(flavour: Flavour, token: str | None) -> DemoRegistrationToken:
    """The unspent token row behind ``token``.

    :raise RegistrationRejected: missing, forged or expired (401/404), wrong scope (403),
        already used (401 ``token_already_used``).
    """
    if not token:
        raise RegistrationRejected(401, "missing_registration_token", "invalid_token")
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        jwk = next((k for k in published_jwks(flavour.name)["keys"] if k["kid"] == kid), None)
        if jwk is None:
            raise jwt.InvalidTokenError("unknown kid")
        claims = jwt.decode(
            token, jwt.PyJWK(jwk).key, algorithms=["RS256"], options={"require": ["exp", "sub"]}
        )
    except jwt.PyJWTError as exc:
        status = flavour.auth_page_status if flavour.registration_error_style == "text" else 401
        raise RegistrationRejected(
            status, f"Invalid registration token: {exc}", "invalid_token"
        ) from exc
    scope = claims.get("scope")
    if scope not in ("reg", "reg-update") or (
        scope == "reg-update" and not flavour.registration_updates
    ):
        raise RegistrationRejected(403, "Incorrect scope", "invalid_token")
    row = db.session.scalars(
        sa.select(DemoRegistrationToken).where(
            DemoRegistrationToken.subject
            == (claims["sub"] if scope == "reg" else claims.get("jti")),
            DemoRegistrationToken.flavour == flavour.name,
        )
    ).first()
    if (
        row is None
        or (scope == "reg-update") != (row.updates_id is not None)
        or (row.updates_id is not None and str(row.updates_id) != str(claims["sub"]))
    ):
        raise RegistrationRejected(401, "Invalid registration token", "invalid_token")
    if row.used_at is not None:
        raise RegistrationRejected(401, "token_already_used", "invalid_token")
    return row


def _required(doc: dict[str, Any], name: str) -> Any:
    value = doc.get(name)
    if value in (None, "", [], {}):
        raise RegistrationRejected(400, f"missing required attribute {name}")
    return value


def domain_of(url: str) -> str:
    """``host[:port]`` of a URL, as Moodle compares it with the registration's ``domain``."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port}" if parts.port else (parts.hostname or "")


def validate_registration(doc: Any) -> dict[str, Any]:
    """The tool configuration of a valid registration document.

    :raise RegistrationRejected: (400) for what Moodle refuses.
    """
    if not isinstance(doc, dict):
        raise RegistrationRejected(400, "invalid registration payload: JSON object expected")
    response_types = _required(doc, "response_types")
    _required(doc, "initiate_login_uri")
    redirect_uris = _required(doc, "redirect_uris")
    _required(doc, "client_name")
    _required(doc, "jwks_uri")
    config = _required(doc, TOOL_CONFIGURATION)
    auth_method = _required(doc, "token_endpoint_auth_method")
    if not isinstance(response_types, list) or "id_token" not in response_types:
        raise RegistrationRejected(400, "invalid_response_types")
    if not isinstance(redirect_uris, list) or not all(isinstance(u, str) for u in redirect_uris):
        raise RegistrationRejected(400, "invalid_redirect_uris")
    if auth_method != "private_key_jwt":
        raise RegistrationRejected(400, "invalid_token_endpoint_auth_method")
    if doc.get("application_type", "web") != "web":
        raise RegistrationRejected(400, "invalid_application_type")
    if not isinstance(config, dict):
        raise RegistrationRejected(400, f"invalid {TOOL_CONFIGURATION}")
    domain, target = config.get("domain") or "", config.get("target_link_uri") or ""
    if not domain and not target:
        raise RegistrationRejected(400, "missing_domain_targetlinkuri")
    if domain and target and domain != domain_of(target):
        raise RegistrationRejected(400, "domain_targetlinkuri_mismatch")
    return config


def granted_scopes(
    flavour: Flavour, requested: str | None, withheld: list[str] | tuple[str, ...]
) -> list[str]:
    """What the LMS grants: supported scopes asked for, plus the flavour's additions, minus
    what the admin withheld. Tools must read this back instead of assuming."""
    asked = [s for s in (requested or "").split() if s in SUPPORTED_SCOPES]
    if any(s in AGS_SCOPES for s in asked):
        asked += [s for s in flavour.registration_added_scopes if s not in asked]
    return [s for s in dict.fromkeys(asked) if s not in withheld]


def save_registration(
    flavour: Flavour, token: DemoRegistrationToken, doc: dict[str, Any]
) -> DemoToolRegistration:
    """Store a new tool (or, for a ``reg-update`` token, the tool's new configuration) and
    spend the token."""
    registration = (
        db.session.get(DemoToolRegistration, token.updates_id)
        if token.updates_id is not None
        else None
    )
    if registration is not None:
        _apply_document(registration, flavour, token, doc)
        token.used_at = utcnow()
        db.session.flush()
        return registration
    return create_registration(flavour, token, doc)


def _apply_document(
    registration: DemoToolRegistration,
    flavour: Flavour,
    token: DemoRegistrationToken,
    doc: dict[str, Any],
) -> None:
    config = validate_registration(doc)
    target = config.get("target_link_uri") or f"http://{config['domain']}"
    registration.name = str(doc["client_name"])[:255]
    registration.initiate_login_uri = doc["initiate_login_uri"]
    registration.target_link_uri = target
    registration.redirect_uris = list(doc["redirect_uris"])
    registration.jwks_uri = doc["jwks_uri"]
    registration.domain = config.get("domain") or domain_of(target)
    registration.scopes = granted_scopes(flavour, doc.get("scope"), token.withheld_scopes)
    registration.claims = list(config.get("claims") or [])
    registration.messages = [m for m in config.get("messages") or [] if isinstance(m, dict)]
    registration.custom_parameters = dict(config.get("custom_parameters") or {})
    registration.document = doc


def create_registration(
    flavour: Flavour, token: DemoRegistrationToken, doc: dict[str, Any]
) -> DemoToolRegistration:
    """Store the tool, spend the token, and give every course a first activity of the tool."""
    registration = DemoToolRegistration(
        flavour=flavour.name, client_id=token.subject, deployment_id="pending"
    )
    _apply_document(registration, flavour, token, doc)
    db.session.add(registration)
    db.session.flush()
    registration.deployment_id = (
        str(registration.id)
        if flavour.deployment_id_style == "numeric"
        else f"{registration.id}:{secrets.token_hex(20)}"
    )
    token.used_at = utcnow()
    for course in db.session.scalars(sa.select(DemoCourse)):
        add_default_activity(registration, course)
    db.session.flush()
    return registration


def add_default_activity(registration: DemoToolRegistration, course: DemoCourse) -> None:
    """The activity "<tool name>" a teacher would add right after installing the tool."""
    db.session.add(
        DemoResourceLink(
            registration_id=registration.id,
            course_id=course.id,
            resource_link_id=secrets.token_hex(16),
            title=registration.name,
            text="The mentoring program home.",
        )
    )


def registration_response(registration: DemoToolRegistration) -> dict[str, Any]:
    """The echoed registration with the client_id, granted scope and deployment_id."""
    doc = dict(registration.document)
    config = dict(doc.get(TOOL_CONFIGURATION) or {})
    config["deployment_id"] = registration.deployment_id
    doc.update(client_id=registration.client_id, scope=" ".join(registration.scopes))
    doc[TOOL_CONFIGURATION] = config
    return doc


def registration_summary(registration: DemoToolRegistration) -> dict[str, Any]:
    """What the admin API shows about a registered tool (no secrets: there are none)."""
    return {
        "client_id": registration.client_id,
        "deployment_id": registration.deployment_id,
        "name": registration.name,
        "initiate_login_uri": registration.initiate_login_uri,
        "target_link_uri": registration.target_link_uri,
        "redirect_uris": registration.redirect_uris,
        "jwks_uri": registration.jwks_uri,
        "scopes": registration.scopes,
        "claims": registration.claims,
        "deep_linking": registration.deep_linking_target() is not None,
        "messages": [m.get("type") for m in registration.messages if isinstance(m, dict)],
        "created_at": registration.created_at.isoformat(),
    }


def messages_supported() -> list[dict[str, Any]]:
    return [
        {"type": "LtiResourceLinkRequest"},
        {"type": DEEP_LINKING_REQUEST, "placements": ["ContentArea"]},
    ]
