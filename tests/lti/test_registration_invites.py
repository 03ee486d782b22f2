"""Registration cannot give the tool away: invites, open registration, hostile updates.

Each test replays an attack over HTTP against the live tool, with a platform of its own
(tests/support/hostile_lms.py) playing the attacker's LMS.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from html import unescape
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import selectinload

from lti_tool.core.audit import AuditEvent
from lti_tool.extensions import db
from lti_tool.platforms.invites import hash_token
from lti_tool.platforms.models import Platform, RegistrationInvite
from lti_tool.platforms.services import PlatformValues, add_platform, decide_platform
from tests.platforms.test_admin import csrf_from
from tests.support.hostile_lms import HostileLms, running
from tests.support.invites import invite_token
from tests.support.live_server import LiveServer

NOT_CHANGED = (
    "name",
    "auth_login_url",
    "auth_token_url",
    "key_set_url",
    "granted_scopes",
    "status",
)


@pytest.fixture
def hostile() -> Iterator[HostileLms]:
    with running(HostileLms()) as lms:
        yield lms


def register(
    live_server: LiveServer, lms: HostileLms, token: str | None = None, **params: str
) -> requests.Response:
    return requests.get(
        f"{live_server.tool_url}/lti/register",
        params={
            "openid_configuration": lms.config_url,
            "registration_token": token or lms.registration_token(),
            **params,
        },
        timeout=20,
    )


def platform_row(app: Flask, issuer: str, client_id: str) -> Platform | None:
    with app.app_context():
        row = db.session.scalars(
            sa.select(Platform)
            .where(Platform.issuer == issuer, Platform.client_id == client_id)
            .options(selectinload(Platform.deployments))
        ).first()
        if row is not None:
            row.deployment_list = sorted((d.deployment_id, d.status) for d in row.deployments)
            db.session.expunge(row)
        return row


def invite_row(app: Flask, token: str) -> RegistrationInvite:
    with app.app_context():
        row = db.session.scalars(
            sa.select(RegistrationInvite).where(RegistrationInvite.token_hash == hash_token(token))
        ).one()
        db.session.expunge(row)
        return row


def actions(app: Flask, subject_part: str) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(AuditEvent.action)
                .where(AuditEvent.subject.contains(subject_part))
                .order_by(AuditEvent.id)
            )
        )


def test_registration_without_invite_is_refused_before_any_call(
    live_server: LiveServer, hostile: HostileLms, app: Flask
) -> None:
    page = register(live_server, hostile)
    assert page.status_code == 401
    assert "registration URL made by its administrator" in page.text
    assert "flask platforms invite" in page.text and "Traceback" not in page.text
    assert hostile.requests == []  # the tool did not even read the configuration
    assert platform_row(app, hostile.base_url, hostile.client_id) is None


def test_invite_registers_once_and_is_stored_only_as_a_hash(
    live_server: LiveServer, hostile: HostileLms, app: Flask
) -> None:
    token = invite_token(app)
    page = register(live_server, hostile, invite=token)
    assert page.status_code == 200 and "Reciprocal is registered" in page.text
    row = platform_row(app, hostile.base_url, hostile.client_id)
    assert row is not None and row.status == "active" and row.registered_by == "dynamic"
    invite = invite_row(app, token)
    assert invite.used_at is not None and invite.platform_id == row.id
    assert token not in repr(vars(invite))  # only the hash is kept
    assert {"invite.minted", "invite.used"} <= set(actions(app, f"invite {invite.id}"))
    assert "platform.registered" in actions(app, f"platform {row.id} ")

    again = register(live_server, hostile, invite=token)
    assert again.status_code == 410 and "already been used" in again.text


@pytest.mark.parametrize(
    ("make", "status", "words"),
    [
        (lambda app: "not-a-token-this-tool-made", 401, "not one this tool made"),
        (lambda app: invite_token(app, ttl=dt.timedelta(seconds=-1)), 410, "expired"),
        (
            lambda app: invite_token(app, issuer="https://moodle.example.edu"),
            403,
            "only for the LMS https://moodle.example.edu",
        ),
    ],
    ids=["unknown", "expired", "wrong-issuer"],
)
def test_unusable_invites_are_refused_and_nothing_registers(
    live_server: LiveServer, hostile: HostileLms, app: Flask, make, status: int, words: str
) -> None:
    token = make(app)
    page = register(live_server, hostile, invite=token)
    assert page.status_code == status, page.text[:500]
    assert words.replace("only for", "for") in page.text
    assert "This registration URL cannot be used" in page.text
    assert hostile.posts() == []  # refused before the tool registered anywhere
    assert platform_row(app, hostile.base_url, hostile.client_id) is None
    bare = requests.get(
        f"{live_server.tool_url}/lti/register", params={"invite": token}, timeout=10
    )
    assert bare.status_code == (status if status != 403 else 200)


def test_failed_registration_does_not_burn_the_invite(
    live_server: LiveServer, hostile: HostileLms, app: Flask
) -> None:
    token = invite_token(app)
    hostile.registration_status = 400
    assert register(live_server, hostile, invite=token).status_code == 400
    assert invite_row(app, token).used_at is None
    hostile.registration_status = 200
    assert register(live_server, hostile, invite=token).status_code == 200
    assert invite_row(app, token).used_at is not None


def test_open_registration_waits_for_approval(
    live_server: LiveServer, hostile: HostileLms, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "OPEN_REGISTRATION", True)
    help_page = requests.get(f"{live_server.tool_url}/lti/register", timeout=10)
    assert "approves your LMS" in help_page.text
    page = register(live_server, hostile)
    assert page.status_code == 200 and "waits for approval" in page.text
    row = platform_row(app, hostile.base_url, hostile.client_id)
    assert row is not None and row.status == "pending"

    login = {
        "iss": hostile.base_url,
        "client_id": hostile.client_id,
        "login_hint": "attacker",
        "target_link_uri": f"{live_server.tool_url}/lti/launch",
    }
    refused = requests.get(
        f"{live_server.tool_url}/lti/login", params=login, allow_redirects=False, timeout=10
    )
    assert refused.status_code == 403
    assert "waits for the tool administrator's approval" in unescape(refused.text)

    admin = requests.Session()
    form = admin.get(f"{live_server.tool_url}/admin/login", timeout=10).text
    admin.post(
        f"{live_server.tool_url}/admin/login",
        data={"secret": "test-admin-secret", "csrf_token": csrf_from(form)},
        timeout=10,
    )
    dashboard = admin.get(f"{live_server.tool_url}/admin/", timeout=10).text
    assert "LMSs waiting for approval" in dashboard and hostile.base_url in dashboard
    approved = admin.post(
        f"{live_server.tool_url}/admin/platforms/{row.id}/approve",
        data={"csrf_token": csrf_from(dashboard)},
        allow_redirects=False,
        timeout=10,
    )
    assert approved.status_code == 303
    accepted = requests.get(
        f"{live_server.tool_url}/lti/login", params=login, allow_redirects=False, timeout=10
    )
    assert accepted.status_code == 302
    assert accepted.headers["Location"].startswith(f"{hostile.base_url}/auth")
    assert "platform.approved" in actions(app, f"platform {row.id} ")


@pytest.fixture
def registered_lms(app: Flask) -> Iterator[tuple[HostileLms, HostileLms]]:
    """A real LMS (its keys) registered under an issuer the attacker can also serve
    documents from — say, a user-writable page on the LMS's host. The attacker lacks only
    the LMS's signing key."""
    with running(HostileLms(kid="real-key")) as real, running(HostileLms()) as attacker:
        attacker.client_id = "real-client"
        with app.app_context():
            add_platform(
                PlatformValues(
                    name="Real LMS",
                    issuer=attacker.base_url,
                    client_id="real-client",
                    auth_login_url=f"{real.base_url}/auth",
                    auth_token_url=f"{real.base_url}/token",
                    key_set_url=f"{real.base_url}/jwks",
                    deployment_ids=("1",),
                ),
                actor="tests",
            )
            db.session.commit()
        yield real, attacker


