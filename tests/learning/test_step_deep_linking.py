"""Deep Linking a learning path into the demo LMS (all three flavours) and launching a step.

The 6-month template goes in as several items at once, and one step per round trip when the
request says ``accept_multiple: false``; every graded step makes one gradebook column, once,
even when it is added again; an empty answer is refused; a step's launch lands on the step
and records its column's URL; a step of another course is refused.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

import jwt
import sqlalchemy as sa
from flask import Flask

from lti_tool.core.lti_spec import DL_CLAIM, DL_CONTENT_ITEMS
from lti_tool.demo_lms.directory import get_registration
from lti_tool.demo_lms.flavours import get_flavour
from lti_tool.demo_lms.models import DemoLineItem, DemoResourceLink
from lti_tool.extensions import db
from lti_tool.learning.models import LineItemLink, Step
from lti_tool.learning.paths import find_path, ordered_steps
from tests.learning.test_path_editor import new_path
from tests.lti.test_deep_linking import open_picker
from tests.matching.test_programs import (
    enter,
    enter_other_course,
    forget_programs,  # noqa: F401  (fixture)
)
from tests.support.launching import DESIGNER, LEARNER, Platform
from tests.support.lti_browser import LtiBrowser, parse_page


def path_steps(app: Flask, program_id: int) -> list[tuple[str, int, str]]:
    """(public_id, points, title) of the program's steps, in order."""
    with app.app_context():
        return [(s.public_id, s.points, s.title) for s in ordered_steps(find_path(program_id))]


def send(browser: LtiBrowser, picker, items: list[str]):
    """Submit the picker; the tool's autopost page (or its refusal)."""
    form = parse_page(picker.text).forms[0]
    return browser.submit(form, picker.url, item=items)


def deliver(browser: LtiBrowser, answer) -> tuple[list[dict], str]:
    """Post the tool's answer to the LMS as the autopost page would: its items and the page."""
    assert answer.status_code == 200, answer.text[:500]
    autopost = parse_page(answer.text).forms[0]
    claims = jwt.decode(autopost.fields["JWT"], options={"verify_signature": False})
    received = browser.submit(autopost, answer.url)
    assert received.status_code == 200, received.text[:500]
    return claims[DL_CONTENT_ITEMS], received.text


def columns(platform: Platform, resource_ids: list[str]) -> dict[str, int]:
    with platform.app.app_context():
        registration = get_registration(get_flavour(platform.flavour), platform.client_id)
        rows = db.session.scalars(
            sa.select(DemoLineItem).where(
                DemoLineItem.registration_id == registration.id,
                DemoLineItem.resource_id.in_(resource_ids),
            )
        ).all()
        counts: dict[str, int] = {}
        for row in rows:
            counts[row.resource_id] = counts.get(row.resource_id, 0) + 1
        return counts


def step_links(platform: Platform, public_id: str) -> list[DemoResourceLink]:
    with platform.app.app_context():
        registration = get_registration(get_flavour(platform.flavour), platform.client_id)
        links = [
            link
            for link in db.session.scalars(
                sa.select(DemoResourceLink).where(
                    DemoResourceLink.registration_id == registration.id
                )
            )
            if (link.custom or {}).get("step_id") == public_id
        ]
        for link in links:
            db.session.expunge(link)
        return links


def test_whole_path_goes_in_at_once_with_one_column_per_graded_step(
    platform: Platform, app: Flask, forget_programs: None
) -> None:
    program_id = new_path(enter(platform), f"DL whole {platform.flavour}")
    steps = path_steps(app, program_id)
    graded = [public_id for public_id, points, _ in steps if points]
    browser, picker = open_picker(platform)
    assert picker.status_code == 200 and f'value="path:{program_id}"' in picker.text
    assert 'type="checkbox"' in picker.text  # several at once

    items, _ = deliver(browser, send(browser, picker, [f"path:{program_id}"]))
    assert [i["custom"]["step_id"] for i in items] == [s[0] for s in steps]
    for item, (public_id, points, title) in zip(items, steps, strict=True):
        assert item["type"] == "ltiResourceLink" and item["title"] == title
        assert item["url"].endswith("/lti/launch")
        assert item["available"]["startDateTime"].endswith("T00:00:00Z")
        assert item["submission"]["endDateTime"].endswith("T23:59:59Z")
        if points:
            assert item["lineItem"] == {
                "scoreMaximum": points,
                "label": title,
                "resourceId": public_id,
                "tag": "reciprocal",
            }
        else:
            assert "lineItem" not in item
    assert columns(platform, graded) == {public_id: 1 for public_id in graded}
    assert all(len(step_links(platform, public_id)) == 1 for public_id, _, _ in steps)
    with app.app_context():  # the tool knows the columns are in the course
        known = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(LineItemLink)
            .join(Step, Step.id == LineItemLink.step_id)
            .where(Step.public_id.in_(graded))
        )
        assert known == len(graded)

    # Added again: the picker says so, and the LMS makes no second column.
    browser, picker = open_picker(platform)
    assert "already in the course" in picker.text
    deliver(browser, send(browser, picker, [f"step:{graded[0]}", f"step:{graded[1]}"]))
    assert columns(platform, graded) == {public_id: 1 for public_id in graded}


