"""Who may frame the tool's pages: the CSP ``frame-ancestors`` origins of the registered LMSs.

An LMS shows the tool in an iframe of its own pages, so the origin to allow is the LMS's web
site — which is not always the issuer. Moodle's issuer is its site URL, but Canvas's issuer is
``https://canvas.instructure.com`` while courses are shown on the institution's own host. A
platform's origins are therefore

- the origins of its registered endpoints: issuer, login, token and key set URLs (Canvas's
  token URL is on the institution's host), always current with the platform's row; and
- the origins its verified launches showed: the ``tool_platform`` claim's ``url``,
  ``launch_presentation.return_url`` and the deep-linking ``deep_link_return_url``. They are
  recorded on the platform the first time they are seen (at most ``MAX_RECORDED``), so an LMS
  reached under several host names keeps working for pages that come before a launch.

Cheap per request: a page allows the origins of the platforms and launches it loaded anyway
(the launch of a ``/s/<launch_id>/`` page, the platform of a login or launch), collected when
the ORM loads those rows — no extra query. A page that deals with no platform (registration,
an error before a launch) allows every registered platform, read at most once a minute per
process. With the demo LMS on (development, testing) its host is allowed on any port.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, g, has_request_context, request

from lti_tool.core.lti_spec import CLAIM, DL_CLAIM
from lti_tool.extensions import db
from lti_tool.platforms.models import Platform, PlatformStatus
from lti_tool.roster.launches import LaunchSession

log = logging.getLogger(__name__)

MAX_RECORDED = 20
ALL_PLATFORMS_TTL_SECONDS = 60.0
_HOST = re.compile(r"^(?:[a-z0-9-]+\.)*[a-z0-9-]+$|^\[[0-9a-f:.]+\]$")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: object) -> str | None:
    """``scheme://host[:port]`` of an http(s) URL; None for anything else. The result is safe
    to put in a CSP header (no spaces, quotes or semicolons can come through)."""
    if not isinstance(url, str) or not url.strip():
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), parts.hostname or ""
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    if ":" in host:
        host = f"[{host}]"
    if not _HOST.match(host):
        return None
    return f"{scheme}://{host}" + (f":{port}" if port and port != _DEFAULT_PORTS[scheme] else "")


@lru_cache(maxsize=1024)
def _origins(urls: tuple[object, ...]) -> frozenset[str]:
    return frozenset(o for o in map(origin_of, urls) if o)


def endpoint_origins(platform: Platform) -> frozenset[str]:
    return _origins(
        (platform.issuer, platform.auth_login_url, platform.auth_token_url, platform.key_set_url)
    )


def platform_origins(platform: Platform) -> frozenset[str]:
    """The endpoints' origins and those recorded from verified launches."""
    return endpoint_origins(platform) | _origins(tuple(platform.frame_origins or ()))


def launch_origins(claims: Mapping[str, Any]) -> frozenset[str]:
    """Origins a launch's claims show the LMS under."""

    def field(claim: str, key: str) -> str | None:
        value = claims.get(claim)
        value = value.get(key) if isinstance(value, Mapping) else None
        return value if isinstance(value, str) else None

    return _origins(
        (
            field(CLAIM + "tool_platform", "url"),
            field(CLAIM + "launch_presentation", "return_url"),
            field(DL_CLAIM, "deep_link_return_url"),
        )
    )


def record_launch_origins(platform: Platform, claims: Mapping[str, Any]) -> None:
    """Remember origins a verified launch showed that the platform did not have yet.

    Writes (one UPDATE at the next flush) only when there is something new.
    """
    new = launch_origins(claims) - platform_origins(platform)
    recorded = list(platform.frame_origins or [])
    if not new:
        return
    room = MAX_RECORDED - len(recorded)
    if room <= 0:
        log.warning(
            "Platform %s shows itself under more than %d origins; %s not recorded",
            platform.id,
            MAX_RECORDED,
            ", ".join(sorted(new)),
        )
        return
    platform.frame_origins = recorded + sorted(new)[:room]
    _ALL_PLATFORMS.expires = 0.0


class _AllPlatforms:
    """Every approved, enabled platform's origins, shared by the process's threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.expires = 0.0
        self.origins: frozenset[str] = frozenset()

    def get(self) -> frozenset[str]:
        if time.monotonic() < self.expires:
            return self.origins
        with self.lock:
            if time.monotonic() >= self.expires:
                self.origins = self._load()
                self.expires = time.monotonic() + ALL_PLATFORMS_TTL_SECONDS
        return self.origins

    @staticmethod
    def _load() -> frozenset[str]:
        table = Platform.__table__
        query = sa.select(
            table.c.issuer,
            table.c.auth_login_url,
            table.c.auth_token_url,
            table.c.key_set_url,
            table.c.frame_origins,
        ).where(table.c.status == PlatformStatus.ACTIVE)  # not pending, rejected or disabled
        try:
            # Its own connection: the request's session may be in a failed transaction.
            with db.engine.connect() as connection:
                rows = connection.execute(query).all()
        except sa.exc.SQLAlchemyError:
            log.exception("Could not read the platforms' origins")
            return frozenset()
        origins: set[str] = set()
        for *endpoints, recorded in rows:
            origins |= _origins((*endpoints, *(recorded or ())))
        return frozenset(origins)


_ALL_PLATFORMS = _AllPlatforms()


def _collect(origins: Iterable[str]) -> None:
    if has_request_context():
        g.setdefault("frame_origins", set()).update(origins)


@sa.event.listens_for(Platform, "load")
def _platform_loaded(platform: Platform, _context: object) -> None:
    _collect(platform_origins(platform))


@sa.event.listens_for(LaunchSession, "load")
def _launch_loaded(launch: LaunchSession, _context: object) -> None:
    _collect(launch_origins(launch.claims or {}))


def frame_ancestors() -> list[str]:
    """The origins allowed to frame the current request's page (may be empty)."""
    origins = set(g.get("frame_origins") or ()) or set(_ALL_PLATFORMS.get())
    if request.endpoint == "lti.register":
        # Dynamic registration runs in an iframe of the LMS that is not registered yet.
        configuration = origin_of(request.args.get("openid_configuration"))
        if configuration:
            origins.add(configuration)
    config = current_app.config
    if config.get("DEMO_LMS_ENABLED"):
        host = config.get("DEMO_LMS_HOST", "localhost")
        if _HOST.match(host):
            origins.add(f"http://{host}:*")
    return sorted(origins)
