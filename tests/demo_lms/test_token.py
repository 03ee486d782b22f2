"""OAuth2 token endpoint: client assertions, scopes, and Moodle's reply quirks."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
import requests

from lti_tool.demo_lms.flavours import (
    FLAVOURS,
    SCOPE_LINEITEM,
    SCOPE_NRPS,
    SCOPE_SCORE,
    SERVICE_SCOPES,
)
from lti_tool.demo_lms.keys import new_rsa_key
from lti_tool.demo_lms.urls import platform_urls
from tests.demo_lms.fake_tool import FakeTool

UNKNOWN = "https://example.com/scope/unknown"


@pytest.mark.parametrize("flavour", list(FLAVOURS))
def test_good_assertion_gets_a_token(fake_tool: FakeTool, registered, flavour: str) -> None:
    response = fake_tool.token_request(
        flavour, registered[flavour].client_id, (SCOPE_NRPS, SCOPE_SCORE)
    )
    assert response.status_code == 200
    body = json.loads(response.text)  # Moodle sends it as text/html
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert set(body["scope"].split()) == {SCOPE_NRPS, SCOPE_SCORE}
    assert body["access_token"]


def test_moodle_replies_json_as_text_html(fake_tool: FakeTool, registered) -> None:
    response = fake_tool.token_request("moodle", registered["moodle"].client_id, (SCOPE_NRPS,))
    assert response.headers["Content-Type"].startswith("text/html")
    spec = fake_tool.token_request("spec", registered["spec"].client_id, (SCOPE_NRPS,))
    assert spec.headers["Content-Type"] == "application/json"


def _form_body(fake_tool: FakeTool, client_id: str, token_url: str) -> str:
    return urlencode(
        {
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": fake_tool.client_assertion(client_id, token_url),
            "scope": SCOPE_NRPS,
        }
    )


@pytest.mark.parametrize(("flavour", "status"), [("moodle", 400), ("spec", 200)])
def test_moodle_wants_exactly_form_urlencoded(fake_tool, registered, lms_url, flavour, status):
    token_url = platform_urls(lms_url, flavour).token_endpoint
    response = requests.post(
        token_url,
        data=_form_body(fake_tool, registered[flavour].client_id, token_url),
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        timeout=10,
    )
    assert response.status_code == status
    if flavour == "moodle":
        with pytest.raises(ValueError):
            response.json()  # Moodle's error reply is not even JSON


def test_bad_signature_is_invalid_client(fake_tool: FakeTool, registered, lms_url) -> None:
    client_id = registered["spec"].client_id
    token_url = platform_urls(lms_url, "spec").token_endpoint
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": token_url,
        "iat": 1,
        "exp": 4 * 10**9,
        "jti": "forged",
    }
    forged = fake_tool.sign(claims, key=new_rsa_key())  # right kid, wrong key
    response = requests.post(
        token_url,
        timeout=10,
        data={
            "grant_type": "client_credentials",
            "client_assertion": forged,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "scope": SCOPE_NRPS,
        },
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_unknown_client_is_invalid_client(fake_tool: FakeTool) -> None:
    response = fake_tool.token_request("spec", "nobody", (SCOPE_NRPS,))
    assert (response.status_code, response.json()["error"]) == (401, "invalid_client")


def test_audience_is_checked_except_by_moodle(fake_tool: FakeTool, registered) -> None:
    spec = fake_tool.token_request(
        "spec", registered["spec"].client_id, (SCOPE_NRPS,), aud="https://elsewhere.example/token"
    )
    assert spec.status_code == 401
    moodle = fake_tool.token_request(
        "moodle",
        registered["moodle"].client_id,
        (SCOPE_NRPS,),
        aud="https://elsewhere.example/token",
    )
    assert moodle.status_code == 200


def test_expired_assertion_is_refused(fake_tool: FakeTool, registered) -> None:
    response = fake_tool.token_request(
        "canvas", registered["canvas"].client_id, (SCOPE_NRPS,), exp=1000, iat=900
    )
    assert response.status_code == 401


def test_replayed_assertion_is_invalid_grant(fake_tool: FakeTool, registered) -> None:
    client_id = registered["canvas"].client_id
    first = fake_tool.token_request("canvas", client_id, (SCOPE_NRPS,), jti="once-only")
    again = fake_tool.token_request("canvas", client_id, (SCOPE_NRPS,), jti="once-only")
    assert first.status_code == 200
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")


def test_scopes(fake_tool: FakeTool, registered, lms_url) -> None:
    moodle = fake_tool.token_request(
        "moodle", registered["moodle"].client_id, (SCOPE_NRPS, UNKNOWN)
    )
    assert moodle.json()["scope"] == SCOPE_NRPS  # unknown scopes dropped silently
    only_unknown = fake_tool.token_request("moodle", registered["moodle"].client_id, (UNKNOWN,))
    assert json.loads(only_unknown.text)["error"] == "invalid_scope"
    strict = fake_tool.token_request("spec", registered["spec"].client_id, (SCOPE_NRPS, UNKNOWN))
    assert (strict.status_code, strict.json()["error"]) == (400, "invalid_scope")


def test_withheld_scope_cannot_be_obtained(fake_tool: FakeTool, lms_url) -> None:
    from lti_tool.demo_lms.registration import register_tool

    result = register_tool(
        lms_url, "canvas", f"{fake_tool.url}/register", withhold_scopes=[SCOPE_LINEITEM]
    )
    response = fake_tool.token_request("canvas", result.client_id, SERVICE_SCOPES)
    assert SCOPE_LINEITEM not in response.json()["scope"].split()


def test_wrong_grant_type(fake_tool: FakeTool, registered, lms_url) -> None:
    response = requests.post(
        platform_urls(lms_url, "spec").token_endpoint, data={"grant_type": "password"}, timeout=10
    )
    assert response.json()["error"] == "unsupported_grant_type"
