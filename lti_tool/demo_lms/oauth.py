"""OAuth2 for the services: client_credentials with a JWT client assertion, and bearer checks.

Access tokens are random, stored as SHA-256 hashes with the granted scopes, valid 3600 s.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import jwt
import sqlalchemy as sa
from flask import Response, request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from lti_tool.core.time import utcnow
from lti_tool.demo_lms import urls
from lti_tool.demo_lms.directory import find_registration
from lti_tool.demo_lms.flavours import Flavour
from lti_tool.demo_lms.models import DemoAccessToken, DemoToolRegistration
from lti_tool.demo_lms.tool_keys import ToolJwtError, verify_tool_jwt
from lti_tool.demo_lms.web import json_error
from lti_tool.extensions import db

ACCESS_TOKEN_TTL = dt.timedelta(seconds=3600)
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class TokenError(Exception):
    def __init__(self, error: str, description: str, status: int = 400):
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_access_token(
    flavour: Flavour, lms_base_url: str, form: dict[str, str]
) -> tuple[str, list[str]]:
    """Check a client_credentials request and store a new access token.

    :raise TokenError: ``unsupported_grant_type``, ``invalid_request``, ``invalid_client``,
        ``invalid_grant`` (replayed assertion) or ``invalid_scope``.
    """
    if form.get("grant_type") != "client_credentials":
        raise TokenError("unsupported_grant_type", "grant_type must be client_credentials")
    assertion = form.get("client_assertion")
    if form.get("client_assertion_type") != ASSERTION_TYPE or not assertion:
        raise TokenError("invalid_request", "a jwt-bearer client_assertion is required")
    try:
        client_id = jwt.decode(assertion, options={"verify_signature": False}).get("sub")
    except jwt.PyJWTError as exc:
        raise TokenError("invalid_client", f"client_assertion is not a JWT: {exc}") from exc
    registration = find_registration(flavour, str(client_id)) if client_id else None
    if registration is None:
        raise TokenError("invalid_client", "unknown client (sub)", 401)
    audience = urls.platform_urls(lms_base_url, flavour).token_endpoint
    try:
        claims = verify_tool_jwt(
            assertion,
            registration.jwks_uri,
            audience=audience if flavour.token_checks_aud else None,
            issuer=registration.client_id,
            required=("iss", "sub", "exp", "iat", "jti"),
        )
    except ToolJwtError as exc:
        raise TokenError("invalid_client", f"client_assertion rejected: {exc}", 401) from exc
    scopes = granted_for_request(flavour, registration, form.get("scope", ""))
    token = secrets.token_urlsafe(32)
    db.session.add(
        DemoAccessToken(
            token_hash=_hash(token),
            registration_id=registration.id,
            assertion_jti=str(claims["jti"]),
            scopes=scopes,
            expires_at=utcnow() + ACCESS_TOKEN_TTL,
        )
    )
    try:
        db.session.flush()
    except IntegrityError as exc:
        raise TokenError("invalid_grant", "this client_assertion (jti) was already used") from exc
    return token, scopes


def granted_for_request(
    flavour: Flavour, registration: DemoToolRegistration, requested: str
) -> list[str]:
    """Requested scopes the registration holds; unknown ones are dropped (strict: refused)."""
    asked = requested.split()
    granted = [s for s in dict.fromkeys(asked) if s in registration.scopes]
    refused = [s for s in asked if s not in registration.scopes]
    if not granted or (flavour.token_strict_scopes and refused):
        raise TokenError("invalid_scope", f"scope not granted to this tool: {' '.join(refused)}")
    return granted


@dataclass(frozen=True)
class ServiceCaller:
    """Who called a service: the registration and the scopes of its access token."""

    registration: DemoToolRegistration
    scopes: tuple[str, ...]


class ServiceAuthError(Exception):
    def __init__(self, status: int, error: str, description: str):
        super().__init__(description)
        self.status, self.error, self.description = status, error, description

    def response(self) -> Response:
        headers = {"WWW-Authenticate": f'Bearer error="{self.error}"'} if self.status == 401 else {}
        return json_error(self.status, self.error, self.description, **headers)


def authenticate_service(flavour: Flavour, *any_of: str) -> ServiceCaller:
    """The caller of an LTI Advantage service, holding at least one of ``any_of``.

    :raise ServiceAuthError: 401 without a valid token, 403 for a missing scope (or, on
        Canvas, a missing User-Agent).
    """
    if flavour.services_require_user_agent and not request.headers.get("User-Agent"):
        raise ServiceAuthError(403, "forbidden", "requests without a User-Agent are refused")
    auth = request.headers.get("Authorization", "")
    if not auth.lower().startswith("bearer "):
        raise ServiceAuthError(401, "invalid_token", "a Bearer access token is required")
    row = db.session.scalars(
        sa.select(DemoAccessToken)
        .where(DemoAccessToken.token_hash == _hash(auth[7:].strip()))
        .options(joinedload(DemoAccessToken.registration))
    ).first()
    if row is None or row.expires_at <= utcnow() or row.registration.flavour != flavour.name:
        raise ServiceAuthError(401, "invalid_token", "the access token is unknown or expired")
    if any_of and not set(any_of) & set(row.scopes):
        raise ServiceAuthError(403, "insufficient_scope", f"needs one of: {' '.join(any_of)}")
    return ServiceCaller(registration=row.registration, scopes=tuple(row.scopes))
