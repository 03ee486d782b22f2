"""The partitioned state cookie of a login is removed once its launch has used it."""

from __future__ import annotations

import requests

from tests.support.launching import LEARNER, Platform, assert_refused
from tests.support.lti_browser import LtiBrowser

PREFIX = "lti1p3-state-"


def state_cookie_headers(response: requests.Response) -> list[str]:
    return [h for h in response.raw.headers.getlist("Set-Cookie") if h.startswith(PREFIX)]


def assert_expires_state_cookie(response: requests.Response, state: str) -> None:
    """The deletion carries the attributes the cookie was set with, or a browser keeps it."""
    [header] = state_cookie_headers(response)
    attributes = {
        part.strip().split("=", 1)[0].lower(): part.strip() for part in header.split(";")[1:]
    }
    assert header.startswith(f"{PREFIX}{state}=;")
    assert attributes["max-age"] == "Max-Age=0"
    assert attributes["path"] == "Path=/lti/launch"
    assert attributes["samesite"] == "SameSite=None"
    assert {"secure", "httponly", "partitioned"} <= attributes.keys()


def state_cookie(browser: LtiBrowser) -> dict[str, str]:
    """The login's Secure state cookie, which a browser sends to a loopback tool over http
    (requests does not, so the tests send it themselves)."""
    [cookie] = [c for c in browser.session.cookies if c.name.startswith(PREFIX)]
    return {cookie.name: cookie.value}


def test_a_launch_expires_its_state_cookie(spec: Platform) -> None:
    browser = spec.browser()
    auth = spec.start(browser)
    cookie = state_cookie(browser)
    form, _ = browser.authorize(auth)
    response = requests.post(
        auth.redirect_uri, data=form.fields, cookies=cookie, timeout=10, allow_redirects=False
    )
    assert response.status_code == 303, response.text[:500]
    assert_expires_state_cookie(response, auth.state)

    # The same post again (a replay, cookie and all) is refused and clears the cookie too.
    replay = requests.post(
        auth.redirect_uri, data=form.fields, cookies=cookie, timeout=10, allow_redirects=False
    )
    assert_refused(replay, 401, "already used")
    assert_expires_state_cookie(replay, auth.state)


def test_a_refused_launch_expires_its_state_cookie(spec: Platform) -> None:
    browser = spec.browser()
    auth = spec.start(browser)
    response = requests.post(
        auth.redirect_uri,
        data={"id_token": "not-a-jwt", "state": auth.state},
        cookies=state_cookie(browser),
        timeout=10,
    )
    assert_refused(response, 400, "not a JWT")
    assert_expires_state_cookie(response, auth.state)


def test_without_the_cookie_nothing_is_deleted(spec: Platform) -> None:
    # requests keeps the Secure cookie from http://127.0.0.1 to itself, as a browser with
    # cookies blocked would.
    page = spec.launch(LEARNER, follow=False)
    assert page.status_code == 303
    assert state_cookie_headers(page) == []
