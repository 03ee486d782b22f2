"""Every way a launch must be refused: a 4xx page (or JSON) that says why."""

from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from tests.support.launching import (
    Platform,
    Tamper,
    assert_refused,
    drop,
    launch_with,
    other_key,
    put,
)
from tests.support.lti_browser import LtiBrowser

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"


@pytest.mark.parametrize(
    ("tamper", "status", "reason"),
    [
        # Times are read when the token is made, not when the tests are collected.
        (lambda c: c.update(exp=int(time.time()) - 120), 401, "has expired"),
        (
            lambda c: c.update(iat=int(time.time()) + 600, exp=int(time.time()) + 700),
            401,
            "issued in the future",
        ),
        (lambda c: (c.pop("azp", None), c.update(aud="someone-else")), 401, "does not know"),
        (put(iss="https://evil.example"), 401, "does not know"),
        (put(nonce="forged-nonce"), 401, "nonce does not match"),
        (drop(CLAIM + "deployment_id"), 400, "no deployment_id"),
        (drop(CLAIM + "message_type"), 400, "message of type None"),
        (put(**{CLAIM + "message_type": "LtiSubmissionReviewRequest"}), 400, "LtiSubmissionReview"),
        (drop(CLAIM + "version"), 400, "LTI version None"),
        (put(**{CLAIM + "version": "1.1"}), 400, "LTI version &#39;1.1&#39;"),
        (drop(CLAIM + "roles"), 400, "Missing Roles Claim"),
        (put(**{CLAIM + "resource_link": {"title": "no id"}}), 400, "Missing Resource Link Id"),
        (drop("sub"), 400, "Must have a user (sub)"),
        (drop("exp"), 401, "exp"),
    ],
    ids=[
        "expired",
        "future-iat",
        "wrong-aud",
        "wrong-iss",
        "forged-nonce",
        "no-deployment",
        "no-message-type",
        "wrong-message-type",
        "no-version",
        "wrong-version",
        "no-roles",
        "link-without-id",
        "no-sub",
        "no-exp",
    ],
)
def test_tampered_claims_are_refused(
    spec: Platform, tamper: Tamper, status: int, reason: str
) -> None:
    assert_refused(launch_with(spec, tamper), status, reason)


def test_extra_audience_without_azp(spec: Platform) -> None:
    response = launch_with(
        spec, lambda c: (c.pop("azp", None), c.update(aud=[spec.client_id, "another-tool"]))
    )
    assert_refused(response, 401, "several audiences but no authorized party")


def test_wrong_azp(spec: Platform) -> None:
    response = launch_with(spec, put(aud=[spec.client_id], azp="another-tool"))
    assert_refused(response, 401, "azp is not one of its audiences")


def test_azp_naming_another_audience(spec: Platform) -> None:
    response = launch_with(spec, put(aud=[spec.client_id, "another-tool"], azp="another-tool"))
    assert_refused(response, 401)


def test_extra_audience_with_our_azp_is_accepted(spec: Platform) -> None:
    response = launch_with(spec, put(aud=["another-tool", spec.client_id], azp=spec.client_id))
    assert response.status_code == 303, response.text[:500]


def test_unknown_kid(spec: Platform) -> None:
    response = launch_with(spec, key=other_key(), headers={"kid": "no-such-key"})
    assert_refused(response, 401, "does not publish")


def test_missing_kid(spec: Platform) -> None:
    browser = spec.browser()
    auth = spec.start(browser)
    token = jwt.encode(spec.claims(auth), other_key(), algorithm="RS256")
    assert_refused(browser.post_id_token(auth.redirect_uri, token, auth.state), 401, "no key id")


def test_signed_by_another_key_with_the_real_kid(spec: Platform) -> None:
    browser = spec.browser()
    auth = spec.start(browser)
    claims = spec.claims(auth)
    real_kid = jwt.get_unverified_header(spec.sign(claims))["kid"]
    token = spec.sign(claims, key=other_key(), headers={"kid": real_kid})
    response = browser.post_id_token(auth.redirect_uri, token, auth.state)
    assert_refused(response, 401, "signature does not match")


def test_alg_none(spec: Platform) -> None:
    assert_refused(launch_with(spec, alg="none"), 401, "only RS256")


def test_hs256_signed_with_the_public_key(spec: Platform) -> None:
    browser = spec.browser()
    auth = spec.start(browser)
    claims = spec.claims(auth)
    genuine = spec.sign(claims)
    kid = jwt.get_unverified_header(genuine)["kid"]
    jwks = browser.session.get(f"{spec.lms_url}/{spec.flavour}/jwks", timeout=10)
    jwk = next((k for k in jwks.json()["keys"] if k["kid"] == kid), None) if jwks.ok else None
    public = jwt.PyJWK(jwk).key if jwk else other_key().public_key()
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "kid": kid, "typ": "JWT"}
    token = _hs256(header, claims, pem)
    assert_refused(browser.post_id_token(auth.redirect_uri, token, auth.state), 401, "only RS256")


def _hs256(header: dict, claims: dict, secret: bytes) -> str:
    """PyJWT refuses to HMAC with a PEM key, as it should; an attacker would not."""
    import base64
    import hashlib
    import hmac
    import json

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def test_not_a_jwt(spec: Platform) -> None:
    browser = spec.browser()
    auth = spec.start(browser)
    response = browser.post_id_token(auth.redirect_uri, "this-is-not-a-jwt", auth.state)
    assert_refused(response, 400, "not a JWT")


