"""The admin area: protected, CSRF-checked, shows the values to paste, accepts a platform."""

from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy.orm import selectinload

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
    for path in (
        "/lti/register",
        "/lti/canvas.json",
        "/lti/login",
        "/lti/launch",
        "/.well-known/jwks.json",
    ):
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
        platform = db.session.scalars(
            sa.select(Platform)
            .where(Platform.issuer == issuer)
            .options(selectinload(Platform.deployments))
        ).one()
        assert sorted(d.deployment_id for d in platform.deployments) == ["3", "4"]
        assert all(d.is_active for d in platform.deployments)


def test_pending_deployment_can_be_approved(client: FlaskClient, app: Flask) -> None:
    with app.app_context():
        platform = Platform(
            name="Pending test",
            issuer=f"https://p-{uuid.uuid4().hex[:6]}.example",
            client_id="c",
            auth_login_url="https://x/a",
            auth_token_url="https://x/t",
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
    response = client.post(
        f"/admin/deployments/{deployment_pk}/approve", data={"csrf_token": token}
    )
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Deployment, deployment_pk).status == "active"
    again = client.post(
        f"/admin/deployments/{deployment_pk}/approve",
        data={"csrf_token": token},
        headers={"Accept": "application/json"},
    )
    assert again.status_code == 409
    assert "already active" in again.get_json()["message"]


@pytest.mark.parametrize("missing", ["--issuer", "--jwks-url"])
def test_platforms_add_cli_requires_values(runner: FlaskCliRunner, missing: str) -> None:
    args = {
        "--name": "Canvas",
        "--issuer": "https://canvas.instructure.com",
        "--client-id": "1000",
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
    result = runner.invoke(
        args=[
            "platforms",
            "add",
            "--name",
            "Canvas",
            "--issuer",
            "https://canvas.instructure.com",
            "--client-id",
            client_id,
            "--auth-url",
            "https://sso.canvaslms.com/api/lti/authorize_redirect",
            "--token-url",
            "https://school.instructure.com/login/oauth2/token",
            "--jwks-url",
            "https://sso.canvaslms.com/api/lti/security/jwks",
            "--deployment-id",
            "1:abc",
        ]
    )
    assert result.exit_code == 0, result.output
    listing = runner.invoke(args=["platforms", "list"]).output
    assert client_id in listing and "1:abc (active)" in listing


def _platform_form(token: str, issuer: str, key_set_url: str, client_id: str = "abc123") -> dict:
    return {
        "csrf_token": token,
        "name": "Moodle (prod)",
        "issuer": issuer,
        "client_id": client_id,
        "auth_login_url": issuer + "/mod/lti/auth.php",
        "auth_token_url": issuer + "/mod/lti/token.php",
        "key_set_url": key_set_url,
        "deployment_ids": "3",
    }


def test_add_form_never_overwrites_a_platform(client: FlaskClient, app: Flask) -> None:
    """The original attack's last step: re-adding an issuer + client id with the attacker's
    key set URL. Refused (409) with a link to edit the platform; nothing changes."""
    token = sign_in(client)
    issuer = f"https://moodle-{uuid.uuid4().hex[:6]}.example.edu"
    assert (
        client.post(
            "/admin/platforms/new",
            data=_platform_form(token, issuer, issuer + "/mod/lti/certs.php"),
        ).status_code
        == 303
    )
    attack = client.post(
        "/admin/platforms/new", data=_platform_form(token, issuer, "https://attacker.example/jwks")
    )
    assert attack.status_code == 409
    text = attack.get_data(as_text=True)
    assert "already registered" in text and "Nothing was saved or changed" in text
    with app.app_context():
        platform = db.session.scalars(sa.select(Platform).where(Platform.issuer == issuer)).one()
        assert platform.key_set_url == issuer + "/mod/lti/certs.php"
        platform_id = platform.id
    assert f'href="/admin/platforms/{platform_id}/edit"' in text


def test_edit_page_changes_endpoints_explicitly_and_audits(client: FlaskClient, app: Flask) -> None:
    from lti_tool.core.audit import AuditEvent

    token = sign_in(client)
    issuer = f"https://moodle-{uuid.uuid4().hex[:6]}.example.edu"
    client.post("/admin/platforms/new", data=_platform_form(token, issuer, issuer + "/certs"))
    with app.app_context():
        platform = db.session.scalars(sa.select(Platform).where(Platform.issuer == issuer)).one()
        platform.jwks_json = {"keys": []}
        db.session.commit()
        platform_id = platform.id
    page = client.get(f"/admin/platforms/{platform_id}/edit").get_data(as_text=True)
    assert issuer + "/certs" in page and "Every change is recorded" in page
    form = {
        "csrf_token": token,
        "name": "Moodle (prod)",
        "auth_login_url": issuer + "/mod/lti/auth.php",
        "auth_token_url": issuer + "/mod/lti/token.php",
        "key_set_url": issuer + "/mod/lti/certs-new.php",
        "auth_audience": "",
    }
    bad = client.post(f"/admin/platforms/{platform_id}/edit", data={**form, "key_set_url": "x"})
    assert bad.status_code == 422 and "Enter a full URL" in bad.get_data(as_text=True)
    assert client.post(f"/admin/platforms/{platform_id}/edit", data=form).status_code == 303
    with app.app_context():
        platform = db.session.get(Platform, platform_id)
        assert platform.key_set_url == issuer + "/mod/lti/certs-new.php"
        assert platform.jwks_json is None  # keys of the old URL are not trusted any more
        event = db.session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.action == "platform.edited",
                AuditEvent.subject.contains(f"platform {platform_id} "),
            )
        ).one()
        assert event.actor == "tool admin (admin secret)"
        assert event.details["changes"] == {
            "key_set_url": {"old": issuer + "/certs", "new": issuer + "/mod/lti/certs-new.php"}
        }
        assert event.details["endpoints_changed"] == ["key_set_url"]
    assert "platform.edited" in client.get("/admin/").get_data(as_text=True)


