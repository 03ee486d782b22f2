"""Dynamic Registration under attack, replayed over HTTP: issuer spoofing, server-side
request forgery, echoed answers, oversized answers, hanging hosts and registration floods."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask import Flask

from lti_tool.lti.registration import issuer_matches
from tests.support.hostile import Answer, DrippingHost, HangingHost, HostileServer, Seen
from tests.support.live_server import LiveServer


def platform_config(
    origin: str, issuer: str | None = None, registration_endpoint: str | None = None
) -> dict:
    issuer = issuer or origin
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{origin}/auth",
        "token_endpoint": f"{origin}/token",
        "jwks_uri": f"{origin}/jwks",
        "registration_endpoint": registration_endpoint or f"{origin}/register",
    }


class FakePlatform(HostileServer):
    """Serves an OpenID configuration at any GET path and answers registrations with
    ``register_answer``."""

    def __init__(
        self, issuer_path: str = "", register_answer: Answer | None = None, **config: str
    ) -> None:
        self.config_overrides = config
        self.issuer_path = issuer_path
        self.register_answer = register_answer or Answer(400, "no")
        super().__init__(self._answer)

    def _answer(self, seen: Seen, _: HostileServer) -> Answer:
        if seen.method == "POST":
            return self.register_answer
        config = platform_config(self.origin + self.issuer_path)
        config.update(self.config_overrides)
        return Answer(body=json.dumps(config), headers={"Content-Type": "application/json"})


@pytest.fixture(autouse=True)
def open_registration(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """These attacks target the outbound calls, which an invite or open registration reach
    alike (tests/lti/test_registration_invites.py covers invites)."""
    monkeypatch.setitem(app.config, "OPEN_REGISTRATION", True)


@pytest.fixture
def strict_outbound(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Production's rule: no loopback, no private networks."""
    monkeypatch.setitem(app.config, "OUTBOUND_ALLOWED_NETWORKS", "")


def register(
    live_server: LiveServer, config_url: str, json_reply: bool = False, timeout: float = 30
) -> requests.Response:
    headers = {"Accept": "application/json"} if json_reply else {}
    return requests.get(
        f"{live_server.tool_url}/lti/register",
        params={"openid_configuration": config_url, "registration_token": "reg-token-123"},
        headers=headers,
        timeout=timeout,
    )


# -- finding 2: the issuer is the configuration's site --------------------------------------


@pytest.mark.parametrize(
    ("issuer", "url", "ok"),
    [
        ("https://lms.example", "https://lms.example/.well-known/openid-configuration", True),
        ("https://lms.example/", "https://lms.example/mod/lti/openid-configuration.php", True),
        ("https://LMS.example", "https://lms.example:443/config", True),
        ("https://lms.example/moodle", "https://lms.example/moodle/mod/lti/config.php", True),
        ("https://lms.example/moodle", "https://lms.example/moodle", True),
        ("https://lms.example/moodle", "https://lms.example/moodle-evil/config", False),
        ("https://lms.example", "https://lms.example.attacker.net/config", False),
        ("https://lms.example", "http://lms.example/config", False),
        ("https://lms.example", "https://lms.example:8443/config", False),
        ("http://localhost:5088", "http://localhost:5088@127.0.0.1:44263/config", False),
        ("http://127.0.0.1:4426", "http://127.0.0.1:44263/config", False),
        ("https://user@lms.example", "https://user@lms.example/config", False),
        ("https://lms.example?x=1", "https://lms.example/config", False),
        ("lms.example", "https://lms.example/config", False),
        ("https://lms.example:99999", "https://lms.example/config", False),
    ],
)
def test_issuer_matches_origin_and_path_segments(issuer: str, url: str, ok: bool) -> None:
    assert issuer_matches(issuer, url) is ok


def test_userinfo_trick_of_the_issue_is_refused(live_server: LiveServer) -> None:
    """The issue's replay: ``http://<real LMS>@<attacker>/…`` passed as the real LMS."""
    attacker = FakePlatform()
    try:
        lms = f"http://localhost:{live_server.port}"
        attacker.config_overrides = {"issuer": lms}
        page = register(
            live_server,
            f"http://localhost:{live_server.port}@127.0.0.1:"
            f"{attacker.port}/.well-known/openid-configuration",
        )
        assert page.status_code == 400
        assert "user name or password" in page.text
        assert attacker.seen == []
    finally:
        attacker.stop()


