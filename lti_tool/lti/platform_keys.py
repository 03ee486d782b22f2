"""The platforms' public keys, for verifying id_tokens.

A platform's JWKS is cached in its row (shared by every worker) for as long as its
``Cache-Control: max-age`` allows, and in process memory as parsed keys.

- An id_token with a ``kid`` the cache does not know triggers one fresh fetch (the platform may
  have rotated its key); a kid still unknown after that is remembered for a minute (in a
  bounded cache) so forged tokens cannot make the tool hammer the platform.
- Once the cache has expired, one launch of the whole site refreshes it (single-flight): one
  thread per process gets to try, and on PostgreSQL it then locks the platform's row, so a
  launch of another process (or server) that needs the keys waits for that fetch's commit and
  takes its result instead of fetching again. Launches meanwhile keep using the expired
  keys. If the platform's key set cannot be fetched, known kids are still accepted for
  ``PLATFORM_JWKS_STALE_IF_ERROR_SECONDS`` past expiry (stale-if-error) and the endpoint is
  retried with exponential back-off, not on every launch.
  Only kids the tool has never seen are refused during such an outage.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from dataclasses import dataclass, field

import jwt
import requests
import sqlalchemy as sa
from cachetools import TTLCache
from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import ResponseCacheControl
from werkzeug.http import parse_cache_control_header

from lti_tool.core.http import http_session, http_timeout
from lti_tool.core.metrics import outbound_call
from lti_tool.core.time import utcnow
from lti_tool.errors import LaunchError
from lti_tool.extensions import db
from lti_tool.platforms.models import Platform

log = logging.getLogger(__name__)

_UNKNOWN_KID_MEMORY_SECONDS = 60.0
_UNKNOWN_KIDS_REMEMBERED = 1024
# After a failed fetch: wait 10 s, then 20 s, 40 s … up to 5 minutes between attempts.
_BACKOFF_FIRST_SECONDS = 10.0
_BACKOFF_MAX_SECONDS = 300.0


@dataclass(frozen=True)
class _ParsedKeySet:
    fingerprint: str
    keys: dict[str, jwt.PyJWK]


@dataclass(frozen=True)
class _KeySet:
    document: dict
    expires_at: dt.datetime


@dataclass
class _Refresh:
    """This process's fetching of one platform's key set URL."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    attempts: int = 0  # bumped by every fetch, so a thread that waited can tell one happened
    failures: int = 0  # consecutive
    retry_at: float = 0.0  # time.monotonic() before which the URL is not tried again
    latest: _KeySet | None = None  # the last key set fetched here (the row may lag behind)


class _FetchFailed(Exception):
    pass


_parsed: dict[int, _ParsedKeySet] = {}
_unknown_kids: TTLCache = TTLCache(_UNKNOWN_KIDS_REMEMBERED, _UNKNOWN_KID_MEMORY_SECONDS)
_refreshes: dict[tuple[int, str], _Refresh] = {}
_lock = threading.Lock()


def cache_lifetime(cache_control: str | None, default_seconds: int) -> int:
    """Seconds to keep a JWKS, from its Cache-Control header; ``no-store``/``no-cache`` → 0."""
    if not cache_control:
        return default_seconds
    # Directive names are case-insensitive (RFC 9111 §5.2); Werkzeug compares them as given.
    directives = parse_cache_control_header(cache_control.lower(), cls=ResponseCacheControl)
    if directives.no_store or directives.no_cache is True:
        return 0
    if directives.max_age is None:
        return default_seconds
    return max(directives.max_age, 0)


