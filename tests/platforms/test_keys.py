"""Tool keys: made on first start, published by kid, rotated with a grace period."""

from __future__ import annotations

import datetime as dt

import jwt
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from lti_tool.core.time import utcnow
from lti_tool.extensions import db
from lti_tool.platforms.keys import ensure_signing_key, find_signing_key, load_private_key
from lti_tool.platforms.models import ToolKey


def test_jwks_publishes_the_signing_key_with_cache_control(client: FlaskClient, app: Flask) -> None:
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert "max-age=" in response.headers["Cache-Control"]
    keys = response.get_json()["keys"]
    with app.app_context():
        signing = find_signing_key()
        assert signing is not None
        assert signing.kid in {k["kid"] for k in keys}
    assert all(k["kty"] == "RSA" and k["alg"] == "RS256" for k in keys)
    assert not any("d" in k or "p" in k for k in keys), "private parts must never be published"


def test_rotation_keeps_old_key_published_and_verifying(
    client: FlaskClient, app: Flask, runner: FlaskCliRunner
) -> None:
    with app.app_context():
        old = ensure_signing_key()
        db.session.commit()
        old_kid, old_pem = old.kid, old.private_key_pem
    token = jwt.encode({"sub": "x"}, load_private_key(old_pem), "RS256", headers={"kid": old_kid})

    result = runner.invoke(args=["keys", "rotate", "--grace-seconds", "3600"])
    assert result.exit_code == 0, result.output
    assert f"Retired {old_kid}" in result.output

    published = client.get("/.well-known/jwks.json").get_json()["keys"]
    by_kid = {k["kid"]: k for k in published}
    with app.app_context():
        new = find_signing_key()
        assert new is not None and new.kid != old_kid
        assert new.kid in by_kid
    assert old_kid in by_kid, "the retired key stays published during the grace period"
    # A token signed just before rotation still verifies against the published JWKS.
    public = jwt.PyJWK(by_kid[old_kid], algorithm="RS256")
    assert jwt.decode(token, public, algorithms=["RS256"])["sub"] == "x"


def test_retired_key_leaves_jwks_after_grace(
    client: FlaskClient, app: Flask, runner: FlaskCliRunner
) -> None:
    with app.app_context():
        before = ensure_signing_key().kid
        db.session.commit()
    assert runner.invoke(args=["keys", "rotate", "--grace-seconds", "0"]).exit_code == 0
    kids = {k["kid"] for k in client.get("/.well-known/jwks.json").get_json()["keys"]}
    assert before not in kids
    with app.app_context():
        row = db.session.scalars(sa.select(ToolKey).where(ToolKey.kid == before)).one()
        assert row.retired_at is not None and row.published_until <= utcnow()


def test_keys_list_cli(runner: FlaskCliRunner, app: Flask) -> None:
    result = runner.invoke(args=["keys", "list"])
    assert result.exit_code == 0
    with app.app_context():
        assert find_signing_key().kid in result.output


def test_published_until_is_timezone_aware(app: Flask) -> None:
    with app.app_context():
        key = ToolKey(kid="tz-probe", private_key_pem="-", public_jwk={})
        key.retire(dt.timedelta(seconds=5))
        db.session.add(key)
        db.session.flush()
        db.session.expire(key)
        assert key.published_until.tzinfo is not None
        db.session.rollback()