def test_issuer_that_is_only_a_string_prefix_is_refused(live_server: LiveServer) -> None:
    attacker = FakePlatform()
    try:
        # http://127.0.0.1:4426 is a string prefix of http://127.0.0.1:44263/…
        attacker.config_overrides = {"issuer": attacker.origin[:-1]}
        page = register(live_server, f"{attacker.origin}/config")
        assert page.status_code == 400 and "not the site it came from" in page.text
        assert [seen.method for seen in attacker.seen] == ["GET"]  # nothing was posted
    finally:
        attacker.stop()


def test_issuer_path_must_end_on_a_segment(live_server: LiveServer) -> None:
    attacker = FakePlatform(issuer_path="/moodle")
    try:
        page = register(live_server, f"{attacker.origin}/moodle-evil/config")
        assert page.status_code == 400 and "not the site it came from" in page.text
        assert [seen.method for seen in attacker.seen] == ["GET"]
    finally:
        attacker.stop()


# -- finding 3: server-side request forgery ---------------------------------------------------


def test_registration_refuses_an_internal_configuration_url(
    live_server: LiveServer, strict_outbound: None
) -> None:
    internal = FakePlatform()
    try:
        page = register(live_server, f"{internal.origin}/.well-known/openid-configuration")
        assert page.status_code == 400
        assert "The tool refuses to contact that address" in page.text
        assert "127.0.0.1" in page.text and "OUTBOUND_ALLOWED_NETWORKS" in page.text
        assert internal.seen == []
        as_json = register(live_server, f"{internal.origin}/config", json_reply=True).json()
        assert as_json["status"] == 400 and "OUTBOUND_ALLOWED_NETWORKS" in as_json["hint"]
    finally:
        internal.stop()


@pytest.mark.parametrize("endpoint", ["metadata", "other-loopback"])
def test_registration_endpoint_on_a_refused_address_gets_no_token(
    live_server: LiveServer, app: Flask, monkeypatch: pytest.MonkeyPatch, endpoint: str
) -> None:
    """The platform (allowed) names a registration endpoint the tool must not call: the
    bearer token is never sent there."""
    monkeypatch.setitem(app.config, "OUTBOUND_ALLOWED_NETWORKS", "127.0.0.1/32")
    inside = HostileServer(lambda seen, _: Answer(body="{}"), host="127.0.0.2")
    target = {
        "metadata": "http://169.254.169.254/latest/api/token",
        "other-loopback": f"{inside.origin}/internal-admin",
    }[endpoint]
    platform = FakePlatform(registration_endpoint=target)
    try:
        started = time.monotonic()
        page = register(live_server, f"{platform.origin}/config")
        assert time.monotonic() - started < 3
        assert page.status_code == 400
        assert "The tool refuses to contact that address" in page.text
        assert inside.seen == []
        assert [seen.method for seen in platform.seen] == ["GET"]
    finally:
        platform.stop()
        inside.stop()


def test_refused_registration_shows_only_a_short_plain_excerpt(live_server: LiveServer) -> None:
    moodle_error = (
        "<!DOCTYPE html><html><head><title>Error</title><style>.x{color:red}</style>"
        "<script>window.stolen = document.cookie; alert('owned')</script></head><body>"
        "<div class=errormessage>Invalid token &amp;lt;b&amp;gt;bold&amp;lt;/b&amp;gt;</div>"
        "<script>fetch('/steal')</script>" + "<p>filler text</p>" * 400 + "</body></html>"
    )
    platform = FakePlatform(
        register_answer=Answer(404, moodle_error, {"Content-Type": "text/html"})
    )
    try:
        page = register(live_server, f"{platform.origin}/config")
        assert page.status_code == 400
        assert "Your LMS refused the registration (404): Invalid token" in page.text
        # Entities decoded once, then escaped by the template: shown as text, never markup.
        assert "Invalid token &amp;lt;b&amp;gt;bold" in page.text
        assert "<b>" not in page.text
        for fragment in ("alert(", "document.cookie", "/steal", "color:red"):
            assert fragment not in page.text
        assert page.text.count("filler text") < 20
    finally:
        platform.stop()


