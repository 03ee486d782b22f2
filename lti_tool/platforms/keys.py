"""The tool's RSA keys: made on first start, published in the JWKS, rotated on demand.

The newest active key signs. ``rotate_keys`` adds a new key and retires the previous ones,
which stay published until their grace period ends so tokens signed just before the rotation
still verify at the platform.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from functools import lru_cache

import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from lti_tool.core.time import utcnow
from lti_tool.core.transaction import separate_unit
from lti_tool.extensions import db
from lti_tool.platforms.models import ToolKey

KEY_SIZE = 2048


def _b64u_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def public_jwk(public_key: rsa.RSAPublicKey, kid: str) -> dict:
    numbers = public_key.public_numbers()
    return {
        "kty": "RSA",
        "alg": "RS256",
        "use": "sig",
        "kid": kid,
        "n": _b64u_uint(numbers.n),
        "e": _b64u_uint(numbers.e),
    }


def new_tool_key() -> ToolKey:
    """A fresh 2048-bit RSA key; ``kid`` is the RFC 7638 thumbprint, so it is stable."""
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
    jwk = public_jwk(private_key.public_key(), kid="")
    thumbprint_input = f'{{"e":"{jwk["e"]}","kty":"RSA","n":"{jwk["n"]}"}}'.encode()
    kid = base64.urlsafe_b64encode(hashlib.sha256(thumbprint_input).digest()).rstrip(b"=")
    jwk["kid"] = kid.decode()
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return ToolKey(kid=jwk["kid"], private_key_pem=pem, public_jwk=jwk)


def find_signing_key() -> ToolKey | None:
    return db.session.scalars(
        sa.select(ToolKey)
        .where(ToolKey.retired_at.is_(None))
        .order_by(ToolKey.created_at.desc(), ToolKey.id.desc())
        .limit(1)
    ).first()


def ensure_signing_key() -> ToolKey:
    """The current signing key, made on first use if the tool has none yet (``flask keys
    ensure``, a registration, the first signature).

    The first key is written in a separate unit, not the caller's: whatever the key signs is
    checked by a platform fetching our JWKS, which must already publish it — a key that sat
    in an uncommitted transaction would be invisible there (and on SQLite the JWKS request
    would wait on the caller's write lock). Call it before the caller's unit writes.
    """
    key = find_signing_key()
    if key is None:
        with separate_unit():
            db.session.add(new_tool_key())
        key = find_signing_key()
        assert key is not None
    return key


def rotate_keys(grace: dt.timedelta) -> tuple[ToolKey, list[ToolKey]]:
    """Add a new signing key and retire every active one after ``grace``.

    :return: the new key and the keys retired.
    """
    retired = list(db.session.scalars(sa.select(ToolKey).where(ToolKey.retired_at.is_(None))))
    for key in retired:
        key.retire(grace)
    new_key = new_tool_key()
    # Created strictly after the retired keys, so it is the newest even on coarse clocks.
    new_key.created_at = utcnow()
    db.session.add(new_key)
    db.session.flush()
    return new_key, retired


def published_keys(now: dt.datetime | None = None) -> list[ToolKey]:
    now = now or utcnow()
    keys = db.session.scalars(
        sa.select(ToolKey)
        .where(sa.or_(ToolKey.retired_at.is_(None), ToolKey.published_until > now))
        .order_by(ToolKey.created_at.desc(), ToolKey.id.desc())
    )
    return list(keys)


def jwks_document() -> dict:
    return {"keys": [key.public_jwk for key in published_keys()]}


@lru_cache(maxsize=16)
def load_private_key(pem: str) -> rsa.RSAPrivateKey:
    """Parsing a PEM costs about a millisecond; signing keys are few and long-lived."""
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key
