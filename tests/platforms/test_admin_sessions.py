"""Admin sign-in replayed over HTTP: guessing the secret, replaying a cookie after logout,
an expired session, a forged cookie of the old kind; what gets logged."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
import requests
import sqlalchemy as sa
from flask import Flask

from lti_tool.extensions import db
from lti_tool.platforms.admin_sessions import AdminSession
from tests.support.live_server import LiveServer

SECRET = "test-admin-secret"


@pytest.fixture
def fresh_limits(app: Flask) -> Iterator[None]:
    app.extensions["reciprocal.limiter"].reset()
    yield
    app.extensions["reciprocal.limiter"].reset()


def csrf_token(browser: requests.Session, url: str) -> str:
    page = browser.get(url, timeout=10)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, "page has no CSRF token"
    return match.group(1)


def sign_in(
    live_server: LiveServer, secret: str = SECRET
) -> tuple[requests.Session, requests.Response]:
    browser = requests.Session()
    login = f"{live_server.tool_url}/admin/login"
    answer = browser.post(
        login,
        data={"secret": secret, "csrf_token": csrf_token(browser, login)},
        allow_redirects=False,
        timeout=10,
    )
    return browser, answer


def dashboard_status(live_server: LiveServer, cookies: dict[str, str]) -> int:
    return requests.get(
        f"{live_server.tool_url}/admin/", cookies=cookies, allow_redirects=False, timeout=10
    ).status_code


def test_forty_wrong_secrets_meet_429_after_the_limit(
    live_server: LiveServer, fresh_limits: None
) -> None:
    browser = requests.Session()
    login = f"{live_server.tool_url}/admin/login"
    token = csrf_token(browser, login)
    statuses = [
        browser.post(
            login,
            data={"secret": f"guess-{n}", "csrf_token": token},
            allow_redirects=False,
            timeout=10,
        ).status_code
        for n in range(40)
    ]
    assert statuses[:5] == [401] * 5  # RATELIMIT_ADMIN_SIGN_IN: 5 per minute
    assert set(statuses[5:]) == {429}
    refused = browser.post(
        login, data={"secret": SECRET, "csrf_token": token}, allow_redirects=False, timeout=10
    )
    assert refused.status_code == 429  # the right secret waits too: guessing is pointless
    retry_after = int(refused.headers["Retry-After"])
    assert 0 < retry_after <= 60
    assert "Too many requests" in refused.text and f"Wait {retry_after} seconds" in refused.text
    as_json = browser.post(
        login,
        data={"secret": SECRET, "csrf_token": token},
        headers={"Accept": "application/json"},
        timeout=10,
    )
    assert as_json.status_code == 429 and as_json.json()["status"] == 429


def test_successful_sign_ins_do_not_use_up_the_limit(
    live_server: LiveServer, fresh_limits: None
) -> None:
    for _ in range(8):
        _, answer = sign_in(live_server)
        assert answer.status_code == 303


def test_cookie_replayed_after_logout_is_refused(
    live_server: LiveServer, app: Flask, fresh_limits: None
) -> None:
    browser, answer = sign_in(live_server)
    assert answer.status_code == 303
    stolen = browser.cookies.get_dict()
    assert dashboard_status(live_server, stolen) == 200
    dashboard = f"{live_server.tool_url}/admin/"
    logout = browser.post(
        f"{live_server.tool_url}/admin/logout",
        data={"csrf_token": csrf_token(browser, dashboard)},
        allow_redirects=False,
        timeout=10,
    )
    assert logout.status_code == 303
    replay = requests.get(dashboard, cookies=stolen, allow_redirects=False, timeout=10)
    assert replay.status_code == 303 and replay.headers["Location"].endswith("/admin/login")
    with app.app_context():
        newest = db.session.scalars(
            sa.select(AdminSession).order_by(AdminSession.id.desc())
        ).first()
        assert newest is not None and newest.revoked_at is not None


def test_expired_session_is_refused(
    live_server: LiveServer, app: Flask, fresh_limits: None
) -> None:
    browser, _ = sign_in(live_server)
    cookies = browser.cookies.get_dict()
    assert dashboard_status(live_server, cookies) == 200
    with app.app_context():
        row = db.session.scalars(sa.select(AdminSession).order_by(AdminSession.id.desc())).first()
        assert row is not None
        ttl = (row.expires_at - row.created_at).total_seconds()
        assert ttl == app.config["ADMIN_SESSION_TTL_SECONDS"] == 8 * 3600
        row.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        db.session.commit()
    assert dashboard_status(live_server, cookies) == 303


def test_a_signed_cookie_of_the_old_kind_is_not_enough(live_server: LiveServer, app: Flask) -> None:
    """Someone who learnt SECRET_KEY (or kept an old cookie) cannot mint an admin session:
    the cookie's id must name an open session in the database."""
    serializer = app.session_interface.get_signing_serializer(app)
    assert serializer is not None
    for forged in ({"is_admin": True}, {"admin_session": "made-up-id"}):
        cookie = serializer.dumps(forged)
        assert dashboard_status(live_server, {app.config["SESSION_COOKIE_NAME"]: cookie}) == 303


def test_sign_ins_and_failures_are_logged_without_the_secret(
    live_server: LiveServer, fresh_limits: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")
    sign_in(live_server, "wrong-secret-xyz")
    sign_in(live_server)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "Admin sign-in failed from 127.0.0.1" in logged
    assert "Admin signed in from 127.0.0.1" in logged
    assert SECRET not in logged and "wrong-secret-xyz" not in logged
