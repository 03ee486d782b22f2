"""OpenID configuration and JWKS of each flavour; platform key rotation."""

from __future__ import annotations

import jwt
import pytest
import requests
from flask import Flask

from lti_tool.demo_lms.flavours import FLAVOURS, SCOPE_NRPS, SCOPE_SCORE
from lti_tool.demo_lms.keys import rotate_platform_key
from lti_tool.demo_lms.urls import platform_urls
from lti_tool.extensions import db
from tests.demo_lms.conftest import decode_id_token
from tests.demo_lms.fake_tool import FakeTool
from tests.support.lti_browser import LtiBrowser

FAMILY = {"spec": "reciprocal-demo", "moodle": "moodle", "canvas": "canvas"}


@pytest.mark.parametrize("flavour", list(FLAVOURS))
def test_openid_configuration_describes_the_platform(lms_url: str, flavour: str) -> None:
    urls = platform_urls(lms_url, flavour)
    config = requests.get(urls.openid_configuration, timeout=10).json()
    assert config["issuer"] == f"{lms_url}/{flavour}" == urls.issuer
    assert config["authorization_endpoint"] == urls.authorization_endpoint
    assert config["token_endpoint"] == urls.token_endpoint
    assert config["jwks_uri"] == urls.jwks_uri
    assert config["registration_endpoint"] == urls.registration_endpoint
    assert {SCOPE_NRPS, SCOPE_SCORE, "openid"} <= set(config["scopes_supported"])
    platform = config["https://purl.imsglobal.org/spec/lti-platform-configuration"]
    assert platform["product_family_code"] == FAMILY[flavour]
    assert platform["version"]
    assert "LtiDeepLinkingRequest" in {m["type"] for m in platform["messages_supported"]}


def test_moodle_uses_moodle_paths(lms_url: str) -> None:
    urls = platform_urls(lms_url, "moodle")
    assert urls.token_endpoint.endswith("/moodle/mod/lti/token.php")
    assert urls.openid_configuration.endswith("/mod/lti/openid-configuration.php")


@pytest.mark.parametrize("flavour", list(FLAVOURS))
def test_jwks_is_cacheable_and_public_only(lms_url: str, flavour: str) -> None:
    response = requests.get(platform_urls(lms_url, flavour).jwks_uri, timeout=10)
    assert response.status_code == 200
    assert "max-age=" in response.headers["Cache-Control"]
    keys = response.json()["keys"]
    assert keys and all(k["kty"] == "RSA" and k["kid"] and k["alg"] == "RS256" for k in keys)
    assert not any("d" in k or "p" in k for k in keys), "private key material published"


def test_rotation_signs_with_the_new_key_and_keeps_the_old_published(
    app: Flask, lms_url: str, registered, fake_tool: FakeTool
) -> None:
    jwks_url = platform_urls(lms_url, "spec").jwks_uri
    before = {k["kid"] for k in requests.get(jwks_url, timeout=10).json()["keys"]}
    with app.app_context():
        new_kid = rotate_platform_key("spec").kid
        db.session.commit()
    after = {k["kid"] for k in requests.get(jwks_url, timeout=10).json()["keys"]}
    assert before < after and new_kid in after
    LtiBrowser(lms_url).launch("spec", "amara.okafor", client_id=registered["spec"].client_id)
    id_token = fake_tool.launches[-1]["id_token"]
    assert jwt.get_unverified_header(id_token)["kid"] == new_kid
    decode_id_token(lms_url, "spec", id_token, registered["spec"].client_id)


def test_home_reports_no_course_for_unknown_flavour(lms_url: str) -> None:
    response = requests.get(f"{lms_url}/blackboard/courses/1", timeout=10)
    assert response.status_code == 404
