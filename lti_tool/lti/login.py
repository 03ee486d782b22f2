"""OIDC third-party login initiation and the browser binding of its state.

The state and nonce live server-side (``LaunchState``), so a launch inside an iframe with
third-party cookies blocked still works. The state is also tied to the browser that started
the login, by the strongest means that browser allows:

1. a partitioned ``SameSite=None`` cookie holding a random secret (works in most iframes);
2. the platform's postMessage storage (``lti_storage_target``, Canvas) holding that secret;
3. when neither can reach us, the browser's User-Agent — the state remains single-use,
   short-lived and bound to its nonce, so a stolen id_token still cannot be replayed.

A binding that is presented but does not match refuses the launch.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from urllib.parse import urlencode, urlsplit

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from lti_tool.core.time import utcnow
from lti_tool.errors import LaunchError
from lti_tool.extensions import db
from lti_tool.lti.models import LaunchState
from lti_tool.platforms.services import check_platform_active, find_platform
from lti_tool.roster.launches import LaunchSession

STATE_COOKIE_PREFIX = "lti1p3-state-"
STORAGE_KEY_PREFIX = "reciprocal-state-"


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True)
class LoginRequest:
    issuer: str
    login_hint: str
    target_link_uri: str
    client_id: str | None = None
    lti_message_hint: str | None = None
    lti_deployment_id: str | None = None
    lti_storage_target: str | None = None

    @classmethod
    def from_params(cls, params: dict[str, str]) -> LoginRequest:
        """:raise LaunchError: a required login parameter is missing."""
        missing = [k for k in ("iss", "login_hint", "target_link_uri") if not params.get(k)]
        if missing:
            raise LaunchError(
                _("The login request from the LMS is missing %(value)s.", value=", ".join(missing)),
                hint=_("Open the activity from your course; the LMS starts the login itself."),
            )
        return cls(
            issuer=params["iss"],
            login_hint=params["login_hint"],
            target_link_uri=params["target_link_uri"],
            client_id=params.get("client_id") or None,
            lti_message_hint=params.get("lti_message_hint") or None,
            lti_deployment_id=params.get("lti_deployment_id") or None,
            lti_storage_target=params.get("lti_storage_target") or None,
        )


@dataclass(frozen=True)
class LoginStart:
    state: str
    browser_secret: str
    redirect_url: str
    storage_target: str | None
    cookie_ttl: int


def start_login(
    login: LoginRequest, *, launch_url: str, tool_base_url: str, user_agent: str, ttl: int
) -> LoginStart:
    """Record a new state + nonce and build the redirect to the platform's auth endpoint.

    :raise LaunchError: unknown platform, or a target link that is not this tool.
    """
    platform = find_platform(login.issuer, login.client_id)
    if platform is None:
        raise LaunchError(
            _(
                "This tool is not registered for the LMS %(issuer)s with client id %(client)s.",
                issuer=repr(login.issuer),
                client=repr(login.client_id),
            )
            if login.client_id
            else _(
                "This tool is not registered for the LMS %(issuer)s.", issuer=repr(login.issuer)
            ),
            hint=_("Ask your LMS administrator to register the tool (see the tool's admin page)."),
            status_code=404,
        )
    check_platform_active(platform)
    if not _same_origin(login.target_link_uri, tool_base_url):
        raise LaunchError(
            _("The LMS asked to open a page that does not belong to this tool."),
            hint=_("Ask your LMS administrator to check the tool's target link URI."),
        )
    state, nonce, secret = (secrets.token_urlsafe(32) for _ in range(3))
    # A Core insert: the ORM's unit of work costs more than the statement on this hot path.
    db.session.execute(
        sa.insert(LaunchState.__table__).values(
            state=state,
            nonce=nonce,
            platform_id=platform.id,
            browser_binding=digest(secret),
            user_agent_hash=digest(user_agent),
            storage_target=login.lti_storage_target,
            created_at=utcnow(),
        )
    )
    params = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": platform.client_id,
        "redirect_uri": launch_url,
        "login_hint": login.login_hint,
        "state": state,
        "nonce": nonce,
    }
    if login.lti_message_hint:
        params["lti_message_hint"] = login.lti_message_hint
    separator = "&" if "?" in platform.auth_login_url else "?"
    return LoginStart(
        state=state,
        browser_secret=secret,
        redirect_url=f"{platform.auth_login_url}{separator}{urlencode(params)}",
        storage_target=login.lti_storage_target,
        cookie_ttl=ttl,
    )


def _same_origin(url: str, base: str) -> bool:
    a, b = urlsplit(url), urlsplit(base)
    return (a.scheme, a.netloc) == (b.scheme, b.netloc)


def purge_expired(now: dt.datetime, state_ttl: int) -> tuple[int, int]:
    """Delete launch states older than ``state_ttl`` seconds and expired launch sessions;
    returns how many of each."""
    states = db.session.execute(
        sa.delete(LaunchState).where(LaunchState.created_at < now - dt.timedelta(seconds=state_ttl))
    )
    sessions = db.session.execute(sa.delete(LaunchSession).where(LaunchSession.expires_at < now))
    return states.rowcount, sessions.rowcount  # type: ignore[attr-defined]


class Binding(StrEnum):
    COOKIE = "cookie"
    PLATFORM_STORAGE = "platform-storage"
    USER_AGENT = "user-agent"
    NEEDS_STORAGE_LOOKUP = "needs-storage-lookup"


@cache
def _state_with_platform() -> sa.Select:
    return (
        sa.select(LaunchState)
        .where(LaunchState.state == sa.bindparam("state"))
        .options(joinedload(LaunchState.platform))
    )


def get_launch_state(state: str | None, ttl: int) -> LaunchState:
    """The state with its platform, in one query.

    :raise LaunchError: no state, an unknown one, an expired or an already used one.
    """
    if not state:
        raise LaunchError(_("The launch has no state parameter."))
    launch_state = db.session.scalars(_state_with_platform(), {"state": state}).first()
    if launch_state is None:
        raise LaunchError(
            _("This launch's state is unknown to the tool: it was not started here."),
            status_code=401,
        )
    if launch_state.used_at is not None:
        raise LaunchError(
            _("This launch was already used; launches are single-use."), status_code=401
        )
    if launch_state.created_at < utcnow() - dt.timedelta(seconds=ttl):
        raise LaunchError(_("This launch took too long and has expired."), status_code=401)
    return launch_state


def check_browser_binding(
    launch_state: LaunchState,
    *,
    cookie_secret: str | None,
    storage_secret: str | None,
    storage_checked: bool,
    user_agent: str,
) -> Binding:
    """Which evidence ties this launch to the browser that started the login.

    :raise LaunchError: the evidence presented belongs to another browser.
    """
    another_browser = LaunchError(
        _("This launch was started in another browser window or session."),
        hint=_("Open the activity again from your course in this browser."),
        status_code=401,
    )
    expected = launch_state.browser_binding
    if cookie_secret:
        if not hmac.compare_digest(digest(cookie_secret), expected):
            raise another_browser
        return Binding.COOKIE
    if storage_secret:
        if not hmac.compare_digest(digest(storage_secret), expected):
            raise another_browser
        return Binding.PLATFORM_STORAGE
    if launch_state.storage_target and not storage_checked:
        return Binding.NEEDS_STORAGE_LOOKUP
    if not hmac.compare_digest(digest(user_agent), launch_state.user_agent_hash):
        raise another_browser
    return Binding.USER_AGENT


def check_nonce(launch_state: LaunchState, nonce: str | None) -> None:
    """:raise LaunchError: the token's nonce is not the one issued with this state."""
    if not nonce or not hmac.compare_digest(str(nonce), launch_state.nonce):
        raise LaunchError(
            _("The launch's nonce does not match the one the tool issued."), status_code=401
        )


def consume_state(launch_state: LaunchState) -> None:
    """Mark the state (and so its nonce) used, atomically.

    :raise LaunchError: another request consumed it first (a replay).
    """
    result = db.session.execute(
        _consume_statement(), {"the_state": launch_state.state, "now": utcnow()}
    )
    if result.rowcount != 1:
        raise LaunchError(
            _("This launch was already used; launches are single-use."), status_code=401
        )


@cache
def _consume_statement() -> sa.Update:
    table = LaunchState.__table__
    return (
        sa.update(table)
        .where(table.c.state == sa.bindparam("the_state"), table.c.used_at.is_(None))
        .values(used_at=sa.bindparam("now", type_=table.c.used_at.type))
    )
