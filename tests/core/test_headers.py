"""Security headers over HTTP: who may frame the tool (only the registered LMSs), the admin
area framed by nobody, no caching of pages with personal data, and the demo LMS's headers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests
import sqlalchemy as sa
from flask import Flask

from lti_tool.extensions import db
from lti_tool.lti.framing import origin_of
from lti_tool.lti.sessions import CLAIM
from lti_tool.platforms.models import Platform as PlatformRow
from lti_tool.platforms.services import PlatformValues, add_platform
from tests.support.launching import DESIGNER, LEARNER, Platform, launch_with, put
from tests.support.live_server import LiveServer

EVIL = "https://evil.example"


def frame_ancestors(response: requests.Response) -> list[str]:
    csp = response.headers["Content-Security-Policy"]
    found = re.search(r"frame-ancestors ([^;]*)", csp)
    assert found, csp
    return found.group(1).split()


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def test_tool_pages_may_be_framed_by_the_registered_lms_only(spec: Platform) -> None:
    page = spec.launch(LEARNER)
    assert page.status_code == 200 and "/s/" in page.url
    framers = frame_ancestors(page)
    assert origin(spec.lms_url) in framers
    assert "*" not in framers and EVIL not in framers
    assert "https:" not in framers and "http:" not in framers
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "X-Frame-Options" not in page.headers  # it cannot name the LMS


def test_every_page_under_a_launch_is_not_cached(spec: Platform) -> None:
    browser = spec.browser()
    home = spec.launch(DESIGNER, browser=browser)
    launch_base = re.search(r"^.*/s/[^/]+/", home.url).group(0)
    for path in ("", "programs/", "roster", "no-such-page"):
        response = browser.request("GET", launch_base + path)
        assert response.headers["Cache-Control"] == "no-store", path


@pytest.fixture
def canvas_like(app: Flask) -> Iterator[str]:
    """An LMS registered by hand the way Canvas is: the issuer is canvas.instructure.com,
    courses (and the token endpoint) are on the institution's host."""
    with app.app_context():
        platform = add_platform(
            PlatformValues(
                name="Canvas (school)",
                issuer="https://canvas.instructure.com",
                client_id="10000000000042",
                auth_login_url="https://sso.canvaslms.com/api/lti/authorize_redirect",
                auth_token_url="https://school.instructure.com/login/oauth2/token",
                key_set_url="https://sso.canvaslms.com/api/lti/security/jwks",
            ),
            actor="tests",
        )
        db.session.commit()
        platform_id = platform.id
    yield "https://canvas.instructure.com"
    with app.app_context():
        db.session.delete(db.session.get(PlatformRow, platform_id))
        db.session.commit()


def test_canvas_frame_origin_comes_from_its_endpoints_not_the_issuer_alone(
    canvas_like: str, live_server: LiveServer, lms_url: str
) -> None:
    # A login from that Canvas that the tool refuses: its page is still shown in Canvas's frame.
    refused = requests.post(
        f"{live_server.tool_url}/lti/login",
        data={
            "iss": canvas_like,
            "client_id": "10000000000042",
            "login_hint": "u1",
            "target_link_uri": f"{EVIL}/lti/launch",
        },
        timeout=10,
    )
    assert refused.status_code == 400
    framers = frame_ancestors(refused)
    assert "https://school.instructure.com" in framers
    assert EVIL not in framers and "*" not in framers


def test_origins_seen_in_a_verified_launch_may_frame_that_launchs_pages(
    spec: Platform, live_server: LiveServer
) -> None:
    vanity = "https://lms.vanity-school.example"

    def tamper(claims: dict) -> None:
        put(
            **{
                CLAIM + "launch_presentation": {
                    "document_target": "iframe",
                    "return_url": f"{vanity}/course/1",
                }
            }
        )(claims)
        claims[CLAIM + "tool_platform"]["url"] = "https://x.example; script-src *"

    response = launch_with(spec, tamper)
    assert response.status_code == 303, response.text[:300]
    page = requests.get(
        requests.compat.urljoin(response.url, response.headers["Location"]), timeout=10
    )
    framers = frame_ancestors(page)
    assert vanity in framers and origin(spec.lms_url) in framers
    assert "script-src" not in " ".join(framers) and "https://x.example" not in framers
    # …and, recorded on the platform, pages before a launch (registration help) allow it too.
    help_page = requests.get(f"{live_server.tool_url}/lti/register", timeout=10)
    assert vanity in frame_ancestors(help_page) and EVIL not in frame_ancestors(help_page)


def test_registration_page_may_be_framed_by_the_registering_lms(
    live_server: LiveServer,
) -> None:
    newcomer = "https://moodle.newcomer.example"
    response = requests.get(
        f"{live_server.tool_url}/lti/register",
        params={
            "openid_configuration": f"{newcomer}/mod/lti/openid-configuration.php",
            "registration_token": "not-a-token",
        },
        timeout=10,
    )
    assert newcomer in frame_ancestors(response)
    assert EVIL not in frame_ancestors(response)


