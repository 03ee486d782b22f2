"""Host header poisoning: in production the tool's URLs never come from an untrusted Host."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from flask import Flask

from lti_tool import create_app
from tests.support.live_server import LiveServer, start_live_server

POISON = "evil.example"


@pytest.fixture
def production_settings(
    monkeypatch: pytest.MonkeyPatch, database_url: str, app: Flask
) -> dict[str, Any]:
    """Production settings on the migrated test database, with neither setting from the
    environment."""
    from config import settings

    monkeypatch.setattr(settings.ProductionConfig, "TOOL_BASE_URL", None)
    monkeypatch.setattr(settings.ProductionConfig, "TRUSTED_HOSTS", None)
    return {
        "ENV_NAME": "production",
        "SECRET_KEY": "production-test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "QUEUE_URL": "memory://",
    }


@pytest.fixture
def serve() -> Iterator[Any]:
    servers: list[LiveServer] = []

    def start(settings: dict[str, Any]) -> LiveServer:
        servers.append(start_live_server(create_app(settings)))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def test_production_refuses_to_start_without_a_trusted_base_url(
    production_settings: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from config import settings

    monkeypatch.setattr(settings.ProductionConfig, "SECRET_KEY", "production-test-secret")
    with pytest.raises(RuntimeError, match=r"TOOL_BASE_URL is not set.*TRUSTED_HOSTS"):
        create_app("production")
    with pytest.raises(RuntimeError, match="TOOL_BASE_URL is not set"):
        create_app(production_settings)


def test_trusted_hosts_refuse_a_poisoned_host(
    production_settings: dict[str, Any], serve: Any
) -> None:
    server = serve({**production_settings, "TRUSTED_HOSTS": ["127.0.0.1"]})
    url = f"{server.tool_url}/lti/canvas.json"
    poisoned = requests.get(url, headers={"Host": POISON}, timeout=10)
    assert poisoned.status_code == 400
    assert POISON not in poisoned.text
    assert "not one this tool answers to" in poisoned.text
    genuine = requests.get(url, timeout=10)
    assert genuine.status_code == 200
    assert genuine.json()["oidc_initiation_url"] == f"{server.tool_url}/lti/login"


def test_tool_base_url_is_never_taken_from_the_host(
    production_settings: dict[str, Any], serve: Any
) -> None:
    base = "https://reciprocal.example.edu"
    server = serve({**production_settings, "TOOL_BASE_URL": base})
    response = requests.get(
        f"{server.tool_url}/lti/canvas.json", headers={"Host": POISON}, timeout=10
    )
    assert response.status_code == 200
    assert POISON not in response.text
    assert response.json()["oidc_initiation_url"] == f"{base}/lti/login"