def test_admin_mints_a_registration_url_shown_once(client: FlaskClient, app: Flask) -> None:
    from lti_tool.platforms.invites import hash_token
    from lti_tool.platforms.models import RegistrationInvite

    token = sign_in(client)
    made = client.post(
        "/admin/invites", data={"csrf_token": token, "issuer": "https://moodle.example.edu/"}
    )
    assert made.status_code == 201
    text = made.get_data(as_text=True)
    invite = re.search(r'value="http://127\.0\.0\.1(?::\d+)?/lti/register\?invite=([\w-]+)"', text)
    assert invite, text
    assert "only for the LMS <code>https://moodle.example.edu</code>" in text
    with app.app_context():
        row = db.session.scalars(
            sa.select(RegistrationInvite).where(
                RegistrationInvite.token_hash == hash_token(invite.group(1))
            )
        ).one()
        assert row.issuer == "https://moodle.example.edu"
        assert 6.9 < (row.expires_at - row.created_at).total_seconds() / 86400 <= 7
    dashboard = client.get("/admin/").get_data(as_text=True)
    assert invite.group(1) not in dashboard and "invite.minted" in dashboard
    revoked = client.post(f"/admin/invites/{row.id}/revoke", data={"csrf_token": token})
    assert revoked.status_code == 303
    again = client.post(
        f"/admin/invites/{row.id}/revoke",
        data={"csrf_token": token},
        headers={"Accept": "application/json"},
    )
    assert again.status_code == 409


def test_platforms_invite_cli(
    runner: FlaskCliRunner, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "TOOL_BASE_URL", None)
    result = runner.invoke(
        args=[
            "platforms",
            "invite",
            "--tool-url",
            "https://tool.example/",
            "--issuer",
            "https://canvas.instructure.com",
            "--days",
            "2",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "works once, only for https://canvas.instructure.com" in result.output
    assert re.search(
        r"^https://tool\.example/lti/register\?invite=[\w-]{40,}$", result.output, re.M
    )
    quiet = runner.invoke(
        args=["platforms", "invite", "--tool-url", "https://t.example", "--quiet"]
    )
    assert quiet.output.startswith("https://t.example/lti/register?invite=")
    assert runner.invoke(args=["platforms", "invite"]).exit_code != 0  # no tool URL known


def test_platforms_add_cli_refuses_an_existing_platform(runner: FlaskCliRunner) -> None:
    args = [
        "platforms",
        "add",
        "--name",
        "Canvas",
        "--issuer",
        "https://canvas.instructure.com",
        "--client-id",
        uuid.uuid4().hex[:8],
        "--auth-url",
        "https://sso.canvaslms.com/api/lti/authorize_redirect",
        "--token-url",
        "https://school.instructure.com/login/oauth2/token",
        "--jwks-url",
        "https://sso.canvaslms.com/api/lti/security/jwks",
    ]
    assert runner.invoke(args=args).exit_code == 0
    again = runner.invoke(args=[*args[:-1], "https://attacker.example/jwks"])
    assert again.exit_code != 0
    assert "already registered" in again.output and "/edit" in again.output
