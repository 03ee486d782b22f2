"""The platforms' public keys, for verifying id_tokens.

A platform's JWKS is cached in its row (shared by every worker) for as long as its
``Cache-Control: max-age`` allows, and in process memory as parsed keys. An id_token with a
``kid`` the cache does not know triggers one fresh fetch (the platform may have rotated its
key); a kid still unknown after that is remembered for a minute so forged tokens with random
kids cannot make the tool hammer the platform.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import threading
import time
from dataclasses import dataclass

import jwt
import requests
from flask import current_app

from lti_tool.core.http import http_session, http_timeout
from lti_tool.core.time import utcnow
from lti_tool.errors import LaunchError
from lti_tool.platforms.models import Platform

log = logging.getLogger(__name__)

_MAX_AGE = re.compile(r"(?:^|,)\s*(?:s-)?max-age\s*=\s*(\d+)", re.IGNORECASE)
_UNKNOWN_KID_MEMORY_SECONDS = 60.0


@dataclass(frozen=True)
class _ParsedKeySet:
    fingerprint: str
    keys: dict[str, jwt.PyJWK]


_parsed: dict[int, _ParsedKeySet] = {}
_unknown_kids: dict[tuple[int, str], float] = {}
_lock = threading.Lock()


def cache_lifetime(cache_control: str | None, default_seconds: int) -> int:
    """Seconds to keep a JWKS, from its Cache-Control header; ``no-store``/``no-cache`` → 0."""
    if not cache_control:
        return default_seconds
    lowered = cache_control.lower()
    if "no-store" in lowered or "no-cache" in lowered:
        return 0
    match = _MAX_AGE.search(lowered)
    return int(match.group(1)) if match else default_seconds


def _parse(platform_id: int, document: dict) -> _ParsedKeySet:
    fingerprint = json.dumps(document, sort_keys=True)
    cached = _parsed.get(platform_id)
    if cached and cached.fingerprint == fingerprint:
        return cached
    keys: dict[str, jwt.PyJWK] = {}
    for entry in document.get("keys", []):
        kid = entry.get("kid")
        if not kid or entry.get("kty") != "RSA" or entry.get("use", "sig") != "sig":
            continue
        try:
            keys[kid] = jwt.PyJWK(entry, algorithm="RS256")
        except jwt.PyJWTError:
            log.warning("Platform %s publishes an unusable key %s", platform_id, kid)
    parsed = _ParsedKeySet(fingerprint, keys)
    with _lock:
        _parsed[platform_id] = parsed
    return parsed


def fetch_platform_jwks(platform: Platform) -> None:
    """Fetch the platform's JWKS now and store it on the platform row (caller commits)."""
    try:
        response = http_session().get(
            platform.key_set_url,
            timeout=http_timeout(),
            headers={"Accept": "application/json, application/jwk-set+json"},
        )
        response.raise_for_status()
        document = json.loads(response.text)
    except (requests.RequestException, ValueError) as exc:
        log.warning("Could not fetch the JWKS of %s: %s", platform.issuer, exc)
        raise LaunchError(
            "The tool could not fetch your LMS's public keys to check this launch.",
            hint="Try again in a minute; if it keeps failing, ask your LMS administrator "
            "whether the LMS's key set URL is reachable from the tool.",
            status_code=502,
        ) from exc
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise LaunchError("Your LMS's key set is not a JWKS document.", status_code=502)
    lifetime = cache_lifetime(
        response.headers.get("Cache-Control"),
        current_app.config["PLATFORM_JWKS_DEFAULT_TTL_SECONDS"],
    )
    platform.jwks_json = document
    platform.jwks_expires_at = utcnow() + dt.timedelta(seconds=lifetime)


def platform_key(platform: Platform, kid: str) -> jwt.PyJWK:
    """The platform's public key with this ``kid``.

    :raise LaunchError: the platform does not publish such a key, even after a fresh fetch.
    """
    now = utcnow()
    fresh = platform.jwks_json is not None and (
        platform.jwks_expires_at is not None and platform.jwks_expires_at > now
    )
    if fresh:
        key = _parse(platform.id, platform.jwks_json).keys.get(kid)
        if key is not None:
            return key
        remembered = _unknown_kids.get((platform.id, kid))
        if remembered and time.monotonic() - remembered < _UNKNOWN_KID_MEMORY_SECONDS:
            raise _unknown_kid(kid)
    fetch_platform_jwks(platform)
    key = _parse(platform.id, platform.jwks_json or {}).keys.get(kid)
    if key is None:
        with _lock:
            _unknown_kids[(platform.id, kid)] = time.monotonic()
        raise _unknown_kid(kid)
    return key


def _unknown_kid(kid: str) -> LaunchError:
    return LaunchError(
        f"The launch was signed with a key (kid {kid!r}) your LMS does not publish.",
        hint="Open the activity again from your course. If this keeps happening, ask your "
        "LMS administrator to check the tool's registration.",
        status_code=401,
    )