def test_moodles_html_error_page_shows_as_its_message(live_server: LiveServer) -> None:
    """Moodle answers a bad or expired registration token with its whole HTML error page
    (404): the admin reads the error box's message, not the page."""
    moodle_page = (Path(__file__).parents[1] / "fixtures" / "moodle_error_page.html").read_text()
    platform = FakePlatform(register_answer=Answer(404, moodle_page, {"Content-Type": "text/html"}))
    try:
        page = register(live_server, f"{platform.origin}/config")
        assert page.status_code == 400
        assert "Your LMS refused the registration (404): Exception - Expired token" in page.text
        for fragment in (
            "×",
            "&amp;times;",
            "maintenance",
            "M.cfg",
            "YUI_config",
            "Skip to main",
            "More information about this error",
            "font-weight",
        ):
            assert fragment not in page.text
    finally:
        platform.stop()


def test_oversized_configuration_is_refused(
    live_server: LiveServer, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "OUTBOUND_MAX_RESPONSE_BYTES", 64 * 1024)
    flood = HostileServer(lambda seen, _: Answer(body=b"{" + b" " * 500_000 + b"}"))
    try:
        page = register(live_server, f"{flood.origin}/config", json_reply=True)
        assert page.status_code == 502
        assert "more than 65,536 bytes" in page.json()["message"]
        assert "OUTBOUND_MAX_RESPONSE_BYTES" in page.json()["hint"]
    finally:
        flood.stop()


# -- finding 4: slow registrations cannot stall the server ---------------------------------


@pytest.fixture
def hanging() -> Iterator[HangingHost]:
    host = HangingHost()
    yield host
    host.stop()


def test_registration_to_a_hanging_host_returns_within_the_bound(
    live_server: LiveServer, app: Flask, hanging: HangingHost
) -> None:
    """Default settings: 5 s without a byte ends the registration."""
    read_timeout = app.config["REGISTRATION_READ_TIMEOUT_SECONDS"]
    assert read_timeout == 5 and app.config["REGISTRATION_DEADLINE_SECONDS"] == 10
    started = time.monotonic()
    page = register(live_server, f"{hanging.origin}/config", json_reply=True)
    elapsed = time.monotonic() - started
    assert page.status_code == 504 and "did not answer in time" in page.json()["message"]
    assert read_timeout - 0.5 < elapsed < read_timeout + 2


def test_a_dripping_host_is_cut_off_at_the_registration_deadline(
    live_server: LiveServer, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "REGISTRATION_DEADLINE_SECONDS", 2)
    dripping = DrippingHost(interval=0.3)
    try:
        started = time.monotonic()
        page = register(live_server, f"{dripping.origin}/config", json_reply=True)
        assert page.status_code == 504
        assert time.monotonic() - started < 3.5
    finally:
        dripping.stop()


def test_excess_concurrent_registrations_get_503_at_once(
    live_server: LiveServer, app: Flask, monkeypatch: pytest.MonkeyPatch, hanging: HangingHost
) -> None:
    monkeypatch.setitem(app.config, "REGISTRATION_MAX_CONCURRENT", 2)
    monkeypatch.setitem(app.config, "REGISTRATION_READ_TIMEOUT_SECONDS", 3)
    slow: list[requests.Response] = []
    threads = [
        threading.Thread(
            target=lambda: slow.append(register(live_server, f"{hanging.origin}/config"))
        )
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    hanging.wait_for_connections(2)

    for _ in range(4):
        started = time.monotonic()
        busy = register(live_server, f"{hanging.origin}/config", timeout=5)
        assert time.monotonic() - started < 1
        assert busy.status_code == 503 and busy.headers["Retry-After"] == "60"
        assert "busy with other registrations" in busy.text and "Try again in a minute" in busy.text
    started = time.monotonic()
    assert requests.get(f"{live_server.tool_url}/admin/login", timeout=5).status_code == 200
    assert time.monotonic() - started < 1
    assert len(hanging.accepted) == 2  # the refused ones never went out

    for thread in threads:
        thread.join(timeout=10)
    assert [r.status_code for r in slow] == [504, 504]
    # The slots are free again.
    hanging_again = register(live_server, f"{hanging.origin}/config", json_reply=True)
    assert hanging_again.status_code == 504