def _one_at_a_time_picker(platform: Platform):
    """A real deep-linking launch whose request says ``accept_multiple: false`` (as Canvas's
    assignment selection does): the LMS's id_token re-signed with that setting."""
    browser = platform.browser()
    auth = platform.start(browser, DESIGNER, deep_linking=True)
    form, _ = browser.authorize(auth)
    claims = jwt.decode(form.fields["id_token"], options={"verify_signature": False})
    claims[DL_CLAIM]["accept_multiple"] = False
    response = browser.post_id_token(form.action, platform.sign(claims), auth.state)
    return browser, browser.continue_without_js(browser.follow(response))


def test_one_step_per_round_trip_when_the_lms_accepts_one(
    spec: Platform, app: Flask, forget_programs: None
) -> None:
    program_id = new_path(enter(spec), "DL one at a time")
    steps = path_steps(app, program_id)
    browser, picker = _one_at_a_time_picker(spec)
    assert picker.status_code == 200, picker.text[:500]
    assert 'data-testid="one-at-a-time"' in picker.text and 'type="radio"' in picker.text
    assert f'value="path:{program_id}"' not in picker.text  # no "whole path" here
    two = send(browser, picker, [f"step:{steps[0][0]}", f"step:{steps[1][0]}"])
    assert two.status_code == 422 and "one activity at a time" in two.text
    assert 'name="JWT"' not in two.text

    for public_id, points, _ in steps:  # the whole template, one round trip each
        if public_id != steps[0][0]:
            browser, picker = _one_at_a_time_picker(spec)
        items, _ = deliver(browser, send(browser, picker, [f"step:{public_id}"]))
        assert len(items) == 1 and items[0]["custom"]["step_id"] == public_id
        assert ("lineItem" in items[0]) == (points > 0)
    graded = [public_id for public_id, points, _ in steps if points]
    assert columns(spec, graded) == {public_id: 1 for public_id in graded}


def test_empty_picker_is_refused_and_does_not_spend_the_launch(
    platform: Platform, app: Flask, forget_programs: None
) -> None:
    program_id = new_path(enter(platform), f"DL empty {platform.flavour}")
    browser, picker = open_picker(platform)
    refused = send(browser, picker, [])
    assert refused.status_code == 422
    assert 'data-testid="error-summary"' in refused.text
    assert "Choose at least one step" in refused.text and 'name="JWT"' not in refused.text
    first = path_steps(app, program_id)[0][0]
    items, _ = deliver(browser, send(browser, picker, [f"step:{first}", "home"]))
    assert [i["custom"] for i in items] == [{"reciprocal_item": "home"}, {"step_id": first}]


def test_a_step_of_another_course_cannot_be_picked(
    spec: Platform, app: Flask, forget_programs: None
) -> None:
    other_program = new_path(
        enter_other_course(spec, designer=True), "Other course DL", "sprint-3-months"
    )
    foreign = path_steps(app, other_program)[0][0]
    browser, picker = open_picker(spec)
    assert foreign not in picker.text
    refused = send(browser, picker, [f"step:{foreign}"])
    assert refused.status_code == 404 and 'name="JWT"' not in refused.text
    refused = send(browser, picker, [f"path:{other_program}"])
    assert refused.status_code == 404


def test_step_launch_lands_on_the_step_and_records_its_column(
    platform: Platform, app: Flask, forget_programs: None
) -> None:
    program_id = new_path(enter(platform), f"DL launch {platform.flavour}")
    public_id, points, _ = next(s for s in path_steps(app, program_id) if s[1])
    browser, picker = open_picker(platform)
    deliver(browser, send(browser, picker, [f"step:{public_id}"]))
    (link,) = step_links(platform, public_id)

    browser = platform.browser()
    designer = platform.launch(DESIGNER, browser, link=link.id)  # redirects followed
    assert designer.status_code == 200, designer.text[:500]
    assert designer.url.endswith(f"/steps/{public_id}"), designer.url
    # Only the arrival opens the step: the page's "Home" link leads home, not back to it.
    home_href = re.search(r'<a href="([^"]+)">Home</a>', designer.text).group(1)
    home = browser.request("GET", urljoin(designer.url, home_href))
    assert home.status_code == 200 and "/steps/" not in home.url, home.url
    assert "Welcome, Dana Whitfield" in home.text
    # The learner lands on the step too; with no partner in this program yet, it says so.
    learner = platform.launch(LEARNER, link=link.id)
    assert learner.url.endswith(f"/steps/{public_id}"), learner.url
    assert learner.status_code == 404
    assert "partner in this program yet" in learner.text
    with app.app_context():
        recorded = db.session.scalars(
            sa.select(LineItemLink).join(Step).where(Step.public_id == public_id)
        ).one()
        assert recorded.line_item_url and "/lineitems/" in recorded.line_item_url
        assert recorded.score_maximum == points


def requests_join(response) -> str:
    from urllib.parse import urljoin

    return urljoin(response.url, response.headers["Location"])


def test_launch_of_a_step_of_another_course_is_refused(
    spec: Platform, app: Flask, forget_programs: None
) -> None:
    from tests.support.launching import launch_with, put

    other_program = new_path(
        enter_other_course(spec, designer=True), "Other course launch", "sprint-3-months"
    )
    foreign = path_steps(app, other_program)[0][0]
    for step_id in (foreign, "0" * 32):
        landed = launch_with(
            spec, put(**{"https://purl.imsglobal.org/spec/lti/claim/custom": {"step_id": step_id}})
        )
        assert landed.status_code == 303
        refused = spec.browser().request("GET", requests_join(landed))
        assert refused.status_code == 404
        assert "not in this course" in refused.text and "Ask the course" in refused.text
        assert "Other course launch" not in refused.text
