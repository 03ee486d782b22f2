"""App wiring: settings, and URLs behind an HTTPS reverse proxy."""

from __future__ import annotations

import pytest
from flask import Flask

from lti_tool import create_app


def test_behind_an_https_proxy_urls_are_public(app: Flask, database_url: str) -> None:
    proxied = create_app(
        {
            "ENV_NAME": "testing",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "PROXY_FIX_HOPS": 1,
            "DEMO_LMS_ENABLED": False,
        }
    )
    response = proxied.test_client().get(
        "/lti/canvas.json",
        headers={
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "reciprocal.example.edu",
            "X-Forwarded-For": "203.0.113.9",
        },
    )
    document = response.get_json()
    assert document["oidc_initiation_url"] == "https://reciprocal.example.edu/lti/login"
    assert document["public_jwk_url"] == "https://reciprocal.example.edu/.well-known/jwks.json"


def test_proxy_headers_are_ignored_without_proxy_fix(database_url: str) -> None:
    direct = create_app(
        {"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": database_url, "DEMO_LMS_ENABLED": False}
    )
    response = direct.test_client().get(
        "/lti/canvas.json",
        base_url="http://127.0.0.1:8080",
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"},
    )
    assert response.status_code == 200
    document = response.get_json()
    # The URLs are the ones the request really reached, not the forwarded ones.
    assert document["oidc_initiation_url"] == "http://127.0.0.1:8080/lti/login"
    assert document["public_jwk_url"] == "http://127.0.0.1:8080/.well-known/jwks.json"


def test_production_refuses_to_start_without_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    from config import settings

    monkeypatch.setattr(settings.ProductionConfig, "SECRET_KEY", None)
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        create_app("production")
