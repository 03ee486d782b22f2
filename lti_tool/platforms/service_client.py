"""Calls to a platform's LTI Advantage services outside a launch.

An access token comes from the platform's OAuth2 token endpoint by ``client_credentials``
with a JWT assertion signed by the tool's key; it is cached (per process) until shortly
before it expires. A 401 from a service drops the cached token and retries once.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

import jwt
import requests

from lti_tool.core.excerpt import remote_excerpt
from lti_tool.core.http import http_session, http_timeout
from lti_tool.core.lti_spec import NRPS_READ
from lti_tool.core.metrics import outbound_call
from lti_tool.errors import PlatformServiceError
from lti_tool.platforms.keys import ensure_signing_key, load_private_key
from lti_tool.platforms.models import Platform

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
EXPIRY_MARGIN_SECONDS = 30


@dataclass(frozen=True)
class _CachedToken:
    value: str
    expires_at: float


_tokens: dict[tuple[int, str, frozenset[str]], _CachedToken] = {}
_lock = threading.Lock()


def client_assertion(platform: Platform) -> str:
    key = ensure_signing_key()
    now = int(time.time())
    claims = {
        "iss": platform.client_id,
        "sub": platform.client_id,
        "aud": platform.auth_audience or platform.auth_token_url,
        "iat": now,
        "exp": now + 300,
        "jti": secrets.token_urlsafe(16),
    }
    return jwt.encode(
        claims, load_private_key(key.private_key_pem), algorithm="RS256", headers={"kid": key.kid}
    )


def access_token(platform: Platform, scopes: Iterable[str], *, fresh: bool = False) -> str:
    """A bearer token for these scopes, from the cache unless ``fresh``.

    :raise PlatformServiceError: the token endpoint refused, failed or answered nonsense.
    """
    cache_key = (platform.id, platform.client_id, frozenset(scopes))
    now = time.monotonic()
    cached = _tokens.get(cache_key)
    if cached and not fresh and cached.expires_at > now:
        return cached.value
    token, lifetime = _request_token(platform, sorted(cache_key[2]))
    with _lock:
        _tokens[cache_key] = _CachedToken(token, now + max(lifetime - EXPIRY_MARGIN_SECONDS, 1))
    return token


def forget_tokens(platform: Platform) -> None:
    with _lock:
        for key in [k for k in _tokens if k[0] == platform.id]:
            del _tokens[key]


def _request_token(platform: Platform, scopes: list[str]) -> tuple[str, int]:
    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": client_assertion(platform),
        "scope": " ".join(scopes),
    }
    try:
        with outbound_call("token", platform.id):
            response = http_session().post(
                platform.auth_token_url,
                data=form,  # exactly application/x-www-form-urlencoded, as Moodle requires
                headers={"Accept": "application/json"},
                timeout=http_timeout(),
            )
    except requests.RequestException as exc:
        raise PlatformServiceError(
            f"Your LMS's token endpoint could not be reached ({type(exc).__name__})."
        ) from exc
    try:
        body = json.loads(response.text)  # Moodle sends JSON as text/html
    except ValueError:
        body = None
    if response.status_code != 200 or not isinstance(body, dict) or not body.get("access_token"):
        reason = ""
        if isinstance(body, dict) and body.get("error"):
            reason = f": {body['error']}" + (
                f" ({body['error_description']})" if body.get("error_description") else ""
            )
        raise PlatformServiceError(
            f"Your LMS refused the tool an access token ({response.status_code}{reason})."
        )
    try:
        lifetime = int(body.get("expires_in", 3600))
    except (TypeError, ValueError):
        lifetime = 3600
    return str(body["access_token"]), lifetime


def service_request(
    platform: Platform,
    method: str,
    url: str,
    scopes: Iterable[str],
    *,
    accept: str,
    content_type: str | None = None,
    body: dict | None = None,
    params: dict | None = None,
    allowed_statuses: Iterable[int] = (),
) -> requests.Response:
    """One call to an LTI service with a bearer token; on 401, one retry with a new token.
    An error status in ``allowed_statuses`` (e.g. 404 for a DELETE) is returned, not raised.

    :raise PlatformServiceError: unreachable, timed out, or answered an error status.
    """
    scopes = tuple(scopes)
    service = "nrps" if NRPS_READ in scopes else "ags"  # for the metrics
    headers = {"Accept": accept}
    data = None
    if body is not None:
        headers["Content-Type"] = content_type or "application/json"
        data = json.dumps(body)
    for attempt in (1, 2):
        token = access_token(platform, scopes, fresh=attempt == 2)
        try:
            with outbound_call(service, platform.id):
                response = http_session().request(
                    method,
                    url,
                    headers={**headers, "Authorization": f"Bearer {token}"},
                    data=data,
                    params=params,
                    timeout=http_timeout(),
                )
        except requests.Timeout as exc:
            raise PlatformServiceError("Your LMS did not answer in time.") from exc
        except requests.RequestException as exc:
            raise PlatformServiceError(
                f"Your LMS could not be reached ({type(exc).__name__})."
            ) from exc
        if response.status_code != 401:
            break
    if response.status_code >= 400 and response.status_code not in allowed_statuses:
        raise PlatformServiceError(
            f"Your LMS answered {response.status_code} to {method} {url}: "
            f"{remote_excerpt(response.text)}"
        )
    return response


def json_body(response: requests.Response) -> object:
    """The JSON of a service reply whatever its content type; empty body → None.

    :raise PlatformServiceError: a body that is not JSON.
    """
    text = response.text.strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise PlatformServiceError("Your LMS answered with something that is not JSON.") from exc