def platform_key(platform: Platform, kid: str) -> jwt.PyJWK:
    """The platform's public key with this ``kid``.

    :raise LaunchError: the platform does not publish such a key, even after a fresh fetch, or
        its key set cannot be fetched and the cached one is unusable.
    """
    refresh = _refresh_of(platform)
    cached = _newest(platform, refresh)
    now = utcnow()
    stale_limit = dt.timedelta(seconds=current_app.config["PLATFORM_JWKS_STALE_IF_ERROR_SECONDS"])
    fresh = cached is not None and cached.expires_at > now
    usable = cached is not None and (fresh or now - cached.expires_at < stale_limit)
    key = _keys(platform.id, cached).get(kid) if usable and cached else None
    if key is not None and fresh:
        return key
    if key is None and _recently_unknown(platform.id, kid):
        raise _unknown_kid(kid)
    # A stale key set is refreshed, but a known kid need not wait for that; an unknown kid
    # waits for the fetch (this one or the one under way) before it is refused.
    fetched = _refresh_key_set(platform, refresh, wait=key is None)
    if fetched is not None:
        key = _keys(platform.id, fetched).get(kid)
        if key is None:
            with _lock:
                _unknown_kids[(platform.id, kid)] = True
            raise _unknown_kid(kid)
        return key
    if key is not None:
        return key  # stale-if-error, or another launch is fetching right now
    if usable:
        raise _unknown_kid(kid, unchecked=True)
    raise LaunchError(
        _("The tool could not fetch your LMS's public keys to check this launch."),
        hint=_(
            "Try again in a minute; if it keeps failing, ask your LMS administrator "
            "whether the LMS's key set URL is reachable from the tool."
        ),
        status_code=502,
    )


def _recently_unknown(platform_id: int, kid: str) -> bool:
    with _lock:  # a TTLCache is not thread-safe, even to read
        return (platform_id, kid) in _unknown_kids


def _refresh_of(platform: Platform) -> _Refresh:
    with _lock:
        return _refreshes.setdefault((platform.id, platform.key_set_url), _Refresh())


def _newest(platform: Platform, refresh: _Refresh) -> _KeySet | None:
    """The key set cached in the platform's row, or a newer one this process fetched."""
    stored = None
    if platform.jwks_json is not None and platform.jwks_expires_at is not None:
        stored = _KeySet(platform.jwks_json, platform.jwks_expires_at)
    latest = refresh.latest
    if latest is None or (stored is not None and stored.expires_at >= latest.expires_at):
        return stored
    return latest


def _refresh_key_set(platform: Platform, refresh: _Refresh, *, wait: bool) -> _KeySet | None:
    """Fetch the key set unless another thread is fetching it or the URL is backing off.

    Stores a fetched key set on the platform row (the caller commits). ``None`` when nothing
    was fetched; with ``wait``, waits for a fetch under way and returns its result.
    """
    attempts_seen = refresh.attempts
    if time.monotonic() < refresh.retry_at:
        return None
    if wait:
        acquired = refresh.lock.acquire(timeout=http_timeout() + 5)
    else:
        acquired = refresh.lock.acquire(blocking=False)
    if not acquired:
        return None
    try:
        if refresh.attempts != attempts_seen:  # fetched by another thread while we waited
            return refresh.latest if refresh.failures == 0 else None
        if time.monotonic() < refresh.retry_at:
            return None
        shared = _fetched_elsewhere(platform, wait=wait)
        if shared is _BUSY:
            return None
        if shared is not None:
            refresh.latest = shared
            return shared
        refresh.attempts += 1
        try:
            fetched = _fetch(platform)
        except _FetchFailed as exc:
            refresh.failures += 1
            backoff = min(
                _BACKOFF_FIRST_SECONDS * 2 ** (refresh.failures - 1), _BACKOFF_MAX_SECONDS
            )
            refresh.retry_at = time.monotonic() + backoff
            log.warning(
                "Could not fetch the JWKS of %s (%s); next try in %.0f s, cached "
                "keys stay in use meanwhile",
                platform.issuer,
                exc,
                backoff,
            )
            return None
        refresh.failures, refresh.retry_at, refresh.latest = 0, 0.0, fetched
    finally:
        refresh.lock.release()
    platform.jwks_json = fetched.document
    platform.jwks_expires_at = fetched.expires_at
    return fetched


