"""Dynamic Registration: register_tool over HTTP, the endpoint's checks, single-use tokens."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
import requests
from flask import Flask

from lti_tool.demo_lms.flavours import (
    FLAVOURS,
    SCOPE_LINEITEM,
    SCOPE_LINEITEM_READONLY,
    SCOPE_NRPS,
    SCOPE_SCORE,
)
from lti_tool.demo_lms.keys import new_rsa_key, sign_with_platform_key
from lti_tool.demo_lms.registration import (
    RegistrationFailed,
    RegistrationResult,
    register_tool,
    with_registration_params,
)
from lti_tool.demo_lms.urls import platform_urls
from tests.demo_lms.fake_tool import TOOL_CONFIGURATION, FakeTool


def mint(lms_url: str, flavour: str, **payload: Any) -> str:
    response = requests.post(
        f"{lms_url}/{flavour}/admin/api/registration-tokens", json=payload, timeout=10
    )
    assert response.status_code == 201
    return response.json()["registration_token"]


def post_registration(lms_url: str, flavour: str, token: str, doc: Any) -> requests.Response:
    return requests.post(
        platform_urls(lms_url, flavour).registration_endpoint,
        json=doc,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )


def test_register_tool_registers_in_every_flavour(
    registered: dict[str, RegistrationResult], lms_url: str
) -> None:
    assert set(registered) == set(FLAVOURS)
    for name, result in registered.items():
        assert result.issuer == f"{lms_url}/{name}"
        listed = requests.get(f"{lms_url}/{name}/admin/api/registrations", timeout=10).json()
        assert result.client_id in {r["client_id"] for r in listed["registrations"]}
    assert registered["moodle"].deployment_id.isdigit()
    assert not registered["canvas"].deployment_id.isdigit()


def test_registration_token_is_an_rs256_reg_token(lms_url: str) -> None:
    token = mint(lms_url, "moodle")
    jwks = requests.get(platform_urls(lms_url, "moodle").jwks_uri, timeout=10).json()
    kid = jwt.get_unverified_header(token)["kid"]
    key = jwt.PyJWK(next(k for k in jwks["keys"] if k["kid"] == kid)).key
    claims = jwt.decode(token, key, algorithms=["RS256"])
    assert claims["scope"] == "reg" and claims["sub"]
    assert claims["exp"] - claims["iat"] == 3600


def test_moodle_grants_lineitem_readonly_unasked(lms_url: str, fake_tool: FakeTool) -> None:
    doc = fake_tool.registration_document(scopes=(SCOPE_LINEITEM, SCOPE_SCORE, SCOPE_NRPS))
    response = post_registration(lms_url, "moodle", mint(lms_url, "moodle"), doc)
    assert response.status_code == 200, response.text
    body = response.json()
    assert SCOPE_LINEITEM_READONLY in body["scope"].split()
    assert body["client_id"]
    assert body[TOOL_CONFIGURATION]["deployment_id"].isdigit()
    assert body["client_name"] == doc["client_name"]  # echoed


def test_admin_can_withhold_a_scope(lms_url: str, fake_tool: FakeTool) -> None:
    result = register_tool(
        lms_url, "canvas", f"{fake_tool.url}/register", withhold_scopes=[SCOPE_SCORE]
    )
    assert SCOPE_SCORE not in result.scopes
    assert SCOPE_NRPS in result.scopes


def test_token_is_single_use(lms_url: str, fake_tool: FakeTool) -> None:
    token = mint(lms_url, "moodle")
    doc = fake_tool.registration_document()
    assert post_registration(lms_url, "moodle", token, doc).status_code == 200
    again = post_registration(lms_url, "moodle", token, doc)
    assert (again.status_code, again.text) == (401, "token_already_used")


def test_a_refused_registration_does_not_spend_the_token(lms_url: str, fake_tool: FakeTool):
    token = mint(lms_url, "spec")
    doc = fake_tool.registration_document()
    del doc["jwks_uri"]
    assert post_registration(lms_url, "spec", token, doc).status_code == 400
    assert post_registration(lms_url, "spec", token, fake_tool.registration_document()).ok


def _drop(key: str):
    return lambda doc: doc.pop(key)


def _set(key: str, value: Any):
    return lambda doc: doc.__setitem__(key, value)


def _domain_without_port(doc: dict) -> None:
    doc[TOOL_CONFIGURATION]["domain"] = "127.0.0.1"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_drop("jwks_uri"), "missing required attribute jwks_uri"),
        (_drop(TOOL_CONFIGURATION), f"missing required attribute {TOOL_CONFIGURATION}"),
        (_drop("initiate_login_uri"), "missing required attribute initiate_login_uri"),
        (_set("response_types", ["code"]), "invalid_response_types"),
        (
            _set("token_endpoint_auth_method", "client_secret_basic"),
            "invalid_token_endpoint_auth_method",
        ),
        (_set("application_type", "native"), "invalid_application_type"),
        (_set("redirect_uris", "http://127.0.0.1/launch"), "invalid_redirect_uris"),
        (_domain_without_port, "domain_targetlinkuri_mismatch"),
    ],
)
def test_moodle_refuses_bad_registrations_with_bare_strings(
    lms_url: str, fake_tool: FakeTool, change, message: str
) -> None:
    doc = fake_tool.registration_document()
    change(doc)
    response = post_registration(lms_url, "moodle", mint(lms_url, "moodle"), doc)
    assert response.status_code == 400
    assert response.text == message


def test_spec_refuses_with_openid_json_errors(lms_url: str, fake_tool: FakeTool) -> None:
    doc = fake_tool.registration_document()
    del doc["jwks_uri"]
    response = post_registration(lms_url, "spec", mint(lms_url, "spec"), doc)
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_client_metadata",
        "error_description": "missing required attribute jwks_uri",
    }


def test_moodle_shows_a_404_page_for_a_forged_token(lms_url: str, fake_tool: FakeTool) -> None:
    forged = jwt.encode(
        {"sub": "x", "scope": "reg", "exp": int(time.time()) + 60},
        new_rsa_key(),
        algorithm="RS256",
        headers={"kid": "nope"},
    )
    moodle = post_registration(lms_url, "moodle", forged, fake_tool.registration_document())
    assert moodle.status_code == 404 and "Invalid request" in moodle.text
    spec = post_registration(lms_url, "spec", forged, fake_tool.registration_document())
    assert spec.status_code == 401 and spec.json()["error"] == "invalid_token"


def test_wrong_token_scope_is_forbidden(app: Flask, lms_url: str, fake_tool: FakeTool) -> None:
    with app.app_context():
        token = sign_with_platform_key(
            "moodle", {"sub": "abc", "scope": "reg-other", "exp": int(time.time()) + 60}
        )
    response = post_registration(lms_url, "moodle", token, fake_tool.registration_document())
    assert (response.status_code, response.text) == (403, "Incorrect scope")


def test_missing_bearer_is_unauthorized(lms_url: str, fake_tool: FakeTool) -> None:
    response = requests.post(
        platform_urls(lms_url, "moodle").registration_endpoint,
        json=fake_tool.registration_document(),
        timeout=10,
    )
    assert response.status_code == 401


@pytest.mark.parametrize("close_message", ["", "on load"])
def test_register_tool_needs_a_button_that_posts_the_close_message(
    lms_url: str, fake_tool: FakeTool, close_message: str
) -> None:
    """A page that never posts the close message, or posts it on load (Moodle closes the
    dialog 10 ms later, unread), fails the registration."""
    fake_tool.close_message = close_message
    try:
        with pytest.raises(RegistrationFailed, match=r"data-lti-close button .*org\.imsglobal"):
            register_tool(lms_url, "spec", f"{fake_tool.url}/register")
    finally:
        fake_tool.close_message = "button"


def test_register_tool_reports_the_tools_error_status(lms_url: str, fake_tool: FakeTool):
    fake_tool.registration_overrides = {"jwks_uri": None}
    try:
        with pytest.raises(RegistrationFailed, match="answered 400"):
            register_tool(lms_url, "spec", f"{fake_tool.url}/register")
    finally:
        fake_tool.registration_overrides = {}


def test_register_tool_notices_when_nothing_registered(lms_url: str, fake_tool: FakeTool):
    fake_tool.registration_overrides = {"jwks_uri": None}
    fake_tool.hide_registration_errors = True
    try:
        with pytest.raises(RegistrationFailed, match="no registration reached the LMS"):
            register_tool(lms_url, "spec", f"{fake_tool.url}/register")
    finally:
        fake_tool.registration_overrides = {}
        fake_tool.hide_registration_errors = False


def test_registration_url_keeps_existing_query() -> None:
    url = with_registration_params("http://t/reg?tenant=a", "http://l/c", "TOKEN")
    assert (
        url == "http://t/reg?tenant=a&openid_configuration=http%3A%2F%2Fl%2Fc"
        "&registration_token=TOKEN"
    )


def test_admin_register_page_frames_the_tool(lms_url: str, fake_tool: FakeTool) -> None:
    page = requests.post(
        f"{lms_url}/moodle/admin/register",
        timeout=10,
        data={"registration_url": f"{fake_tool.url}/register?x=1"},
    )
    assert page.status_code == 200
    assert f"{fake_tool.url}/register?x=1&amp;openid_configuration=" in page.text
    assert "register.js" in page.text
    listing = requests.get(f"{lms_url}/moodle/admin/registrations", timeout=10)
    assert "Register Reciprocal" in listing.text and "Fake tool" in listing.text


def test_moodle_reg_update_keeps_client_and_deployment(lms_url: str, fake_tool: FakeTool) -> None:
    first = post_registration(
        lms_url, "moodle", mint(lms_url, "moodle"), fake_tool.registration_document()
    ).json()
    client_id = first["client_id"]
    deployment_id = first[TOOL_CONFIGURATION]["deployment_id"]
    token = mint(lms_url, "moodle", update_client_id=client_id)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["scope"] == "reg-update" and claims["sub"] == deployment_id  # tool type id
    doc = fake_tool.registration_document(scopes=(SCOPE_NRPS,))
    doc["client_name"] = "Fake tool, renamed"
    updated = post_registration(lms_url, "moodle", token, doc)
    assert updated.status_code == 200, updated.text
    body = updated.json()
    assert body["client_id"] == client_id
    assert body[TOOL_CONFIGURATION]["deployment_id"] == deployment_id
    assert body["scope"].split() == [SCOPE_NRPS]
    listed = requests.get(
        f"{lms_url}/moodle/admin/api/registrations/{client_id}", timeout=10
    ).json()
    assert listed["name"] == "Fake tool, renamed" and listed["scopes"] == [SCOPE_NRPS]
    again = post_registration(lms_url, "moodle", token, doc)
    assert (again.status_code, again.text) == (401, "token_already_used")


def test_only_moodle_offers_registration_updates(lms_url: str, fake_tool: FakeTool) -> None:
    result = register_tool(lms_url, "canvas", f"{fake_tool.url}/register")
    refused = requests.post(
        f"{lms_url}/canvas/admin/api/registration-tokens",
        timeout=10,
        json={"update_client_id": result.client_id},
    )
    assert refused.status_code == 400 and "does not update" in refused.json()["error_description"]
    unknown = requests.post(
        f"{lms_url}/moodle/admin/api/registration-tokens",
        timeout=10,
        json={"update_client_id": "no-such-client"},
    )
    assert unknown.status_code == 404


def test_a_reg_update_token_cannot_update_another_tool(
    app: Flask, lms_url: str, fake_tool: FakeTool
) -> None:
    one = register_tool(lms_url, "moodle", f"{fake_tool.url}/register")
    other = register_tool(lms_url, "moodle", f"{fake_tool.url}/register")
    token = mint(lms_url, "moodle", update_client_id=one.client_id)
    jti = jwt.decode(token, options={"verify_signature": False})["jti"]
    with app.app_context():  # the same token id, re-signed for the other tool
        forged = sign_with_platform_key(
            "moodle",
            {
                "sub": other.deployment_id,
                "scope": "reg-update",
                "jti": jti,
                "exp": int(time.time()) + 60,
            },
        )
    response = post_registration(lms_url, "moodle", forged, fake_tool.registration_document())
    assert (response.status_code, response.text) == (401, "Invalid registration token")