def test_jwt_without_lti_claims(spec: Platform) -> None:
    browser = spec.browser()
    auth = spec.start(browser)
    now = int(time.time())
    claims = {
        "iss": spec.claims(auth)["iss"],
        "aud": spec.client_id,
        "sub": "x",
        "iat": now,
        "exp": now + 60,
        "nonce": auth.nonce,
    }
    response = browser.post_id_token(auth.redirect_uri, spec.sign(claims), auth.state)
    assert_refused(response, 400, "message of type None")


def test_replayed_id_token(spec: Platform) -> None:
    browser = spec.browser()
    auth = spec.start(browser)
    token = spec.sign(spec.claims(auth))
    first = browser.post_id_token(auth.redirect_uri, token, auth.state)
    assert first.status_code == 303
    again = browser.post_id_token(auth.redirect_uri, token, auth.state)
    assert_refused(again, 401, "already used")


def test_replayed_id_token_with_a_fresh_state(spec: Platform) -> None:
    browser = spec.browser()
    auth = spec.start(browser)
    token = spec.sign(spec.claims(auth))
    assert browser.post_id_token(auth.redirect_uri, token, auth.state).status_code == 303
    fresh = spec.start(browser)
    response = browser.post_id_token(fresh.redirect_uri, token, fresh.state)
    assert_refused(response, 401, "nonce does not match")


def test_forged_token_does_not_spend_the_real_login(spec: Platform) -> None:
    browser = spec.browser()
    auth = spec.start(browser)
    claims = spec.claims(auth)
    forged = spec.sign(
        claims,
        key=other_key(),
        headers={"kid": jwt.get_unverified_header(spec.sign(claims))["kid"]},
    )
    assert browser.post_id_token(auth.redirect_uri, forged, auth.state).status_code == 401
    genuine = browser.post_id_token(auth.redirect_uri, spec.sign(claims), auth.state)
    assert genuine.status_code == 303


def test_unknown_state(spec: Platform) -> None:
    browser = spec.browser()
    auth = spec.start(browser)
    token = spec.sign(spec.claims(auth))
    response = browser.post_id_token(auth.redirect_uri, token, "made-up-state")
    assert_refused(response, 401, "not started here")


def test_missing_state(spec: Platform) -> None:
    browser = spec.browser()
    auth = spec.start(browser)
    response = browser.request(
        "POST", auth.redirect_uri, data={"id_token": spec.sign(spec.claims(auth))}
    )
    assert_refused(response, 400, "no state")


def test_state_finished_in_another_browser(spec: Platform) -> None:
    browser = spec.browser()
    auth = spec.start(browser)
    token = spec.sign(spec.claims(auth))
    thief = LtiBrowser(spec.lms_url)
    thief.session.headers["User-Agent"] = "SomeOtherBrowser/1.0"
    response = thief.post_id_token(auth.redirect_uri, token, auth.state)
    assert_refused(response, 401, "another browser")


def test_state_with_a_wrong_cookie(spec: Platform) -> None:
    browser = spec.browser()
    auth = spec.start(browser)
    token = spec.sign(spec.claims(auth))
    response = browser.request(
        "POST",
        auth.redirect_uri,
        data={"id_token": token, "state": auth.state},
        cookies={f"lti1p3-state-{auth.state}": "not-the-secret"},
    )
    assert_refused(response, 401, "another browser")


def test_wrong_platform_storage_value(platforms: dict[str, Platform]) -> None:
    canvas = platforms["canvas"]
    browser = canvas.browser()
    auth = canvas.start(browser)
    token = canvas.sign(canvas.claims(auth))
    response = browser.post_id_token(
        auth.redirect_uri, token, auth.state, lti_storage_checked="1", lti_storage_value="wrong"
    )
    assert_refused(response, 401, "another browser")


def test_platform_error_post_is_shown(spec: Platform) -> None:
    browser = spec.browser()
    auth = spec.start(browser)
    response = browser.request(
        "POST",
        auth.redirect_uri,
        data={
            "error": "launch_no_longer_valid",
            "error_description": "The launch has expired; reload the page.",
            "state": auth.state,
        },
    )
    assert response.status_code == 400
    assert "Your LMS reported a problem" in response.text
    assert "launch_no_longer_valid: The launch has expired; reload the page." in response.text


def test_refusal_as_json_when_asked(spec: Platform) -> None:
    browser = spec.browser()
    auth = spec.start(browser)
    response = browser.request(
        "POST",
        auth.redirect_uri,
        data={"id_token": "x.y", "state": auth.state},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "This launch could not be accepted"
    assert "not a JWT" in body["message"] and body["hint"]


def test_login_without_required_parameters(spec: Platform) -> None:
    browser = spec.browser()
    response = browser.request(
        "POST",
        spec.registration.registration["initiate_login_uri"],
        data={"iss": spec.registration.issuer},
    )
    assert response.status_code == 400
    assert "missing login_hint, target_link_uri" in response.text


def test_login_from_an_unknown_platform(spec: Platform) -> None:
    browser = spec.browser()
    response = browser.request(
        "POST",
        spec.registration.registration["initiate_login_uri"],
        data={
            "iss": "https://unknown.example",
            "login_hint": "1",
            "target_link_uri": spec.registration.registration["initiate_login_uri"],
        },
    )
    assert response.status_code == 404
    assert "not registered for the LMS" in response.text


def test_login_to_a_foreign_target(spec: Platform) -> None:
    browser = spec.browser()
    response = browser.request(
        "POST",
        spec.registration.registration["initiate_login_uri"],
        data={
            "iss": spec.registration.issuer,
            "login_hint": "1",
            "client_id": spec.client_id,
            "target_link_uri": "https://phishing.example/launch",
        },
    )
    assert response.status_code == 400
    assert "does not belong to this tool" in response.text
