"""Calls to a platform's LTI Advantage services outside a launch.

An access token comes from the platform's OAuth2 token endpoint by ``client_credentials``
with a JWT assertion signed by the tool's key; it is cached in the process and in the
database (``token_store``, shared by every worker and web process) until shortly before it
expires. A 401 from a service gets a new token and retries once. A failed call raises
``ServiceCallFailed``, which says what the LMS answered.
"""

from __future__ import annotations

import datetime as dt
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
from lti_tool.core.lti_spec import (
    AGS_LINEITEM,
    AGS_LINEITEM_READ,
    AGS_RESULT_READ,
    AGS_SCORE,
    NRPS_READ,
)
from lti_tool.core.metrics import outbound_call
from lti_tool.core.time import utcnow
from lti_tool.core.transaction import holds_sqlite_writer_lock
from lti_tool.errors import PlatformServiceError
from lti_tool.extensions import db
from lti_tool.platforms.keys import ensure_signing_key, load_private_key
from lti_tool.platforms.models import Platform
from lti_tool.platforms.token_store import (
    forget_platform_tokens,
    read_token,
    release_lease,
    scope_key,
    store_token,
    take_fetch_lease,
)

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
EXPIRY_MARGIN_SECONDS = 30


@dataclass(frozen=True)
class _CachedToken:
    value: str
    expires_at: dt.datetime


class ServiceCallFailed(PlatformServiceError):
    """A service call that failed, with what a caller needs to decide what next: the HTTP
    ``status`` (None when no answer came), the LMS's own words, a ``retry_after`` it asked
    for, and whether the request may have been applied all the same (``ambiguous``: a
    timeout or a connection lost after sending)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        lms_words: str = "",
        retry_after: float | None = None,
        ambiguous: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.lms_words = lms_words
        self.retry_after = retry_after
        self.ambiguous = ambiguous


_tokens: dict[tuple[int, str], _CachedToken] = {}
_lock = threading.Lock()
# The AGS scopes the tool uses: one token asks for all those the platform granted, so the
# line-item, score and result calls share it (one token request per token lifetime).
AGS_SCOPES = frozenset((AGS_LINEITEM, AGS_LINEITEM_READ, AGS_RESULT_READ, AGS_SCORE))
FETCH_LEASE_SECONDS = 30.0
WAIT_STEP_SECONDS = 0.05


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


def token_scopes(platform: Platform, scopes: Iterable[str]) -> list[str]:
    """The scopes to ask for: an AGS call asks for every AGS scope the platform granted."""
    wanted = set(scopes)
    if wanted & AGS_SCOPES:
        wanted |= AGS_SCOPES & set(platform.granted_scopes or ())
    return sorted(wanted)


def access_token(
    platform: Platform, scopes: Iterable[str], *, fresh: bool = False, rejected: str | None = None
) -> str:
    """A bearer token for these scopes: from this process's memory, else from the shared
    table, else fetched (by one process at a time). ``fresh``: the token ``rejected`` (or the
    one this process holds) was refused; a different one is returned.

    :raise PlatformServiceError: the token endpoint refused, failed or answered nonsense.
    """
    wanted = token_scopes(platform, scopes)
    key = scope_key(platform.client_id, wanted)
    memory_key = (platform.id, key)
    cached = _tokens.get(memory_key)
    if not fresh and cached and _usable(cached.value, cached.expires_at, None):
        return cached.value
    if fresh and rejected is None and cached:
        rejected = cached.value
    token, expires_at = _shared_token(platform, wanted, key, rejected if fresh else None)
    with _lock:
        _tokens[memory_key] = _CachedToken(token, expires_at)
    return token


def _usable(token: str | None, expires_at: dt.datetime | None, rejected: str | None) -> bool:
    margin = dt.timedelta(seconds=EXPIRY_MARGIN_SECONDS)
    return (
        bool(token)
        and token != rejected
        and expires_at is not None
        and (expires_at - margin > utcnow())
    )


def _shared_token(
    platform: Platform, scopes: list[str], key: str, rejected: str | None
) -> tuple[str, dt.datetime]:
    if holds_sqlite_writer_lock():
        # Another connection of this process could not write the table now: this token
        # stays in this process's memory only.
        return _fetch(platform, scopes)
    engine = db.engine
    deadline = time.monotonic() + FETCH_LEASE_SECONDS
    while True:
        with engine.connect() as connection:
            row = read_token(connection, platform.id, key)
        if row is not None and _usable(row[0], row[1], rejected):
            return str(row[0]), row[1]  # type: ignore[return-value]
        busy = row is not None and row[2] is not None and row[2] > utcnow()
        if not busy or time.monotonic() > deadline:
            with engine.begin() as connection:
                won = take_fetch_lease(connection, platform.id, key, FETCH_LEASE_SECONDS)
            if won:
                break
        time.sleep(WAIT_STEP_SECONDS)  # another process is fetching: wait for its token
    try:
        token, expires_at = _fetch(platform, scopes)
    except BaseException:
        with engine.begin() as connection:
            release_lease(connection, platform.id, key)
        raise
    with engine.begin() as connection:
        store_token(connection, platform.id, key, token, expires_at)
    return token, expires_at


def _fetch(platform: Platform, scopes: list[str]) -> tuple[str, dt.datetime]:
    token, lifetime = _request_token(platform, scopes)
    return token, utcnow() + dt.timedelta(seconds=max(lifetime, 1))


def forget_tokens(platform: Platform) -> None:
    """Drop the platform's tokens, in this process and in the shared table."""
    with _lock:
        for key in [k for k in _tokens if k[0] == platform.id]:
            del _tokens[key]
    if not holds_sqlite_writer_lock():
        with db.engine.begin() as connection:
            forget_platform_tokens(connection, platform.id)


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
    token: str | None = None
    for attempt in (1, 2):
        token = access_token(platform, scopes, fresh=attempt == 2, rejected=token)
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
            raise ServiceCallFailed(
                "Your LMS did not answer in time.", ambiguous=method != "GET"
            ) from exc
        except requests.RequestException as exc:
            refused = isinstance(exc, requests.ConnectionError) and _never_connected(exc)
            raise ServiceCallFailed(
                f"Your LMS could not be reached ({type(exc).__name__}).",
                ambiguous=method != "GET" and not refused,
            ) from exc
        if response.status_code != 401:
            break
    if response.status_code >= 400 and response.status_code not in allowed_statuses:
        words = remote_excerpt(response.text)
        raise ServiceCallFailed(
            f"Your LMS answered {response.status_code} to {method} {url}: {words}",
            status=response.status_code,
            lms_words=words,
            retry_after=_retry_after(response),
            ambiguous=method != "GET" and response.status_code in (502, 504),
        )
    return response


def _never_connected(exc: requests.RequestException) -> bool:
    """The connection was never made (so the request was never sent)."""
    text = repr(exc)
    return "NewConnectionError" in text or "ConnectTimeoutError" in text


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


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