def snapshot(app: Flask, attacker: HostileLms) -> dict:
    row = platform_row(app, attacker.base_url, "real-client")
    assert row is not None
    return {**{f: getattr(row, f) for f in NOT_CHANGED}, "deployments": row.deployment_list}


def test_hostile_re_registration_with_an_invite_cannot_change_a_platform(
    live_server: LiveServer, app: Flask, registered_lms
) -> None:
    _real, attacker = registered_lms
    attacker.deployment_id = "666"
    before = snapshot(app, attacker)
    token = invite_token(app)
    page = register(live_server, attacker, attacker.registration_token(), invite=token)
    assert page.status_code == 403
    assert "not signed by that LMS's key. Nothing was changed." in unescape(page.text)
    assert snapshot(app, attacker) == before
    assert invite_row(app, token).used_at is None


def test_hostile_update_token_without_invite_is_refused_before_any_call(
    live_server: LiveServer, app: Flask, registered_lms
) -> None:
    _real, attacker = registered_lms
    before = snapshot(app, attacker)
    page = register(live_server, attacker, attacker.registration_token(scope="reg-update"))
    assert page.status_code == 401
    assert attacker.requests == []
    assert snapshot(app, attacker) == before


def test_update_signed_by_the_registered_key_keeps_endpoints(
    live_server: LiveServer, app: Flask, registered_lms
) -> None:
    """The positive control: the key the tool already trusts may update — scopes only; the
    key set URL the new configuration names (the attacker's) is not applied."""
    real, attacker = registered_lms
    attacker.deployment_id = "2"
    token = real.registration_token(scope="reg-update")  # signed by the registered key
    page = register(live_server, attacker, token)
    assert page.status_code == 200, page.text[:500]
    assert "registration is updated" in page.text and "kept its registered values" in page.text
    row = platform_row(app, attacker.base_url, "real-client")
    assert row.key_set_url == f"{real.base_url}/jwks"
    assert ("2", "pending") in row.deployment_list  # a new deployment waits for approval
    assert "platform.registration_updated" in actions(app, f"platform {row.id} ")


