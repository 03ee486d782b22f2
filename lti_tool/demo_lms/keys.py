"""Platform signing keys of each flavour: creation, rotation, JWKS and signing."""

from __future__ import annotations

import functools
import json
import secrets
from typing import Any

import jwt
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from lti_tool.core.time import utcnow
from lti_tool.demo_lms.models import DemoPlatformKey
from lti_tool.extensions import db

JWKS_MAX_AGE_SECONDS = 300


class NoPlatformKey(LookupError):
    """The flavour has no signing key yet: run ``flask demo seed``."""


def new_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def public_jwk(key: rsa.RSAPrivateKey | rsa.RSAPublicKey, kid: str) -> dict[str, Any]:
    """The public half of ``key`` as a JWK with ``kid``, ``alg`` and ``use``."""
    public = key.public_key() if isinstance(key, rsa.RSAPrivateKey) else key
    jwk = json.loads(RSAAlgorithm.to_jwk(public))
    jwk.update(kid=kid, alg="RS256", use="sig")
    return jwk


def create_platform_key(flavour: str) -> DemoPlatformKey:
    """Add a new signing key for ``flavour`` (it becomes the one that signs)."""
    key = new_rsa_key()
    kid = f"{flavour}-{secrets.token_hex(8)}"
    row = DemoPlatformKey(
        flavour=flavour, kid=kid, private_key_pem=private_pem(key), public_jwk=public_jwk(key, kid)
    )
    db.session.add(row)
    db.session.flush()
    return row


def ensure_platform_key(flavour: str) -> DemoPlatformKey:
    """The flavour's signing key, created if it has none."""
    try:
        return get_signing_key(flavour)
    except NoPlatformKey:
        return create_platform_key(flavour)


def rotate_platform_key(flavour: str) -> DemoPlatformKey:
    """Retire the current key and create a new one; the old key stays in the JWKS."""
    now = utcnow()
    db.session.execute(
        sa.update(DemoPlatformKey)
        .where(DemoPlatformKey.flavour == flavour, DemoPlatformKey.retired_at.is_(None))
        .values(retired_at=now)
    )
    return create_platform_key(flavour)


def get_signing_key(flavour: str) -> DemoPlatformKey:
    """The newest unretired key of ``flavour``.

    :raise NoPlatformKey: when the flavour has no key.
    """
    row = db.session.scalars(
        sa.select(DemoPlatformKey)
        .where(DemoPlatformKey.flavour == flavour, DemoPlatformKey.retired_at.is_(None))
        .order_by(DemoPlatformKey.id.desc())
        .limit(1)
    ).first()
    if row is None:
        raise NoPlatformKey(f"The {flavour} flavour has no platform key; run `flask demo seed`.")
    return row


def published_jwks(flavour: str) -> dict[str, list[dict[str, Any]]]:
    """Every key of the flavour, newest first (retired keys stay published)."""
    rows = db.session.scalars(
        sa.select(DemoPlatformKey)
        .where(DemoPlatformKey.flavour == flavour)
        .order_by(DemoPlatformKey.id.desc())
    )
    return {"keys": [row.public_jwk for row in rows]}


@functools.lru_cache(maxsize=32)
def _load_private_key(pem: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def sign_with_platform_key(
    flavour: str,
    claims: dict[str, Any],
    *,
    key: DemoPlatformKey | None = None,
    headers: dict[str, Any] | None = None,
) -> str:
    """Sign ``claims`` as RS256 with the flavour's current key (or ``key``)."""
    key = key or get_signing_key(flavour)
    merged = {"kid": key.kid, **(headers or {})}
    return jwt.encode(
        claims, _load_private_key(key.private_key_pem), algorithm="RS256", headers=merged
    )
