"""The whole path story in headless Chromium, inside the demo LMS (Moodle flavour) with
third-party cookies blocked: the designer chooses the 6-month pilot template in the tool and
adds the whole path to the course through the LMS's "Add activity" (Deep Linking) — each
graded step becomes one gradebook column; mentor and mentee open the agreement activity from
the course and both sign; the mentee logs a check-in, the mentor confirms it; the grade
drain sends the completions and the demo LMS's gradebook shows them; the step's Home link
leads to the learner's home, with the progress."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask

from lti_tool.core.time import utcnow
from lti_tool.demo_lms.directory import get_course
from tests.browser.test_iframe_launch import open_launch, tool_frame
from tests.grades.test_columns import run_grade_jobs
from tests.learning.pages_support import TITLE, start_program
from tests.learning.test_step_deep_linking import path_steps
from tests.matching.test_programs import forget_programs  # noqa: F401  (fixture)
from tests.support.chromium import screenshot_dir
from tests.support.launching import Platform

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("forget_programs")]
MENTOR, MENTEE = ("amara.okafor", "Amara Okafor"), ("thomas.becker", "Thomas Becker")


def course_url(platform: Platform) -> str:
    with platform.app.app_context():
        return f"{platform.lms_url}/{platform.flavour}/courses/{get_course().id}"


def open_activity(page: Any, platform: Platform, user: str, title: str) -> Any:
    """Act as ``user`` in the LMS, then launch the course activity ``title``."""
    open_launch(page, platform, user)
    tool_frame(page, "/s/")
    page.goto(course_url(platform))
    page.locator("li", has_text=title).get_by_role("link", name="Launch").click()
    frame = tool_frame(page, "/steps/")
    frame.get_by_role("heading", name=title, level=1).wait_for()
    return frame


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(screenshot_dir() / f"path-journey-{name}.png"), full_page=True)


def test_designer_deep_links_the_pilot_and_a_pairs_grades_reach_the_gradebook(
    page: Any, platforms: dict[str, Platform], app: Flask
) -> None:
    moodle = platforms["moodle"]
    running, _ = start_program(app, moodle, days_ago=60, template=None)

    open_launch(page, moodle, "dana.whitfield")
    frame = tool_frame(page, "/s/")
    frame.get_by_role("link", name=TITLE).first.click()
    frame.locator("main a", has_text="Learning path").last.click()
    frame.get_by_role("button", name="Use “6-month reverse-mentoring pilot”").click()
    frame.get_by_text("Path created from the template.").wait_for()

    page.goto(f"{course_url(moodle)}/gradebook")
    before = page.locator("thead th").all_inner_texts()  # other tests' programs have columns
    page.goto(course_url(moodle))
    # Other tests may register more tools in this LMS: pick this registration's link.
    page.locator(f'a[href*="client_id={moodle.client_id}&"][href*="message=deep_linking"]').click()
    picker = tool_frame(page, "/deep-link")
    picker.get_by_role("checkbox", name="The whole path").check()
    picker.get_by_role("button", name="Add to course").click()
    # The LMS's deep-linking return page opens inside the frame the picker was in.
    page.frame_locator("iframe").get_by_role("heading", name="Activities added").wait_for()
    graded = [title for _, points, title in path_steps(app, running.program_id) if points]
    page.goto(f"{course_url(moodle)}/gradebook")
    headers = page.locator("thead th").all_inner_texts()
    for title in graded:  # one column each
        made = sum(h.startswith(title + "\n") for h in headers) - sum(
            h.startswith(title + "\n") for h in before
        )
        assert made == 1, (title, headers)
    shot(page, "columns")

    mentor = open_activity(page, moodle, MENTOR[0], "Our mentoring agreement")
    mentor.get_by_role("button", name="Sign version 1").click()
    mentor.get_by_text("You signed the agreement.").wait_for()
    mentee = open_activity(page, moodle, MENTEE[0], "Our mentoring agreement")
    mentee.get_by_role("button", name="Sign version 1").click()
    mentee.get_by_text("You both signed: the agreement is complete.").wait_for()

    mentee = open_activity(page, moodle, MENTEE[0], "Check-in 1: digital tools")
    mentee.get_by_label("Date you met").fill((utcnow().date() - dt.timedelta(days=2)).isoformat())
    mentee.get_by_label("Length in minutes").fill("45")
    mentee.locator('input[name="topics"]').first.check()
    mentee.get_by_role("button", name="Log meeting").click()
    mentee.get_by_text("Meeting logged. Your partner is asked to confirm it.").wait_for()
    mentor = open_activity(page, moodle, MENTOR[0], "Check-in 1: digital tools")
    mentor.get_by_role("button", name="Confirm this meeting").click()
    mentor.get_by_text("Meeting confirmed").wait_for()

    assert run_grade_jobs(app) >= 1  # the worker's grade drain, in-process
    page.goto(f"{course_url(moodle)}/gradebook")
    headers = page.locator("thead th").all_inner_texts()
    for title in ("Our mentoring agreement", "Check-in 1: digital tools"):
        column = next(i for i, h in enumerate(headers) if h.startswith(title + "\n"))
        for _, name in (MENTOR, MENTEE):
            row = page.locator("tbody tr", has=page.get_by_role("rowheader", name=name))
            assert row.locator("td").nth(column - 1).inner_text().strip() == "10", (title, name)
    shot(page, "grades")

    mentor = open_activity(page, moodle, MENTOR[0], "Check-in 1: digital tools")
    mentor.get_by_text("Your completion is recorded in the course gradebook.").wait_for()
    mentor.get_by_role("link", name="Home", exact=True).click()  # home, not the step again
    mentor.get_by_role("heading", name=f"Hello, {MENTOR[1]}").wait_for()
    assert "2 of" in mentor.inner_text('[data-testid="learner-path"]')
    shot(page, "learner-home")
