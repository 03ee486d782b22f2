"""Verify JWTs signed by a registered tool (client assertions, deep-linking responses).

The tool's JWKS is fetched over HTTP from its registered ``jwks_uri`` and cached briefly per
process (a cache, not shared state); an unknown ``kid`` forces one refetch, so a tool that
rotated its key is picked up at once.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import jwt
import requests
from flask import current_app

JWKS_CACHE_SECONDS = 60
ALLOWED_ALGORITHMS = ("RS256", "RS384", "RS512")

_cache: dict[str, tuple[float, dict[str, Any]]] = {}
_lock = threading.Lock()


class ToolJwtError(Exception):
    """A tool-signed JWT that cannot be accepted; ``str(error)`` says why."""


def fetch_tool_jwks(jwks_uri: str, *, refresh: bool = False) -> dict[str, Any]:
    """The tool's JWKS, from the cache unless stale or ``refresh``.

    :raise ToolJwtError: when the JWKS cannot be fetched or is not a key set.
    """
    now = time.monotonic()
    with _lock:
        cached = _cache.get(jwks_uri)
    if cached and not refresh and cached[0] > now:
        return cached[1]
    timeout = current_app.config.get("HTTP_TIMEOUT_SECONDS", 10)
    try:
        response = requests.get(jwks_uri, timeout=timeout, headers={"Accept": "application/json"})
        response.raise_for_status()
        jwks = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise ToolJwtError(f"could not fetch the tool's JWKS at {jwks_uri}: {exc}") from exc
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
        raise ToolJwtError(f"the tool's JWKS at {jwks_uri} has no 'keys' list")
    with _lock:
        _cache[jwks_uri] = (now + JWKS_CACHE_SECONDS, jwks)
    return jwks


def _find_key(jwks: dict[str, Any], kid: str | None) -> dict[str, Any] | None:
    keys = [k for k in jwks["keys"] if isinstance(k, dict) and k.get("kty") == "RSA"]
    if kid is None:
        return keys[0] if len(keys) == 1 else None
    return next((k for k in keys if k.get("kid") == kid), None)


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
    jwk = _find_key(fetch_tool_jwks(jwks_uri), kid)
    if jwk is None:
        jwk = _find_key(fetch_tool_jwks(jwks_uri, refresh=True), kid)
    if jwk is None:
        raise ToolJwtError(f"no key with kid {kid!r} in the tool's JWKS")
    try:
        key = jwt.PyJWK(jwk, algorithm=alg).key
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


def clear_jwks_cache() -> None:
    """Forget every cached tool JWKS (tests)."""
    with _lock:
        _cache.clear()
