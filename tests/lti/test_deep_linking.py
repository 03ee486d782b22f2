"""Deep Linking round trip: designer picks content, the LMS receives a signed response."""

from __future__ import annotations

import sqlalchemy as sa

from lti_tool.demo_lms.directory import get_registration
from lti_tool.demo_lms.flavours import get_flavour
from lti_tool.demo_lms.models import DemoResourceLink
from lti_tool.extensions import db
from tests.support.launching import DESIGNER, LEARNER, Platform
from tests.support.lti_browser import parse_page


def open_picker(platform: Platform, user: str = DESIGNER):
    browser = platform.browser()
    page = platform.launch(user, browser=browser, deep_linking=True)
    return browser, page


def test_deep_linking_round_trip_adds_the_program_home(platform: Platform) -> None:
    """The picker's step items are tested in tests/learning/test_step_deep_linking.py."""
    browser, picker = open_picker(platform)
    assert picker.status_code == 200, picker.text[:500]
    assert "Add Reciprocal to your course" in picker.text
    form = parse_page(picker.text).forms[0]
    answer = browser.submit(form, picker.url, item="home")
    assert answer.status_code == 200
    autopost = parse_page(answer.text).forms[0]
    assert autopost.action.startswith(platform.lms_url) and "JWT" in autopost.fields
    received = browser.submit(autopost, answer.url)
    assert received.status_code == 200, received.text[:500]

    with platform.app.app_context():
        registration = get_registration(get_flavour(platform.flavour), platform.client_id)
        link = db.session.scalars(
            sa.select(DemoResourceLink).where(
                DemoResourceLink.registration_id == registration.id,
                DemoResourceLink.title == "Reverse mentoring",
            )
        ).first()
        assert link is not None and link.url.endswith("/lti/launch")


def test_picker_form_needs_its_csrf_token(spec: Platform) -> None:
    browser, picker = open_picker(spec)
    form = parse_page(picker.text).forms[0]
    refused = browser.submit(form, picker.url, csrf_token="forged")
    assert refused.status_code == 403 and "security token" in refused.text


def test_unknown_item_is_a_clear_error(spec: Platform) -> None:
    browser, picker = open_picker(spec)
    form = parse_page(picker.text).forms[0]
    refused = browser.submit(form, picker.url, item="no-such-thing")
    assert refused.status_code == 404 and "not part of a learning path" in refused.text


def test_learner_cannot_deep_link(spec: Platform) -> None:
    _, page = open_picker(spec, LEARNER)
    assert page.status_code == 403
    assert "for designers of the course" in page.text


def test_picker_requires_a_deep_linking_launch(spec: Platform) -> None:
    browser = spec.browser()
    home = spec.launch(DESIGNER, browser=browser)
    picker_url = home.url.rstrip("/") + "/deep-link"
    page = browser.request("GET", picker_url)
    assert page.status_code == 400 and "needs a deep-linking launch" in page.text
