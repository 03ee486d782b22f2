"""Fixtures for testing the demo LMS over real HTTP against a throwaway tool.

``lms_url`` (the seeded demo LMS on the live server) comes from ``tests/conftest.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jwt
import pytest
import requests
from flask import Flask

from lti_tool.demo_lms.directory import get_course
from lti_tool.demo_lms.flavours import FLAVOURS
from lti_tool.demo_lms.registration import RegistrationResult, register_tool
from lti_tool.demo_lms.urls import platform_urls
from lti_tool.extensions import db
from tests.demo_lms.fake_tool import FakeTool
from tests.support.lti_browser import LtiBrowser


@pytest.fixture(scope="session")
def fake_tool(lms_url: str) -> Iterator[FakeTool]:
    tool = FakeTool(lms_url=lms_url)
    server = tool.start()
    yield tool
    server.stop()


@pytest.fixture(scope="session")
def registered(lms_url: str, fake_tool: FakeTool) -> dict[str, RegistrationResult]:
    """The fake tool registered in every flavour by Dynamic Registration over HTTP."""
    return {name: register_tool(lms_url, name, f"{fake_tool.url}/register") for name in FLAVOURS}


@pytest.fixture
def db_session(app: Flask) -> Iterator[Any]:
    """The shared database, inside an app context (commit what a test sets up)."""
    with app.app_context():
        yield db.session
        db.session.rollback()


@pytest.fixture
def pilot_course_id(app: Flask, lms_url: str) -> int:
    with app.app_context():
        return get_course().id


@pytest.fixture
def browser(lms_url: str) -> LtiBrowser:
    return LtiBrowser(lms_url)


def decode_id_token(lms_url: str, flavour: str, token: str, audience: str) -> dict[str, Any]:
    """Verify an id_token with the flavour's JWKS, as a tool does."""
    jwks = requests.get(platform_urls(lms_url, flavour).jwks_uri, timeout=10).json()
    kid = jwt.get_unverified_header(token)["kid"]
    key = jwt.PyJWK(next(k for k in jwks["keys"] if k["kid"] == kid)).key
    return jwt.decode(token, key, algorithms=["RS256"], audience=audience)