def test_launch_from_an_lms_rejected_after_login_is_refused(
    live_server: LiveServer, hostile: HostileLms, app: Flask
) -> None:
    """Approval is checked at the launch too, not only at login initiation."""
    assert register(live_server, hostile, invite=invite_token(app)).status_code == 200
    login = requests.get(
        f"{live_server.tool_url}/lti/login",
        allow_redirects=False,
        timeout=10,
        params={
            "iss": hostile.base_url,
            "client_id": hostile.client_id,
            "login_hint": "x",
            "target_link_uri": f"{live_server.tool_url}/lti/launch",
        },
    )
    assert login.status_code == 302
    auth = parse_qs(urlsplit(login.headers["Location"]).query)
    with app.app_context():
        row = db.session.scalars(
            sa.select(Platform).where(Platform.issuer == hostile.base_url)
        ).one()
        decide_platform(row, "reject", actor="tests")
        db.session.commit()
    now = int(time.time())
    claim = "https://purl.imsglobal.org/spec/lti/claim/"
    id_token = jwt.encode(
        {
            "iss": hostile.base_url,
            "aud": hostile.client_id,
            "sub": "u1",
            "iat": now,
            "exp": now + 60,
            "nonce": auth["nonce"][0],
            claim + "message_type": "LtiResourceLinkRequest",
            claim + "version": "1.3.0",
            claim + "deployment_id": hostile.deployment_id,
            claim + "roles": [],
            claim + "resource_link": {"id": "r1"},
        },
        hostile.key,
        algorithm="RS256",
        headers={"kid": hostile.kid},
    )
    launch = requests.post(
        f"{live_server.tool_url}/lti/launch",
        timeout=10,
        data={"id_token": id_token, "state": auth["state"][0]},
        headers={"User-Agent": login.request.headers["User-Agent"]},
        cookies=login.cookies,
        allow_redirects=False,
    )
    assert launch.status_code == 403
    assert "refused the registration of your LMS" in unescape(launch.text)
