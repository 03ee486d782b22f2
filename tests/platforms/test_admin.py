"""The admin area: protected, CSRF-checked, shows the values to paste, accepts a platform."""

from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from lti_tool.extensions import db
from lti_tool.platforms.models import Deployment, Platform


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def sign_in(client: FlaskClient) -> str:
    page = client.get("/admin/login").get_data(as_text=True)
    response = client.post(
        "/admin/login", data={"secret": "test-admin-secret", "csrf_token": csrf_from(page)}
    )
    assert response.status_code == 303
    return csrf_from(client.get("/admin/").get_data(as_text=True))


def test_admin_requires_sign_in(client: FlaskClient) -> None:
    response = client.get("/admin/")
    assert response.status_code == 303 and response.location.endswith("/admin/login")
    as_json = client.get("/admin/", headers={"Accept": "application/json"})
    assert as_json.status_code == 401
    assert "admin secret" in as_json.get_json()["message"]


def test_wrong_secret_is_refused(client: FlaskClient) -> None:
    page = client.get("/admin/login").get_data(as_text=True)
    response = client.post("/admin/login", data={"secret": "nope", "csrf_token": csrf_from(page)})
    assert response.status_code == 401
    assert "not the admin secret" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 303


def test_form_without_csrf_token_is_refused(client: FlaskClient) -> None:
    response = client.post("/admin/login", data={"secret": "test-admin-secret"})
    assert response.status_code == 403
    assert "security token" in response.get_data(as_text=True)


def test_dashboard_shows_values_to_paste(client: FlaskClient) -> None:
    sign_in(client)
    html = client.get("/admin/").get_data(as_text=True)
    for path in ("/lti/register", "/lti/canvas.json", "/lti/login", "/lti/launch",
                 "/.well-known/jwks.json"):
        assert path in html
    assert "BEGIN PRIVATE KEY" not in html


def test_add_platform_validates_then_saves(client: FlaskClient, app: Flask) -> None:
    token = sign_in(client)
    bad = client.post(
        "/admin/platforms/new",
        data={"csrf_token": token, "name": "", "issuer": "not a url", "client_id": "c"},
    )
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "This value is required." in text and "Enter a full URL" in text

    issuer = f"https://moodle-{uuid.uuid4().hex[:6]}.example.edu"
    good = client.post(
        "/admin/platforms/new",
        data={
            "csrf_token": token,
            "name": "Moodle (prod)",
            "issuer": issuer,
            "client_id": "abc123",
            "auth_login_url": issuer + "/mod/lti/auth.php",
            "auth_token_url": issuer + "/mod/lti/token.php",
            "key_set_url": issuer + "/mod/lti/certs.php",
            "deployment_ids": "3, 4",
        },
    )
    assert good.status_code == 303
    with app.app_context():
        platform = db.session.scalars(sa.select(Platform).where(Platform.issuer == issuer)).one()
        assert sorted(d.deployment_id for d in platform.deployments) == ["3", "4"]
        assert all(d.is_active for d in platform.deployments)


def test_pending_deployment_can_be_approved(client: FlaskClient, app: Flask) -> None:
    with app.app_context():
        platform = Platform(
            name="Pending test", issuer=f"https://p-{uuid.uuid4().hex[:6]}.example",
            client_id="c", auth_login_url="https://x/a", auth_token_url="https://x/t",
            key_set_url="https://x/k",
        )
        db.session.add(platform)
        db.session.flush()
        deployment = Deployment(platform_id=platform.id, deployment_id="77", status="pending")
        db.session.add(deployment)
        db.session.commit()
        deployment_pk = deployment.id
    token = sign_in(client)
    assert "77" in client.get("/admin/").get_data(as_text=True)
    response = client.post(f"/admin/deployments/{deployment_pk}/approve",
                           data={"csrf_token": token})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Deployment, deployment_pk).status == "active"
    again = client.post(f"/admin/deployments/{deployment_pk}/approve", data={"csrf_token": token},
                        headers={"Accept": "application/json"})
    assert again.status_code == 409
    assert "already active" in again.get_json()["message"]


@pytest.mark.parametrize("missing", ["--issuer", "--jwks-url"])
def test_platforms_add_cli_requires_values(runner: FlaskCliRunner, missing: str) -> None:
    args = {
        "--name": "Canvas", "--issuer": "https://canvas.instructure.com", "--client-id": "1000",
        "--auth-url": "https://sso.canvaslms.com/api/lti/authorize_redirect",
        "--token-url": "https://school.instructure.com/login/oauth2/token",
        "--jwks-url": "https://sso.canvaslms.com/api/lti/security/jwks",
    }
    del args[missing]
    result = runner.invoke(args=["platforms", "add", *[x for kv in args.items() for x in kv]])
    assert result.exit_code != 0
    assert missing in result.output


def test_platforms_add_cli_saves(runner: FlaskCliRunner, app: Flask) -> None:
    client_id = uuid.uuid4().hex[:8]
    result = runner.invoke(args=[
        "platforms", "add", "--name", "Canvas", "--issuer", "https://canvas.instructure.com",
        "--client-id", client_id,
        "--auth-url", "https://sso.canvaslms.com/api/lti/authorize_redirect",
        "--token-url", "https://school.instructure.com/login/oauth2/token",
        "--jwks-url", "https://sso.canvaslms.com/api/lti/security/jwks",
        "--deployment-id", "1:abc",
    ])
    assert result.exit_code == 0, result.output
    listing = runner.invoke(args=["platforms", "list"]).output
    assert client_id in listing and "1:abc (active)" in listing
