"""Dynamic Registration, the tool's side, against each demo LMS flavour over real HTTP."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from lti_tool.core.lti_spec import AGS_LINEITEM_READ, AGS_SCORE, NRPS_READ
from lti_tool.demo_lms.registration import RegistrationFailed, register_tool
from lti_tool.extensions import db
from lti_tool.lti.registration import CANVAS_PRIVACY, tool_registration_document
from lti_tool.platforms.models import Platform as PlatformRow
from tests.support.invites import invite_token, invite_url_for
from tests.support.launching import Platform
from tests.support.live_server import LiveServer


def stored(platform: Platform) -> PlatformRow:
    with platform.app.app_context():
        row = db.session.scalars(
            sa.select(PlatformRow)
            .where(
                PlatformRow.issuer == platform.registration.issuer,
                PlatformRow.client_id == platform.client_id,
            )
            .options(selectinload(PlatformRow.deployments))
        ).one()
        row.deployment_ids = [d.deployment_id for d in row.deployments if d.is_active]
        db.session.expunge(row)
        return row


def test_registration_stores_platform_client_and_deployment(platform: Platform) -> None:
    row = stored(platform)
    assert row.registered_by == "dynamic"
    assert row.auth_login_url.startswith(platform.lms_url)
    assert row.key_set_url.startswith(platform.lms_url)
    assert platform.registration.deployment_id in row.deployment_ids
    assert NRPS_READ in row.granted_scopes and AGS_SCORE in row.granted_scopes
    expected_family = {"spec": "reciprocal-demo", "moodle": "moodle", "canvas": "canvas"}
    assert row.product_family == expected_family[platform.flavour]


def test_moodle_grants_lineitem_readonly_unasked(platforms: dict[str, Platform]) -> None:
    assert AGS_LINEITEM_READ in stored(platforms["moodle"]).granted_scopes


def test_tool_asks_canvas_for_public_privacy(app) -> None:
    with app.test_request_context("/lti/register"):
        canvas = tool_registration_document("canvas")
        moodle = tool_registration_document("moodle")
    assert canvas[CANVAS_PRIVACY] == "public"
    assert CANVAS_PRIVACY not in moodle
    assert moodle["response_types"] == ["id_token"]
    assert moodle["token_endpoint_auth_method"] == "private_key_jwt"


def test_granted_scopes_are_read_back(lms_url: str, live_server: LiveServer, app) -> None:
    result = register_tool(
        lms_url, "canvas", invite_url_for(app, live_server, "canvas"), withhold_scopes=[AGS_SCORE]
    )
    assert AGS_SCORE not in result.scopes
    assert "The LMS did not grant: Scores" in result.tool_page
    assert "Grade return will not work" in result.tool_page
    with app.app_context():
        row = db.session.scalars(
            sa.select(PlatformRow).where(PlatformRow.client_id == result.client_id)
        ).one()
        assert AGS_SCORE not in row.granted_scopes and NRPS_READ in row.granted_scopes


def test_registration_page_tells_moodle_admins_the_next_steps(
    platforms: dict[str, Platform],
) -> None:
    page = platforms["moodle"].registration.tool_page
    assert "Activate" in page and "Show in activity chooser" in page


def test_spent_registration_token_is_shown(lms_url: str, live_server: LiveServer, app) -> None:
    minted = requests.post(
        f"{lms_url}/moodle/admin/api/registration-tokens", json={}, timeout=10
    ).json()
    params = {
        "openid_configuration": minted["openid_configuration"],
        "registration_token": minted["registration_token"],
    }
    register = f"{live_server.tool_url}/lti/register"
    first = requests.get(register, params={"invite": invite_token(app), **params}, timeout=10)
    assert first.status_code == 200
    # A fresh invite with the spent token: the LMS refuses, and the invite survives it.
    second_invite = invite_token(app)
    again = requests.get(register, params={"invite": second_invite, **params}, timeout=10)
    assert again.status_code == 400
    assert "The tool could not be registered" in again.text
    assert "token_already_used" in again.text
    usable = requests.get(register, params={"invite": second_invite}, timeout=10)
    assert usable.status_code == 200 and f"invite={second_invite}" in usable.text


def test_register_without_parameters_explains_itself(live_server: LiveServer) -> None:
    page = requests.get(f"{live_server.tool_url}/lti/register", timeout=10)
    assert page.status_code == 200
    assert "registration URL" in page.text and "flask platforms invite" in page.text
    assert f"{live_server.tool_url}/lti/register?invite=" in page.text


@pytest.fixture
def lying_platform() -> Iterator[str]:
    """A configuration whose issuer is not the site it is served from (mocked at HTTP)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps(
                {
                    "issuer": "https://trusted-lms.example",
                    "authorization_endpoint": "https://trusted-lms.example/auth",
                    "token_endpoint": "https://trusted-lms.example/token",
                    "jwks_uri": "https://trusted-lms.example/jwks",
                    "registration_endpoint": "https://trusted-lms.example/register",
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/.well-known/openid-configuration"
    server.shutdown()
    server.server_close()


def test_issuer_must_prefix_the_configuration_url(
    live_server: LiveServer, lying_platform: str, app
) -> None:
    page = requests.get(
        f"{live_server.tool_url}/lti/register",
        params={
            "openid_configuration": lying_platform,
            "invite": invite_token(app),
            "registration_token": "x",
        },
        timeout=10,
    )
    assert page.status_code == 400
    assert "not the site it came from" in page.text


def test_unreachable_platform_configuration(live_server: LiveServer, app) -> None:
    page = requests.get(
        f"{live_server.tool_url}/lti/register",
        params={"openid_configuration": "http://127.0.0.1:9/config", "invite": invite_token(app)},
        headers={"Accept": "application/json"},
        timeout=10,
    )
    assert page.status_code == 502
    assert "could not reach" in page.json()["message"]


def test_re_registration_updates_instead_of_duplicating(
    platforms: dict[str, Platform], live_server: LiveServer
) -> None:
    spec = platforms["spec"]
    with spec.app.app_context():
        before = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(PlatformRow)
            .where(PlatformRow.client_id == spec.client_id)
        )
    assert before == 1
    with pytest.raises(RegistrationFailed):
        register_tool(spec.lms_url, "spec", f"{live_server.tool_url}/nowhere")


def test_registration_tokens_never_reach_the_logs(
    lms_url: str, live_server: LiveServer, caplog: pytest.LogCaptureFixture, app
) -> None:
    caplog.set_level("INFO")
    token = invite_token(app)
    result = register_tool(lms_url, "spec", f"{live_server.tool_url}/lti/register?invite={token}")
    assert result.client_id
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "GET /lti/register " in logged  # the request was logged, by path
    assert "registration_token" not in logged and "eyJ" not in logged
    assert token not in logged and "invite=" not in logged


def test_moodle_re_registration_updates_the_same_platform(
    lms_url: str, live_server: LiveServer, app
) -> None:
    first = register_tool(lms_url, "moodle", invite_url_for(app, live_server, "moodle"))
    assert "Reciprocal is registered" in first.tool_page
    # Moodle re-opens the URL the admin pasted; its invite is spent, and the update is
    # accepted because Moodle's reg-update token is signed by its registered key.
    update = register_tool(
        lms_url,
        "moodle",
        f"{live_server.tool_url}/lti/register",
        update_client_id=first.client_id,
        withhold_scopes=[AGS_SCORE],
    )
    assert "registration is updated" in update.tool_page
    assert (update.client_id, update.deployment_id) == (first.client_id, first.deployment_id)
    with app.app_context():
        rows = db.session.scalars(
            sa.select(PlatformRow)
            .where(PlatformRow.issuer == first.issuer, PlatformRow.client_id == first.client_id)
            .options(selectinload(PlatformRow.deployments))
        ).all()
        assert len(rows) == 1
        assert AGS_SCORE not in rows[0].granted_scopes  # what the update granted, read back
        assert [d.deployment_id for d in rows[0].deployments] == [first.deployment_id]
