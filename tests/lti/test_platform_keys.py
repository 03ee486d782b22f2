"""The platforms' JWKS cache: stale-if-error, single-flight refresh, back-off, Cache-Control."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa
from flask import Flask

from lti_tool.core.time import utcnow
from lti_tool.demo_lms.registration import register_tool
from lti_tool.errors import LaunchError
from lti_tool.extensions import db
from lti_tool.lti import platform_keys
from lti_tool.lti.platform_keys import cache_lifetime, platform_key
from lti_tool.platforms.models import Platform as PlatformRow
from tests.support.invites import invite_url_for
from tests.support.launching import LEARNER, Platform, assert_refused, launch_with, other_key
from tests.support.live_server import LiveServer


class BrokenLms(ThreadingHTTPServer):
    """A key set URL that answers ``status`` with ``body``, counting the requests."""

    def __init__(self, status: int = 500, body: bytes = b"Internal Server Error") -> None:
        self.hits = 0
        self.status, self.body = status, body
        counter = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with counter:
                    server.hits += 1
                self.send_response(server.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(server.body)))
                self.end_headers()
                self.wfile.write(server.body)

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server_port}/certs"


@pytest.fixture
def broken_lms() -> Iterator[BrokenLms]:
    server = BrokenLms()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def own_platform(
    app: Flask, lms_url: str, live_server: LiveServer, tool_registrations: dict
) -> Platform:
    """A registration of its own in the spec flavour: its key cache is this test's alone."""
    registration = register_tool(lms_url, "spec", invite_url_for(app, live_server, "spec"))
    return Platform(app, lms_url, "spec", registration)


def _row(platform: Platform) -> PlatformRow:
    return db.session.scalars(
        sa.select(PlatformRow).where(PlatformRow.client_id == platform.client_id)
    ).one()


def _keys_expired_and_unreachable(platform: Platform, url: str, expired_for: dt.timedelta) -> str:
    """Point the platform's key set URL at ``url``, its cached keys expired; the old URL."""
    with platform.app.app_context():
        row = _row(platform)
        assert row.jwks_json is not None, "the platform's keys were cached by a first launch"
        original = row.key_set_url
        row.key_set_url = url
        row.jwks_expires_at = utcnow() - expired_for
        db.session.commit()
    return original


def _restore(platform: Platform, url: str) -> None:
    with platform.app.app_context():
        _row(platform).key_set_url = url
        db.session.commit()


def _lands(platform: Platform) -> bool:
    page = platform.launch(LEARNER)
    return page.status_code == 200 and "Hello, Amara Okafor" in page.text


def test_known_kids_launch_while_the_jwks_endpoint_is_down(
    own_platform: Platform, broken_lms: BrokenLms
) -> None:
    assert _lands(own_platform)
    original = _keys_expired_and_unreachable(own_platform, broken_lms.url, dt.timedelta(minutes=10))
    try:
        with ThreadPoolExecutor(max_workers=20) as pool:
            outcomes = list(pool.map(lambda _: _lands(own_platform), range(20)))
        assert outcomes.count(False) == 0, f"{outcomes.count(False)} of 20 launches failed"
        # One fetch during the outage, then back-off (a second one if the test ran > 10 s).
        assert 1 <= broken_lms.hits <= 2, broken_lms.hits

        # A kid the tool has never seen is refused with a page that says why.
        response = launch_with(own_platform, key=other_key(), headers={"kid": "never-seen"})
        assert_refused(response, 502, "never-seen", "could not be fetched")
        assert broken_lms.hits <= 2, "back-off: the failing endpoint is not asked again"
    finally:
        _restore(own_platform, original)
    # The LMS is back: the next launch refreshes the keys.
    assert _lands(own_platform)


def test_keys_expired_beyond_the_stale_limit_are_not_used(
    own_platform: Platform, broken_lms: BrokenLms
) -> None:
    assert _lands(own_platform)
    original = _keys_expired_and_unreachable(own_platform, broken_lms.url, dt.timedelta(days=2))
    try:
        response = launch_with(own_platform)
        assert_refused(response, 502, "could not fetch", "public keys")
        assert broken_lms.hits == 1
    finally:
        _restore(own_platform, original)


def test_a_closed_port_counts_as_an_outage(own_platform: Platform) -> None:
    assert _lands(own_platform)
    server = BrokenLms()
    closed = server.url
    server.server_close()  # nothing listens there any more
    original = _keys_expired_and_unreachable(own_platform, closed, dt.timedelta(hours=1))
    try:
        assert _lands(own_platform)
        assert _lands(own_platform)
    finally:
        _restore(own_platform, original)


def test_forged_kids_are_remembered_in_a_bounded_cache(
    app: Flask, spec: Platform, broken_lms: BrokenLms
) -> None:
    broken_lms.status, broken_lms.body = 200, json.dumps({"keys": []}).encode()
    limit = platform_keys._unknown_kids.maxsize
    with app.app_context():
        row = PlatformRow(
            name="Forged kids",
            issuer="https://forged.example",
            client_id="f",
            auth_login_url=broken_lms.url,
            auth_token_url=broken_lms.url,
            key_set_url=broken_lms.url,
        )
        db.session.add(row)
        db.session.flush()
        try:
            for n in range(limit + 50):
                with pytest.raises(LaunchError, match="does not publish"):
                    platform_key(row, f"forged-{n}")
            assert len(platform_keys._unknown_kids) <= limit
            hits = broken_lms.hits
            with pytest.raises(LaunchError, match="does not publish"):
                platform_key(row, f"forged-{limit + 49}")  # remembered: no fetch
            assert broken_lms.hits == hits
        finally:
            db.session.rollback()


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (None, 300),
        ("max-age=60", 60),
        ("public, MAX-AGE=30", 30),
        ("s-max-age=99", 300),  # not a directive
        ("s-maxage=5, max-age=7", 7),
        ('max-age="40"', 40),
        ("max-age=abc", 300),
        ("max-age=-5", 0),
        ("no-cache", 0),
        ("no-store, max-age=600", 0),
        ('private, no-cache="set-cookie", max-age=9', 9),
    ],
)
def test_cache_lifetime_from_cache_control(header: str | None, seconds: int) -> None:
    assert cache_lifetime(header, 300) == seconds
