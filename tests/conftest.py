"""App, database and live-server fixtures (pallets/flask tutorial style).

The schema is built by running the Alembic migrations, never by ``create_all``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade
from hypothesis import HealthCheck, settings

from lti_tool import create_app
from lti_tool.demo_lms.flavours import FLAVOURS
from lti_tool.demo_lms.registration import RegistrationResult, register_tool
from lti_tool.demo_lms.seed import seed_demo
from lti_tool.extensions import db
from tests.support import chromium
from tests.support.databases import throwaway_database
from tests.support.invites import invite_url_for
from tests.support.launching import Platform
from tests.support.live_server import LiveServer, start_live_server

# Hypothesis: "dev" is quick for a run while working, "ci" thorough. CI=true picks "ci";
# HYPOTHESIS_PROFILE=dev|ci overrides either way.
settings.register_profile(
    "dev", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE")
    or ("ci" if os.environ.get("CI", "").lower() in {"1", "true", "yes"} else "dev")
)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with throwaway_database(tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = create_app(
        {
            "ENV_NAME": "testing",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "DEMO_LMS_ENABLED": True,
        }
    )
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


class ToolClient(FlaskClient):
    """A test client that talks to the tool: ``localhost`` is the demo LMS's host name."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("base_url", "http://127.0.0.1")
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = ToolClient
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield
        db.session.rollback()
        db.session.remove()


@pytest.fixture(scope="session")
def live_server(app: Flask) -> Iterator[LiveServer]:
    server = start_live_server(app)
    app.config["TOOL_BASE_URL"] = server.tool_url
    yield server
    server.stop()


@pytest.fixture(scope="session")
def lms_url(live_server: LiveServer, app: Flask) -> str:
    """The demo LMS, seeded, on the live server."""
    with app.app_context():
        seed_demo(live_server.tool_url, live_server.lms_url)
        db.session.commit()
    return live_server.lms_url


@pytest.fixture(scope="session")
def tool_registrations(
    app: Flask, lms_url: str, live_server: LiveServer
) -> dict[str, RegistrationResult]:
    """The real tool registered in every demo LMS flavour by Dynamic Registration over HTTP,
    each through a registration URL minted for its issuer."""
    return {
        name: register_tool(lms_url, name, invite_url_for(app, live_server, name))
        for name in FLAVOURS
    }


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    root = Path(__file__).parent
    for item in items:
        if "browser" in Path(str(item.fspath)).relative_to(root).parts[0:1]:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def platforms(
    app: Flask, lms_url: str, tool_registrations: dict[str, RegistrationResult]
) -> dict[str, Platform]:
    """Each demo LMS flavour with the tool registered in it."""
    return {name: Platform(app, lms_url, name, reg) for name, reg in tool_registrations.items()}


@pytest.fixture(params=["spec", "moodle", "canvas"])
def platform(request: pytest.FixtureRequest, platforms: dict[str, Platform]) -> Platform:
    return platforms[request.param]


@pytest.fixture
def spec(platforms: dict[str, Platform]) -> Platform:
    return platforms["spec"]


chromium_context = pytest.fixture(scope="session")(chromium.chromium_context)
page = pytest.fixture(chromium.page)