def test_admin_area_is_never_framed_nor_cached(live_server: LiveServer) -> None:
    for path in ("/admin/login", "/admin/", "/admin/platforms/new", "/admin/nothing-here"):
        response = requests.get(f"{live_server.tool_url}{path}", timeout=10, allow_redirects=False)
        assert frame_ancestors(response) == ["'none'"], path
        assert response.headers["X-Frame-Options"] == "DENY", path
        assert response.headers["Cache-Control"] == "no-store", path
    signed_in = requests.Session()
    signed_in.get(f"{live_server.tool_url}/admin/login", timeout=10)
    dashboard = signed_in.post(
        f"{live_server.tool_url}/admin/login",
        data={
            "secret": "test-admin-secret",
            "csrf_token": re.search(
                r'name="csrf_token" value="([^"]+)"',
                signed_in.get(f"{live_server.tool_url}/admin/login", timeout=10).text,
            ).group(1),
        },
        timeout=10,
    )
    assert dashboard.status_code == 200 and "Tool administration" in dashboard.text
    assert dashboard.headers["X-Frame-Options"] == "DENY"
    assert frame_ancestors(dashboard) == ["'none'"]


def test_non_pages_are_not_frameable(live_server: LiveServer) -> None:
    jwks = requests.get(f"{live_server.tool_url}/.well-known/jwks.json", timeout=10)
    assert frame_ancestors(jwks) == ["'none'"]
    assert "max-age=" in jwks.headers["Cache-Control"]


def test_demo_lms_sends_its_own_headers(spec: Platform, app: Flask) -> None:
    lms = spec.lms_url
    with app.app_context():
        from lti_tool.demo_lms.directory import get_course

        course_id = get_course().id
    pages = {
        "/": False,
        f"/{spec.flavour}/courses/{course_id}": True,
        f"/{spec.flavour}/courses/{course_id}/gradebook": True,
        f"/{spec.flavour}/admin/registrations": True,
    }
    for path, personal in pages.items():
        response = requests.get(f"{lms}{path}", timeout=10)
        assert response.status_code == 200, path
        assert frame_ancestors(response) == ["'self'"], path
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "object-src 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert (response.headers.get("Cache-Control") == "no-store") is personal, path


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://School.Example/courses/1?x=1", "https://school.example"),
        ("https://school.example:443/", "https://school.example"),
        ("http://localhost:5000/spec", "http://localhost:5000"),
        ("https://[::1]:8443/x", "https://[::1]:8443"),
        ("https://a.example; script-src *", None),
        ("https://a.example'/", None),
        ("javascript:alert(1)", None),
        ("ftp://files.example/", None),
        ("https://a.example:99999/", None),
        ("", None),
        (None, None),
    ],
)
def test_origin_of_yields_only_safe_origins(url: object, expected: str | None) -> None:
    assert origin_of(url) == expected


def test_platform_rows_record_new_origins_once(spec: Platform, app: Flask) -> None:
    spec.launch(LEARNER)
    with app.app_context():
        before = db.session.scalars(sa.select(PlatformRow.frame_origins)).all()
    spec.launch(LEARNER)
    with app.app_context():
        assert db.session.scalars(sa.select(PlatformRow.frame_origins)).all() == before


def test_platform_less_pages_may_be_framed_by_approved_enabled_platforms_only(
    app: Flask, live_server: LiveServer
) -> None:
    """Open registration lets anyone add a pending platform: it must not gain framing."""
    from lti_tool.lti import framing
    from lti_tool.platforms.models import PlatformStatus

    hosts = {status: f"https://{status.value}.framing-test.example" for status in PlatformStatus}
    with app.app_context():
        for status, host in hosts.items():
            added = add_platform(
                PlatformValues(
                    name=f"Framing {status.value}",
                    issuer=host,
                    client_id=f"framing-{status.value}",
                    auth_login_url=f"{host}/auth",
                    auth_token_url=f"{host}/token",
                    key_set_url=f"{host}/jwks",
                ),
                actor="test",
                status=PlatformStatus.PENDING if status != PlatformStatus.ACTIVE else status,
            )
            added.status = status.value
        db.session.commit()
    framing._ALL_PLATFORMS.expires = 0.0  # a platform's approval reaches it within a minute
    try:
        framers = frame_ancestors(requests.get(f"{live_server.tool_url}/lti/register", timeout=10))
        assert hosts[PlatformStatus.ACTIVE] in framers
        for status in (PlatformStatus.PENDING, PlatformStatus.REJECTED, PlatformStatus.DISABLED):
            assert hosts[status] not in framers, status
    finally:
        with app.app_context():
            db.session.execute(
                sa.delete(PlatformRow).where(PlatformRow.issuer.in_(list(hosts.values())))
            )
            db.session.commit()
        framing._ALL_PLATFORMS.expires = 0.0
