"""Who may register, and what a registration may change (the persistence half of Dynamic
Registration; ``registration.py`` talks to the LMS).

- A **new** LMS registers through an invite minted by a tool admin (``platforms.invites``),
  spent in the same transaction that stores the platform. With ``OPEN_REGISTRATION`` on, an
  LMS may register without one, and waits (``pending``) until a tool admin approves it.
- An **update** of a registered platform (Moodle's ``reg-update``: same issuer and client id)
  is accepted only when the registration token is an RS256 ``reg-update`` JWT signed by a key
  that platform already publishes at its *stored* key set URL (any other JWT it signed — a
  learner's launch id_token — is no update token) — never the keys the new configuration names.
  Such a token needs no invite: it can only come from the LMS the tool already trusts to sign
  every launch (including its administrators' launches), so an invite would prove nothing
  more, while Moodle's update re-opens the registration URL the admin pasted the first time,
  whose invite is spent. A configuration that claims an existing issuer + client id without
  such a token changes nothing. An update never changes the platform's endpoints or key set
  URL (that is an explicit, audited edit on the admin page); new deployment ids it brings wait
  for approval.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import jwt
import sqlalchemy as sa
from flask_babel import gettext as _

from lti_tool.core.audit import changes, record_event
from lti_tool.errors import ReciprocalError, RegistrationError
from lti_tool.extensions import db
from lti_tool.lti.platform_keys import platform_key
from lti_tool.platforms.invites import (
    ASK_FOR_INVITE,
    InviteRefused,
    check_invite_issuer,
    spend_invite,
)
from lti_tool.platforms.models import Platform, PlatformStatus, RegistrationInvite
from lti_tool.platforms.services import (
    ENDPOINT_FIELDS,
    PlatformValues,
    add_platform,
    describe_platform,
    find_platform,
    record_deployment,
)

log = logging.getLogger(__name__)
UPDATE_SCOPE = "reg-update"


@dataclass(frozen=True)
class StoredRegistration:
    platform: Platform
    updated: bool
    pending: bool
    # Endpoints the LMS's configuration named that differ from the registered ones (kept).
    endpoints_kept: tuple[str, ...] = ()


def registration_token_signed_by(
    platform: Platform, token: str | None, *, scope: str | None = None
) -> bool:
    """Whether ``token`` is an unexpired RS256 JWT signed by a key ``platform`` publishes at
    its stored key set URL (and, when given, carries ``scope``)."""
    if not token:
        return False
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != "RS256" or not header.get("kid"):
            return False
        # The keys fetched here are not written to the platform row: this runs before the
        # tool calls the LMS, and an open write would lock SQLite against that LMS's answer
        # when it shares the database (the demo LMS).
        with db.session.no_autoflush:
            try:
                key = platform_key(platform, str(header["kid"]))
            finally:
                db.session.expire(platform, ["jwks_json", "jwks_expires_at"])
        claims = jwt.decode(
            token, key, algorithms=["RS256"], options={"require": ["exp"], "verify_aud": False}
        )
    except (jwt.PyJWTError, ReciprocalError):
        return False
    return scope is None or claims.get("scope") == scope


def admit_without_invite(config_url: str, token: str | None, open_registration: bool) -> None:
    """Before the tool calls anyone for a request with no invite: with open registration off,
    only an update token signed by a registered platform the configuration URL belongs to
    (its issuer is a prefix of the URL) can lead anywhere.

    :raise InviteRefused: (401) otherwise — no request leaves the tool.
    """
    if open_registration:
        return
    candidates = [
        p
        for p in db.session.scalars(sa.select(Platform))
        if config_url == p.issuer or config_url.startswith(p.issuer.rstrip("/") + "/")
    ]
    if not any(registration_token_signed_by(p, token, scope=UPDATE_SCOPE) for p in candidates):
        raise _needs_invite()


def _needs_invite() -> InviteRefused:
    return InviteRefused(
        _(
            "This tool accepts a new LMS only through a registration URL made by its "
            "administrator; this URL has none."
        ),
        hint=ASK_FOR_INVITE,
        status_code=401,
    )


def admit_registration(
    issuer: str, token: str | None, invite: RegistrationInvite | None, open_registration: bool
) -> None:
    """Refuse, before anything is sent to the LMS, a registration that could not be stored.

    :raise InviteRefused: the invite is for another issuer (403); no invite, open
        registration off, and no update token signed by a registered platform of this
        issuer (401).
    """
    if invite is not None:
        check_invite_issuer(invite, issuer)
        return
    if open_registration:
        return
    if not any(
        registration_token_signed_by(p, token, scope=UPDATE_SCOPE)
        for p in db.session.scalars(sa.select(Platform).where(Platform.issuer == issuer))
    ):
        raise _needs_invite()


def store_registration(
    values: PlatformValues,
    granted_scopes: tuple[str, ...],
    token: str | None,
    invite: RegistrationInvite | None,
    open_registration: bool,
) -> StoredRegistration:
    """Store a new platform or update the one it belongs to; the caller commits.

    :raise RegistrationError: (403) the LMS's answer names a registered platform but the
        registration token is not signed by that platform's key — nothing changes; (401) a
        new registration without invite while open registration is off.
    """
    existing = find_platform(values.issuer, values.client_id)
    if existing is not None:
        return _update(existing, values, granted_scopes, token, invite)
    if invite is None and not open_registration:
        raise InviteRefused(
            _(
                "Your LMS answered with a new registration, which needs a registration URL made "
                "by the tool's administrator."
            ),
            status_code=401,
        )
    actor = f"LMS {values.issuer} by dynamic registration" + (
        f" with invite {invite.id}" if invite else " (open registration)"
    )
    platform = add_platform(
        values,
        actor=actor,
        registered_by="dynamic",
        status=PlatformStatus.ACTIVE if invite else PlatformStatus.PENDING,
    )
    platform.granted_scopes = list(granted_scopes)
    if invite is not None:
        spend_invite(invite, platform, actor)
    return StoredRegistration(platform, updated=False, pending=not platform.is_active)


def _update(
    platform: Platform,
    values: PlatformValues,
    granted_scopes: tuple[str, ...],
    token: str | None,
    invite: RegistrationInvite | None,
) -> StoredRegistration:
    if not registration_token_signed_by(platform, token, scope=UPDATE_SCOPE):
        log.warning(
            "Refused a registration claiming %s: token not signed by its keys",
            describe_platform(platform),
        )
        raise RegistrationError(
            _(
                "The registration claims the LMS %(issuer)s with client id "
                "%(client_id)s, which is registered already, but its registration "
                "token is not signed by that LMS's key. Nothing was changed.",
                issuer=platform.issuer,
                client_id=platform.client_id,
            ),
            hint=_(
                "Update a registration from the LMS it belongs to. To change a registered "
                "LMS's values, ask the tool's administrator to edit it on the admin page."
            ),
            status_code=403,
        )
    actor = f"LMS {platform.issuer} by dynamic registration (token signed by its key)"
    offered = {field: getattr(values, field) for field in ENDPOINT_FIELDS}
    current = {field: getattr(platform, field) for field in ENDPOINT_FIELDS}
    kept = changes(current, offered)
    before_scopes = list(platform.granted_scopes or [])
    platform.granted_scopes = list(granted_scopes)
    if values.product_family:
        platform.product_family = values.product_family
    new_deployments = []
    for deployment_id in values.deployment_ids:
        deployment = record_deployment(platform, deployment_id)  # unknown ones wait (pending)
        if deployment.status == "pending":
            new_deployments.append(deployment_id)
    if invite is not None:
        spend_invite(invite, platform, actor)
    record_event(
        actor,
        "platform.registration_updated",
        describe_platform(platform),
        {
            "granted_scopes": {"old": before_scopes, "new": list(granted_scopes)},
            "pending_deployments": new_deployments,
            "endpoints_offered_not_applied": kept,
        },
        platform_id=platform.id,
    )
    db.session.flush()
    return StoredRegistration(
        platform, updated=True, pending=not platform.is_active, endpoints_kept=tuple(kept)
    )
