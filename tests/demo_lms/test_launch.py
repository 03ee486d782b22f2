"""Launches through the virtual browser: login initiation, id_token claims, auth refusals."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import jwt
import pytest
import requests
from flask import Flask

from lti_tool.demo_lms.directory import get_course, get_registration, get_user
from lti_tool.demo_lms.flavours import FLAVOURS, ROLE_INSTRUCTOR, get_flavour
from lti_tool.demo_lms.keys import new_rsa_key
from lti_tool.demo_lms.launches import (
    AGS_CLAIM,
    BASIC_OUTCOME_CLAIM,
    CLAIM,
    NRPS_CLAIM,
    build_launch_claims,
    sign_id_token,
)
from lti_tool.demo_lms.registration import RegistrationResult
from tests.demo_lms.conftest import decode_id_token
from tests.demo_lms.fake_tool import FakeTool
from tests.support.lti_browser import LtiBrowser, parse_page


def launch_claims(
    browser: LtiBrowser,
    fake_tool: FakeTool,
    lms_url: str,
    flavour: str,
    result: RegistrationResult,
    user: str = "amara.okafor",
    **options,
) -> dict:
    answer = browser.launch(flavour, user, client_id=result.client_id, **options)
    assert answer.status_code == 200, answer.text
    return decode_id_token(lms_url, flavour, answer.json()["id_token"], result.client_id)


@pytest.mark.parametrize("flavour", list(FLAVOURS))
def test_launch_carries_the_lti_claims(browser, fake_tool, lms_url, registered, flavour):
    result = registered[flavour]
    claims = launch_claims(browser, fake_tool, lms_url, flavour, result)
    assert claims["iss"] == f"{lms_url}/{flavour}"
    assert claims["aud"] == claims["azp"] == result.client_id
    assert claims[CLAIM + "deployment_id"] == result.deployment_id
    assert claims[CLAIM + "message_type"] == "LtiResourceLinkRequest"
    assert claims[CLAIM + "version"] == "1.3.0"
    assert claims[CLAIM + "roles"] == ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]
    assert claims[CLAIM + "context"]["title"] == "Reverse Mentoring Pilot"
    assert claims[CLAIM + "resource_link"]["id"]
    assert claims[CLAIM + "launch_presentation"]["document_target"] == "iframe"
    assert claims[CLAIM + "custom"]["seniority_level"] == "2"
    assert claims[CLAIM + "custom"]["department"] == "Marketing"
    assert claims["email"] == "amara.okafor@northwind.example"
    assert claims["given_name"] == "Amara"
    assert claims[NRPS_CLAIM]["service_versions"] == ["2.0"]
    assert claims[AGS_CLAIM]["lineitems"]
    assert claims["exp"] - claims["iat"] == get_flavour(flavour).id_token_ttl


def test_moodle_launch_quirks(browser, fake_tool, lms_url, registered) -> None:
    claims = launch_claims(browser, fake_tool, lms_url, "moodle", registered["moodle"])
    login = fake_tool.launches[-2]
    assert set(json.loads(login["lti_message_hint"])) == {"cmid", "launchid"}
    assert login["login_hint"].isdigit() and claims["sub"] == login["login_hint"]
    assert claims["exp"] - claims["iat"] == 60
    assert claims[BASIC_OUTCOME_CLAIM]["lis_result_sourcedid"] == ""
    assert (
        claims[CLAIM + "custom"]["context_memberships_url"]
        == claims[NRPS_CLAIM]["context_memberships_url"]
    )
    assert "?type_id=" in claims[AGS_CLAIM]["lineitems"]


def test_moodle_sends_content_developer_as_instructor(browser, fake_tool, lms_url, registered):
    claims = launch_claims(
        browser, fake_tool, lms_url, "moodle", registered["moodle"], user="marcus.chen"
    )
    assert claims[CLAIM + "roles"] == [ROLE_INSTRUCTOR]
    spec = launch_claims(
        browser, fake_tool, lms_url, "spec", registered["spec"], user="marcus.chen"
    )
    assert spec[CLAIM + "roles"] == [
        "http://purl.imsglobal.org/vocab/lis/v2/membership#ContentDeveloper"
    ]


def test_canvas_login_initiation_extras(browser, fake_tool, lms_url, registered) -> None:
    launch_claims(browser, fake_tool, lms_url, "canvas", registered["canvas"])
    login = fake_tool.launches[-2]
    assert login["lti_storage_target"] == "post_message_forwarding"
    assert login["client_id"] == registered["canvas"].client_id
    assert login["lti_deployment_id"] == registered["canvas"].deployment_id
    assert {"canvas_region", "canvas_environment"} <= set(login)


def test_privacy_cases(browser, fake_tool, lms_url, registered) -> None:
    no_email = launch_claims(
        browser, fake_tool, lms_url, "spec", registered["spec"], user="mateo.rossi"
    )
    assert "email" not in no_email and no_email["family_name"] == "Rossi"
    name_only = launch_claims(
        browser, fake_tool, lms_url, "spec", registered["spec"], user="guest.observer"
    )
    assert name_only["name"] == "Alex (guest)"
    assert not {"email", "given_name", "family_name"} & set(name_only)


def test_message_hint_is_single_use(browser, lms_url, registered) -> None:
    for flavour, expected in (
        ("moodle", None),
        ("canvas", "launch_no_longer_valid"),
        ("spec", "invalid_request"),
    ):
        auth = browser.start_launch(
            flavour, "amara.okafor", client_id=registered[flavour].client_id
        )
        browser.authorize(auth)
        replay = browser.request("GET", auth.url)
        if expected is None:  # Moodle: its own 404 page, never the tool
            assert replay.status_code == 404 and "Invalid request" in replay.text
        else:
            form = parse_page(replay.text).forms[0]
            assert form.action == auth.redirect_uri
            assert form.fields["error"] == expected and form.fields["state"] == auth.state


def _tamper(auth, **changes: str) -> str:
    params = {**auth.params, **changes}
    return auth.url.split("?")[0] + "?" + urlencode(params)


@pytest.mark.parametrize(
    ("flavour", "changes", "error"),
    [
        ("moodle", {"client_id": "someone-else"}, "unauthorized_client"),
        ("canvas", {"client_id": "someone-else"}, "login_required"),
        ("moodle", {"login_hint": "1"}, "access_denied"),
        ("canvas", {"login_hint": "not-this-user"}, "login_required"),
        ("spec", {"scope": "openid profile"}, "invalid_scope"),
        ("spec", {"response_type": "code"}, "unsupported_response_type"),
        ("spec", {"prompt": "login"}, "invalid_request"),
    ],
)
def test_auth_errors_are_posted_to_the_tool(browser, registered, flavour, changes, error):
    auth = browser.start_launch(flavour, "amara.okafor", client_id=registered[flavour].client_id)
    answer = browser.request("GET", _tamper(auth, **changes))
    form = parse_page(answer.text).forms[0]
    assert form.action == auth.redirect_uri
    assert form.fields["error"] == error and form.fields["error_description"]
    assert "id_token" not in form.fields


@pytest.mark.parametrize(("flavour", "status"), [("moodle", 404), ("spec", 400), ("canvas", 400)])
def test_unregistered_redirect_uri_never_reaches_the_tool(browser, registered, flavour, status):
    auth = browser.start_launch(flavour, "amara.okafor", client_id=registered[flavour].client_id)
    answer = browser.request("GET", _tamper(auth, redirect_uri="https://evil.example/launch"))
    assert answer.status_code == status
    assert "evil.example" not in answer.text and "<form" not in answer.text


def test_auth_endpoint_accepts_post(browser, registered, lms_url) -> None:
    auth = browser.start_launch("spec", "amara.okafor", client_id=registered["spec"].client_id)
    answer = browser.request("POST", auth.url.split("?")[0], data=auth.params)
    assert "id_token" in parse_page(answer.text).forms[0].fields


def test_forged_id_token_api(app: Flask, lms_url: str, registered) -> None:
    """What tool-side tests do: build claims, then sign well or badly."""
    flavour = get_flavour("canvas")
    with app.app_context():
        registration = get_registration(flavour, registered["canvas"].client_id)
        client_id = registration.client_id
        claims = build_launch_claims(
            flavour,
            lms_base_url=lms_url,
            registration=registration,
            user=get_user("dana.whitfield"),
            course=get_course(),
            nonce="n-1",
        )
        good = sign_id_token(flavour, claims)
        real_kid = jwt.get_unverified_header(good)["kid"]
        other_key = sign_id_token(flavour, claims, key=new_rsa_key(), headers={"kid": real_kid})
        unsigned = sign_id_token(flavour, claims, alg="none")
        hs256 = sign_id_token(flavour, claims, key="a-shared-secret-of-32-bytes-long", alg="HS256")
    assert claims[CLAIM + "roles"] == [ROLE_INSTRUCTOR]
    assert decode_id_token(lms_url, "canvas", good, client_id)["nonce"] == "n-1"
    with pytest.raises(jwt.InvalidSignatureError):
        decode_id_token(lms_url, "canvas", other_key, client_id)
    assert jwt.get_unverified_header(unsigned)["alg"] == "none"
    assert jwt.get_unverified_header(hs256)["alg"] == "HS256"


def test_launch_page_frames_the_tool(lms_url, registered, pilot_course_id) -> None:
    page = requests.get(
        f"{lms_url}/canvas/courses/{pilot_course_id}/launch",
        params={"user": "amara.okafor", "client_id": registered["canvas"].client_id},
        timeout=10,
    )
    assert page.status_code == 200
    html = parse_page(page.text)
    assert html.iframes[0].startswith("/canvas/launch/frame?")
    assert "/canvas/platform-storage" in html.iframes
    assert 'name="post_message_forwarding"' in page.text
    storage = requests.get(f"{lms_url}/canvas/platform-storage", timeout=10)
    assert "platform_storage.js" in storage.text
    script = requests.get(f"{lms_url}/_static/platform_storage.js", timeout=10).text
    assert "lti.put_data" in script and "event.origin" in script
