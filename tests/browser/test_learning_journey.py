"""A pair follows its path in headless Chromium, inside the demo LMS's iframe with
third-party cookies blocked: mentor and mentee (each with a launch of their own) sign the
agreement, the mentee logs the first check-in, the mentor confirms it; the learner home shows
the progress and the next step; the designer's matrix shows the pair done and flags a pair at
risk."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask

from lti_tool.core.time import utcnow
from tests.browser.test_iframe_launch import open_launch, tool_frame
from tests.learning.pages_support import start_program
from tests.learning.test_progress_pages import forget_zone
from tests.matching.test_programs import forget_programs  # noqa: F401  (fixture)
from tests.support.chromium import screenshot_dir
from tests.support.launching import Platform

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("forget_programs")]


def learner(page: Any, spec: Platform, user: str, name: str) -> Any:
    open_launch(page, spec, user)
    frame = tool_frame(page, "/s/")
    frame.get_by_role("heading", name=f"Hello, {name}").wait_for()
    return frame


def open_step(frame: Any, title: str) -> None:
    frame.locator("details summary", has_text="All my steps").first.click()
    frame.get_by_role("link", name=title, exact=True).first.click()
    frame.get_by_role("heading", name=title, level=1).wait_for()


def go_home(frame: Any, name: str) -> None:
    frame.get_by_role("link", name="Home").click()
    frame.get_by_role("heading", name=f"Hello, {name}").wait_for()


def test_a_pair_signs_meets_confirms_and_the_designer_sees_it(
    page: Any, spec: Platform, app: Flask
) -> None:
    running, designer = start_program(app, spec, days_ago=60)
    forget_zone(app, designer)
    mentor = learner(page, spec, "amara.okafor", "Amara Okafor")
    open_step(mentor, "Our mentoring agreement")
    mentor.get_by_role("button", name="Sign version 1").click()
    mentor.get_by_text("You signed the agreement.").wait_for()

    mentee = learner(page, spec, "thomas.becker", "Thomas Becker")  # a launch of their own
    open_step(mentee, "Our mentoring agreement")
    mentee.get_by_text("Amara Okafor signed version 1").wait_for()
    mentee.get_by_role("button", name="Sign version 1").click()
    mentee.get_by_text("You both signed: the agreement is complete.").wait_for()
    go_home(mentee, "Thomas Becker")
    open_step(mentee, "Check-in 1: digital tools")
    met_on = (utcnow().date() - dt.timedelta(days=3)).isoformat()
    mentee.get_by_label("Date you met").fill(met_on)
    mentee.get_by_label("Length in minutes").fill("50")
    mentee.locator('input[name="topics"]').first.check()
    mentee.get_by_label("Notes for you both").fill("Set up the team channel together.")
    mentee.get_by_label("Private notes").fill("PRIVATE: the dashboards lost me.")
    mentee.get_by_role("button", name="Log meeting").click()
    mentee.get_by_text("Meeting logged. Your partner is asked to confirm it.").wait_for()

    mentor = learner(page, spec, "amara.okafor", "Amara Okafor")
    open_step(mentor, "Check-in 1: digital tools")
    mentor.get_by_text("Set up the team channel together.").wait_for()
    assert "PRIVATE" not in mentor.inner_text("main")
    mentor.get_by_role("button", name="Confirm this meeting").click()
    mentor.get_by_text("Meeting confirmed").wait_for()
    page.screenshot(path=str(screenshot_dir() / "step-meeting-confirmed.png"), full_page=True)

    go_home(mentor, "Amara Okafor")
    mentor.locator('[data-testid="learner-path"]').wait_for()
    assert "2 of" in mentor.inner_text('[data-testid="learner-path"]')
    next_step = mentor.inner_text('[data-testid="next-step"]')
    assert "Next step:" in next_step and "due" in next_step
    page.screenshot(path=str(screenshot_dir() / "learner-home-progress.png"), full_page=True)

    open_launch(page, spec, "dana.whitfield")
    frame = tool_frame(page, "/s/")
    frame.get_by_role("heading", name="Welcome, Dana Whitfield").wait_for()
    frame.get_by_role("link", name="Progress of Reverse mentoring 2026").click()
    frame.get_by_role("heading", name="Progress of every pair").wait_for()
    # The page did not know Dana's zone: the script reported the browser's and reloaded.
    frame.get_by_text("Dates and times are shown in your time zone").wait_for()
    row = frame.locator(f'tr[data-pair="{running.pair_ids[0]}"]')
    assert row.locator('[data-state="done"]').count() == 2  # the agreement and check-in 1
    at_risk = frame.inner_text('[data-testid="at-risk"]')
    assert "Liam Nguyen · Catherine Dubois" in at_risk and "Amara Okafor" not in at_risk
    page.screenshot(path=str(screenshot_dir() / "designer-progress.png"), full_page=True)
    page.set_viewport_size({"width": 380, "height": 800})
    frame.locator('[data-testid="at-risk"]').scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    page.screenshot(path=str(screenshot_dir() / "designer-progress-380.png"), full_page=True)
    page.set_viewport_size({"width": 1200, "height": 900})
