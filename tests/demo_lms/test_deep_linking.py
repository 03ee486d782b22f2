"""Deep linking: the request's claims per flavour and the verified response."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from lti_tool.demo_lms.flavours import SERVICE_SCOPES
from lti_tool.demo_lms.keys import new_rsa_key
from lti_tool.demo_lms.launches import AGS_CLAIM, CLAIM, DL_CLAIM
from lti_tool.demo_lms.registration import RegistrationResult
from tests.demo_lms.conftest import decode_id_token
from tests.demo_lms.fake_tool import FakeTool
from tests.support.lti_browser import LtiBrowser

SETTINGS = DL_CLAIM + "deep_linking_settings"


def deep_link_request(browser: LtiBrowser, lms_url: str, result: RegistrationResult) -> dict:
    auth = browser.start_launch(
        result.flavour, "dana.whitfield", client_id=result.client_id, deep_linking=True
    )
    form, _ = browser.authorize(auth)
    return decode_id_token(lms_url, result.flavour, form.fields["id_token"], result.client_id)


def response_claims(
    request_claims: dict, result: RegistrationResult, items: list[dict], **changes: Any
) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": result.client_id,
        "aud": request_claims["iss"],
        "iat": now,
        "exp": now + 300,
        "nonce": "tool-nonce",
        CLAIM + "message_type": "LtiDeepLinkingResponse",
        CLAIM + "version": "1.3.0",
        CLAIM + "deployment_id": result.deployment_id,
        DL_CLAIM + "content_items": items,
        DL_CLAIM + "msg": "Path attached",
    }
    data = request_claims[SETTINGS].get("data")
    if data is not None:
        claims[DL_CLAIM + "data"] = data
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


ITEMS = [
    {
        "type": "ltiResourceLink",
        "title": "Monthly check-in 1",
        "url": "/launch?step=checkin-1",
        "custom": {"step": "checkin-1"},
        "lineItem": {
            "scoreMaximum": 1,
            "label": "Check-in 1",
            "resourceId": "checkin-1",
            "tag": "reciprocal",
        },
    },
    {"type": "ltiResourceLink", "title": "Mentoring agreement"},
    {"type": "html", "html": "<p>Welcome</p>"},
]


def post_response(request_claims: dict, jwt_value: str) -> requests.Response:
    return requests.post(
        request_claims[SETTINGS]["deep_link_return_url"], data={"JWT": jwt_value}, timeout=10
    )


def test_request_claims_per_flavour(browser, lms_url, registered) -> None:
    moodle = deep_link_request(browser, lms_url, registered["moodle"])
    assert moodle[CLAIM + "message_type"] == "LtiDeepLinkingRequest"
    assert CLAIM + "resource_link" not in moodle
    assert moodle[SETTINGS]["accept_types"] == ["ltiResourceLink"]
    assert "data" not in moodle[SETTINGS]
    assert set(moodle[AGS_CLAIM]) == {"scope", "lineitems"}
    assert moodle[CLAIM + "target_link_uri"].endswith("/launch?dl=1")
    spec = deep_link_request(browser, lms_url, registered["spec"])
    assert spec[SETTINGS]["data"] and spec[SETTINGS]["accept_multiple"] is True
    assert "iframe" in spec[SETTINGS]["accept_presentation_document_targets"]


@pytest.mark.parametrize("flavour", ["spec", "moodle", "canvas"])
def test_response_adds_activities_and_graded_line_items(
    browser, lms_url, registered, fake_tool: FakeTool, pilot_course_id, flavour
) -> None:
    result = registered[flavour]
    request_claims = deep_link_request(browser, lms_url, result)
    items = [dict(i, url=f"{fake_tool.url}{i['url']}") if "url" in i else i for i in ITEMS]
    answer = post_response(
        request_claims, fake_tool.sign(response_claims(request_claims, result, items))
    )
    assert answer.status_code == 200, answer.text
    assert "Monthly check-in 1" in answer.text and "Path attached" in answer.text
    course = requests.get(f"{lms_url}/{flavour}/courses/{pilot_course_id}", timeout=10).text
    assert "Monthly check-in 1" in course and "Mentoring agreement" in course
    token = fake_tool.access_token(flavour, result.client_id, SERVICE_SCOPES)
    listed = requests.get(
        request_claims[AGS_CLAIM]["lineitems"],
        timeout=10,
        headers={
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.ims.lis.v2.lineitemcontainer+json",
        },
    ).json()
    item = next(i for i in listed if i.get("resourceId") == "checkin-1")
    assert item["label"] == "Check-in 1" and item["resourceLinkId"]
    launched = (
        LtiBrowser(lms_url)
        .launch(flavour, "amara.okafor", client_id=result.client_id, link=item["resourceLinkId"])
        .json()
    )
    claims = decode_id_token(lms_url, flavour, launched["id_token"], result.client_id)
    assert claims[CLAIM + "target_link_uri"] == f"{fake_tool.url}/launch?step=checkin-1"
    assert claims[CLAIM + "custom"]["step"] == "checkin-1"
    assert claims[AGS_CLAIM]["lineitem"] == item["id"]


def _wrong_key(fake_tool: FakeTool, claims: dict) -> str:
    return fake_tool.sign(claims, key=new_rsa_key())


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"aud": "http://elsewhere.example"}, "not valid"),
        ({CLAIM + "message_type": "LtiResourceLinkRequest"}, "message_type"),
        ({CLAIM + "deployment_id": "other"}, "deployment_id"),
        ({DL_CLAIM + "data": "tampered"}, "data"),
        ({"nonce": None}, "nonce"),
        ({"iss": "someone-else"}, "not valid"),
    ],
)
def test_bad_responses_are_refused(browser, lms_url, registered, fake_tool, change, reason):
    result = registered["spec"]
    request_claims = deep_link_request(browser, lms_url, result)
    claims = response_claims(request_claims, result, ITEMS[:1], **change)
    answer = post_response(request_claims, fake_tool.sign(claims))
    assert answer.status_code == 400
    assert reason in answer.text


def test_bad_signature_and_replay(browser, lms_url, registered, fake_tool) -> None:
    result = registered["canvas"]
    request_claims = deep_link_request(browser, lms_url, result)
    claims = response_claims(request_claims, result, ITEMS[1:2])
    assert post_response(request_claims, _wrong_key(fake_tool, claims)).status_code == 400
    assert post_response(request_claims, fake_tool.sign(claims)).status_code == 200
    replay = post_response(request_claims, fake_tool.sign(claims))
    assert replay.status_code == 400 and "already" in replay.text


def test_unknown_return_url_is_404(lms_url) -> None:
    answer = requests.post(
        f"{lms_url}/spec/deep-linking/return/nope", data={"JWT": "x"}, timeout=10
    )
    assert answer.status_code == 404
