"""One deep-linking launch signs one response: a replayed picker form answers 409 and tells
the designer to start "add activity" again from the LMS."""

from __future__ import annotations

import sqlalchemy as sa

from lti_tool.demo_lms.directory import get_registration
from lti_tool.demo_lms.flavours import get_flavour
from lti_tool.demo_lms.models import DemoResourceLink
from lti_tool.extensions import db
from tests.lti.test_deep_linking import open_picker
from tests.support.launching import Platform
from tests.support.lti_browser import parse_page


def links_titled(platform: Platform, title: str) -> int:
    with platform.app.app_context():
        registration = get_registration(get_flavour(platform.flavour), platform.client_id)
        return db.session.scalar(
            sa.select(sa.func.count()).where(
                DemoResourceLink.registration_id == registration.id, DemoResourceLink.title == title
            )
        )


def test_a_deep_linking_launch_answers_once(platform: Platform) -> None:
    before = links_titled(platform, "Reverse mentoring")
    browser, picker = open_picker(platform)
    form = parse_page(picker.text).forms[0]
    answer = browser.submit(form, picker.url, item="home")
    assert answer.status_code == 200, answer.text[:300]
    autopost = parse_page(answer.text).forms[0]
    assert browser.submit(autopost, answer.url).status_code == 200
    assert links_titled(platform, "Reverse mentoring") == before + 1

    again = browser.submit(form, picker.url, item="home")
    assert again.status_code == 409, again.text[:300]
    assert "already sent its answer" in again.text
    assert "start “add activity”" in again.text and "again" in again.text
    assert 'name="JWT"' not in again.text
    reopened = browser.request("GET", picker.url)
    assert reopened.status_code == 409 and "already sent its answer" in reopened.text
    assert links_titled(platform, "Reverse mentoring") == before + 1


def test_a_refused_choice_does_not_spend_the_launch(platform: Platform) -> None:
    browser, picker = open_picker(platform)
    form = parse_page(picker.text).forms[0]
    assert browser.submit(form, picker.url, item=[]).status_code == 422
    answer = browser.submit(form, picker.url, item="home")
    assert answer.status_code == 200 and 'name="JWT"' in answer.text