_BUSY = _KeySet({}, dt.datetime.min)  # another launch of the site is fetching right now


def _fetched_elsewhere(platform: Platform, *, wait: bool) -> _KeySet | None:
    """Claim the site's fetch of this platform's key set: lock the platform's row (PostgreSQL;
    held until this launch commits), then re-read its cached key set. Returns that key set
    when another process stored a fresh one since this launch loaded the row, ``_BUSY`` when
    another launch holds the claim and ``wait`` is off, ``None`` when this launch must fetch.
    SQLite has no row locks (its writers take turns): it only re-reads."""
    query = sa.select(Platform.jwks_json, Platform.jwks_expires_at).where(
        Platform.id == platform.id
    )
    if db.session.get_bind().dialect.name == "postgresql":
        # NO KEY UPDATE: launches inserting rows that point to the platform are not held up.
        query = query.with_for_update(key_share=True, skip_locked=not wait)
    row = db.session.execute(query).first()
    if row is None:
        return None if wait else _BUSY
    document, expires_at = row
    if document is None or expires_at is None or expires_at <= utcnow():
        return None
    if expires_at == platform.jwks_expires_at and document == platform.jwks_json:
        return None  # the one this launch already had: it is not fresh enough
    return _KeySet(document, expires_at)


def _fetch(platform: Platform) -> _KeySet:
    """:raise _FetchFailed: the key set URL failed or answered something that is not a JWKS."""
    try:
        with outbound_call("jwks", platform.id):
            response = http_session().get(
                platform.key_set_url,
                timeout=http_timeout(),
                headers={"Accept": "application/json, application/jwk-set+json"},
            )
        response.raise_for_status()
        document = json.loads(response.text)
    except (requests.RequestException, ValueError) as exc:
        raise _FetchFailed(type(exc).__name__ + ": " + str(exc)) from exc
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise _FetchFailed("the answer is not a JWKS document")
    lifetime = cache_lifetime(
        response.headers.get("Cache-Control"),
        current_app.config["PLATFORM_JWKS_DEFAULT_TTL_SECONDS"],
    )
    return _KeySet(document, utcnow() + dt.timedelta(seconds=lifetime))


def _keys(platform_id: int, key_set: _KeySet) -> dict[str, jwt.PyJWK]:
    document = key_set.document
    fingerprint = json.dumps(document, sort_keys=True)
    cached = _parsed.get(platform_id)
    if cached and cached.fingerprint == fingerprint:
        return cached.keys
    keys: dict[str, jwt.PyJWK] = {}
    for entry in document.get("keys", []):
        if not isinstance(entry, dict):
            continue
        kid = entry.get("kid")
        if not kid or entry.get("kty") != "RSA" or entry.get("use", "sig") != "sig":
            continue
        try:
            keys[kid] = jwt.PyJWK(entry, algorithm="RS256")
        except jwt.PyJWTError:
            log.warning("Platform %s publishes an unusable key %s", platform_id, kid)
    with _lock:
        _parsed[platform_id] = _ParsedKeySet(fingerprint, keys)
    return keys


def _unknown_kid(kid: str, *, unchecked: bool = False) -> LaunchError:
    if unchecked:
        return LaunchError(
            _(
                "The launch was signed with a key (kid %(kid)s) the tool does not "
                "know, and your LMS's key set could not be fetched to look for it.",
                kid=repr(kid),
            ),
            hint=_(
                "Try again in a few minutes; if it keeps failing, ask your LMS administrator "
                "whether the LMS's key set URL is reachable from the tool."
            ),
            status_code=502,
        )
    return LaunchError(
        _(
            "The launch was signed with a key (kid %(kid)s) your LMS does not publish.",
            kid=repr(kid),
        ),
        hint=_(
            "Open the activity again from your course. If this keeps happening, ask your "
            "LMS administrator to check the tool's registration."
        ),
        status_code=401,
    )
