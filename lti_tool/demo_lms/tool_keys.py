"""Verify JWTs signed by a registered tool (client assertions, deep-linking responses).

The tool's JWKS is fetched from its registered ``jwks_uri`` by PyJWT's ``PyJWKClient``, which
keeps it for ``JWKS_CACHE_SECONDS`` per process; an unknown ``kid`` refetches it at once, so a
tool that rotated its key is picked up without waiting.
"""

from __future__ import annotations

import functools
from typing import Any

import jwt
from flask import current_app

JWKS_CACHE_SECONDS = 60
ALLOWED_ALGORITHMS = ("RS256", "RS384", "RS512")


class ToolJwtError(Exception):
    """A tool-signed JWT that cannot be accepted; ``str(error)`` says why."""


@functools.lru_cache(maxsize=64)
def _jwks_client(jwks_uri: str, timeout: float) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(
        jwks_uri,
        lifespan=JWKS_CACHE_SECONDS,
        timeout=timeout,
        cooldown_duration=0,
        headers={"Accept": "application/json"},
    )


def _signing_key(jwks_uri: str, kid: str) -> Any:
    timeout = float(current_app.config.get("HTTP_TIMEOUT_SECONDS", 10))
    try:
        jwk = _jwks_client(jwks_uri, timeout).get_signing_key(kid)
    except jwt.PyJWKClientConnectionError as exc:
        raise ToolJwtError(f"could not fetch the tool's JWKS at {jwks_uri}: {exc}") from exc
    except jwt.PyJWKClientError as exc:
        raise ToolJwtError(
            f"no key with kid {kid!r} in the tool's JWKS at {jwks_uri}: {exc}"
        ) from exc
    if jwk.key_type != "RSA":
        raise ToolJwtError(f"the key with kid {kid!r} in the tool's JWKS is not an RSA key")
    return jwk.key


def verify_tool_jwt(
    token: str,
    jwks_uri: str,
    *,
    audience: str | None,
    issuer: str | None = None,
    required: tuple[str, ...] = ("iss", "exp", "iat"),
    leeway: int = 60,
) -> dict[str, Any]:
    """The verified claims of ``token`` signed by a key of the tool's JWKS.

    ``audience`` None skips the ``aud`` check (Moodle's token endpoint does not check it).

    :raise ToolJwtError: for a bad signature, algorithm, key id, issuer, audience or time.
    """
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise ToolJwtError(f"not a JWT: {exc}") from exc
    alg = header.get("alg")
    if alg not in ALLOWED_ALGORITHMS:
        raise ToolJwtError(f"algorithm {alg!r} is not accepted; sign with RS256")
    kid = header.get("kid")
    if not kid:
        raise ToolJwtError("the JWT has no key id (kid) in its header")
    key = _signing_key(jwks_uri, str(kid))
    try:
        return jwt.decode(
            token,
            key,
            algorithms=[alg],
            audience=audience,
            issuer=issuer,
            leeway=leeway,
            options={"require": list(required), "verify_aud": audience is not None},
        )
    except jwt.PyJWTError as exc:
        raise ToolJwtError(str(exc)) from exc
