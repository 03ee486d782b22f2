"""GET requests only read: a page view never changes what is stored (and so a prefetch, a
crawler or a reload cannot either). The exceptions are the two GETs the LTI specs impose:
the OIDC login initiation (``/lti/login``) and Dynamic Registration (``/lti/register``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask, has_request_context, request
from flask.testing import FlaskClient
from flask_migrate import upgrade

from lti_tool import create_app
from lti_tool.extensions import db
from lti_tool.platforms.models import ToolKey
from tests.platforms.test_admin import sign_in
from tests.support.databases import throwaway_database
from tests.support.launching import DESIGNER, LEARNER, Platform

WRITES = ("INSERT", "UPDATE", "DELETE")
SPEC_GETS_THAT_WRITE = ("/lti/login", "/lti/register")


@contextmanager
def writes_on_get(app: Flask) -> Iterator[list[str]]:
    """Write statements the tool (not the demo LMS) runs while answering a GET."""
    tool_hosts = {urlsplit(app.config["TOOL_BASE_URL"]).netloc, "127.0.0.1"}
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        if (
            has_request_context()
            and request.method in ("GET", "HEAD")
            and request.host in tool_hosts
            and request.path not in SPEC_GETS_THAT_WRITE
            and statement.lstrip().upper().startswith(WRITES)
        ):
            seen.append(f"{request.path}: {statement.split()[0:3]}")

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)


def test_pages_after_launches_and_the_admin_area_do_not_write(
    spec: Platform, client: FlaskClient
) -> None:
    with writes_on_get(spec.app) as seen:
        learner = spec.launch(LEARNER)  # lands on the learner's home (or the intake form)
        assert learner.status_code == 200, learner.text[:300]
        designer_browser = spec.browser()
        designer = spec.launch(DESIGNER, designer_browser)
        assert designer.status_code == 200, designer.text[:300]
        home = designer.url.rstrip("/")
        for page in ("/roster", "/programs/"):
            answer = designer_browser.request("GET", home + page)
            assert answer.status_code == 200, (page, answer.text[:300])
        assert client.get("/.well-known/jwks.json").status_code == 200
        sign_in(client)  # its POST writes; the dashboard GET after it must not
        assert client.get("/admin/").status_code == 200
    assert seen == []


def test_a_new_installation_makes_its_first_key_on_purpose_not_on_a_page_view(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """The JWKS and the admin dashboard used to make the first signing key on a GET."""
    with throwaway_database(tmp_path_factory.mktemp("fresh")) as url:
        fresh = create_app(
            {"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": url, "DEMO_LMS_ENABLED": False}
        )
        with fresh.app_context():
            upgrade()
        try:
            client = fresh.test_client()
            jwks = client.get("/.well-known/jwks.json")
            assert jwks.json == {"keys": []}
            assert jwks.headers["Cache-Control"] == "no-store"  # nobody keeps an empty set
            sign_in(client)
            assert client.get("/admin/").status_code == 200
            assert key_count(fresh) == 0
            made = fresh.test_cli_runner().invoke(args=["keys", "ensure"])
            assert made.exit_code == 0, made.output
            assert key_count(fresh) == 1
            jwks = client.get("/.well-known/jwks.json")
            assert len(jwks.json["keys"]) == 1
            assert jwks.headers["Cache-Control"] == "public, max-age=300"
        finally:
            with fresh.app_context():
                db.engine.dispose()


def key_count(app: Flask) -> int:
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(ToolKey))
        db.session.remove()
        return count
