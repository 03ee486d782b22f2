"""Registration invites: the only way an LMS registers itself unless open registration is on.

A tool admin mints an invite (admin page or ``flask platforms invite``); its URL
``/lti/register?invite=<token>`` goes to the LMS admin, who pastes it into the LMS. The token is
unguessable (256 bits), expires, is single use and may be limited to one issuer; only its
SHA-256 hash is stored. It is spent in the transaction that stores the registration, so a
failed attempt does not burn it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lti_tool.core.audit import record_event
from lti_tool.core.time import utcnow
from lti_tool.errors import DomainError, RegistrationError
from lti_tool.extensions import db
from lti_tool.platforms.models import Platform, RegistrationInvite

INVITE_PARAM = "invite"
ASK_FOR_INVITE = _l(
    "Ask the administrator of this Reciprocal installation for a registration URL (they make "
    "one on the tool's admin page or with 'flask platforms invite'), then paste that URL into "
    "your LMS."
)


class InviteRefused(RegistrationError):
    title = _l("This registration URL cannot be used")
    hint = ASK_FOR_INVITE


@dataclass(frozen=True)
class MintedInvite:
    invite: RegistrationInvite
    token: str  # shown once; never stored


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_issuer(issuer: str) -> str:
    return issuer.strip().rstrip("/")


def mint_invite(
    *, actor: str, ttl: dt.timedelta, issuer: str | None = None, note: str | None = None
) -> MintedInvite:
    """A new invite; the caller shows ``token`` (in its URL) once and commits."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    invite = RegistrationInvite(
        token_hash=hash_token(token),
        issuer=normalise_issuer(issuer) if issuer and issuer.strip() else None,
        note=(note or "").strip()[:200] or None,
        created_by=actor[:300],
        created_at=now,
        expires_at=now + ttl,
    )
    db.session.add(invite)
    db.session.flush()
    record_event(
        actor,
        "invite.minted",
        f"invite {invite.id}",
        {
            "issuer": invite.issuer,
            "note": invite.note,
            "expires_at": invite.expires_at.isoformat(),
        },
    )
    return MintedInvite(invite, token)


def invite_url(register_url: str, token: str) -> str:
    """The registration URL an LMS admin pastes: the tool's ``/lti/register`` with the invite."""
    return f"{register_url}?{urlencode({INVITE_PARAM: token})}"


def get_usable_invite(token: str) -> RegistrationInvite:
    """The unspent, unexpired invite behind ``token``.

    :raise InviteRefused: unknown (401), already used or expired (410).
    """
    invite = db.session.scalars(
        sa.select(RegistrationInvite).where(RegistrationInvite.token_hash == hash_token(token))
    ).first()
    if invite is None:
        raise InviteRefused(
            _("This registration URL is not one this tool made (its invite is unknown)."),
            status_code=401,
        )
    if invite.used_at is not None:
        raise InviteRefused(
            _(
                "This registration URL has already been used to register an LMS; "
                "each one works once."
            ),
            status_code=410,
        )
    if invite.is_expired(utcnow()):
        raise InviteRefused(
            _(
                "This registration URL expired on %(expires_at)s UTC.",
                expires_at=format(invite.expires_at, "%Y-%m-%d %H:%M"),
            ),
            status_code=410,
        )
    return invite


def check_invite_issuer(invite: RegistrationInvite, issuer: str) -> None:
    """:raise InviteRefused: (403) the invite is for another LMS."""
    if invite.issuer is not None and normalise_issuer(issuer) != invite.issuer:
        raise InviteRefused(
            _(
                "This registration URL is for the LMS %(issuer)s, not for %(issuer2)s.",
                issuer=invite.issuer,
                issuer2=issuer,
            ),
            hint=_("Ask the tool's administrator for a registration URL for your LMS."),
            status_code=403,
        )


def spend_invite(invite: RegistrationInvite, platform: Platform, actor: str) -> None:
    """Mark the invite used by ``platform`` — atomically, so two registrations racing with
    one invite cannot both succeed.

    :raise InviteRefused: (410) another registration spent it meanwhile.
    """
    now = utcnow()
    spent = db.session.execute(
        sa.update(RegistrationInvite)
        .where(RegistrationInvite.id == invite.id, RegistrationInvite.used_at.is_(None))
        .values(used_at=now, platform_id=platform.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if spent != 1:
        raise InviteRefused(
            _("This registration URL has just been used by another registration."), status_code=410
        )
    db.session.refresh(invite)
    record_event(
        actor,
        "invite.used",
        f"invite {invite.id}",
        {
            "platform_id": platform.id,
            "issuer": platform.issuer,
            "client_id": platform.client_id,
        },
    )


def revoke_invite(invite: RegistrationInvite, actor: str) -> None:
    """Make an unused invite unusable from now on.

    :raise DomainError: it was already used or has expired.
    """
    now = utcnow()
    if invite.used_at is not None or invite.is_expired(now):
        raise DomainError(_("This invite is already used or expired."))
    invite.expires_at = now
    record_event(actor, "invite.revoked", f"invite {invite.id}", {"issuer": invite.issuer})


def recent_invites(limit: int = 20) -> list[RegistrationInvite]:
    return list(
        db.session.scalars(
            sa.select(RegistrationInvite).order_by(RegistrationInvite.id.desc()).limit(limit)
        )
    )
