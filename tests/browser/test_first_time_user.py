"""The first-time user's defects, in headless Chromium inside the demo LMS's iframe with
third-party cookies blocked: the learner's home after publishing (1), real attribute values
(3), a refused pair by hand shows its error where the designer is (4), and the pairs table at
380 px (12)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from lti_tool.extensions import db
from lti_tool.matching.decisions import publish_pairs
from lti_tool.matching.models import Program
from lti_tool.matching.pairing import run_matching
from tests.browser.test_iframe_launch import open_launch, tool_frame
from tests.matching.test_pair_pages import course_of, fill_profiles, new_program, sync_roster
from tests.matching.test_programs import enter, forget_programs  # noqa: F401  (fixture)
from tests.support.chromium import screenshot_dir
from tests.support.launching import Platform

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("forget_programs")]

IN_VIEW = """(selector) => {
  const r = document.querySelector(selector).getBoundingClientRect();
  return {top: r.top, bottom: r.bottom, left: r.left, right: r.right,
          width: window.innerWidth, height: window.innerHeight,
          scroll: document.documentElement.scrollWidth};
}"""


def matched_program(app: Flask, spec: Platform, *, publish: bool = False) -> int:
    designer = enter(spec)
    sync_roster(app, designer)
    program_id = new_program(app, course_of(app, designer))
    fill_profiles(app, program_id)
    with app.app_context():
        program = db.session.get(Program, program_id)
        run_matching(program)
        if publish:
            publish_pairs(program)
        db.session.commit()
    return program_id


def designer_frame(page: Any, spec: Platform, path: str) -> Any:
    open_launch(page, spec, "dana.whitfield")
    frame = tool_frame(page, "/s/")
    frame.get_by_role("heading", name="Welcome, Dana Whitfield").wait_for()
    frame.goto(frame.url.rstrip("/") + "/" + path)
    return frame


def inside(box: dict) -> bool:
    return (
        box["left"] >= 0
        and box["right"] <= box["width"] + 1
        and box["top"] >= 0
        and box["bottom"] <= box["height"] + 1
    )


def test_learner_home_shows_the_partner_after_publishing(
    page: Any, spec: Platform, app: Flask
) -> None:
    matched_program(app, spec, publish=True)
    open_launch(page, spec, "amara.okafor")
    frame = tool_frame(page, "/s/")
    frame.get_by_role("heading", name="Hello, Amara Okafor").wait_for()
    state = frame.locator('[data-testid="program-state"]').first.inner_text()
    assert "Your partner is" in state
    assert "appears here once" not in frame.inner_text("main")
    frame.get_by_role("link", name="See why you were matched").click()
    frame.wait_for_url("**/partner")
    frame.get_by_role("heading", name="Why you were matched").first.wait_for()
    page.screenshot(path=str(screenshot_dir() / "learner-home-paired.png"), full_page=True)


def test_attributes_reach_the_browser_as_values(page: Any, spec: Platform, app: Flask) -> None:
    designer = enter(spec)
    program_id = new_program(app, course_of(app, designer))
    frame = designer_frame(page, spec, f"programs/{program_id}/rules")
    frame.get_by_label("Minimum seniority gap").wait_for()
    assert frame.evaluate("document.getElementById('min_seniority_gap').min") == "0"
    assert frame.evaluate("document.getElementById('mentor_capacity').max") == "10"
    frame.goto(frame.url.replace("/rules", "/import"))
    assert frame.evaluate("document.getElementById('file').accept") == ".csv,text/csv"

    open_launch(page, spec, "amara.okafor")  # asked for her profile: the intake
    frame = tool_frame(page, "/intake")
    frame.get_by_label("Your department").wait_for()
    assert frame.evaluate("document.getElementById('department').list.id") == "departments"
    # The learner's browser zone is preselected, and the search box is offered.
    zone = frame.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone")
    chosen = frame.evaluate("document.getElementById('time_zone').value")
    assert chosen and (chosen == zone or (zone in ("Etc/UTC", "UTC") and chosen == "UTC"))
    search = frame.get_by_label("Search time zones")
    search.fill("kolkata")
    assert frame.evaluate("document.getElementById('time_zone').value") == "Asia/Kolkata"


def test_refused_pair_by_hand_shows_its_error_where_the_designer_is(
    page: Any, spec: Platform, app: Flask
) -> None:
    program_id = matched_program(app, spec)
    frame = designer_frame(page, spec, f"programs/{program_id}/pairs")
    button = frame.get_by_role("button", name="Make and lock this pair")
    button.scroll_into_view_if_needed()
    button.click()
    frame.locator("#manual-mentor-error").wait_for()
    box = frame.evaluate(IN_VIEW, "#manual-mentor-error")
    assert inside(box), box
    # The summary at the top links to the field.
    frame.locator('[data-testid="error-summary"] a[href="#manual-mentor"]').wait_for(
        state="attached"
    )
    page.screenshot(path=str(screenshot_dir() / "pair-by-hand-refused.png"))


def test_pairs_table_fits_380_px(page: Any, spec: Platform, app: Flask) -> None:
    program_id = matched_program(app, spec)
    page.set_viewport_size({"width": 380, "height": 800})
    frame = designer_frame(page, spec, f"programs/{program_id}/pairs")
    frame.locator("#pairs-caption").wait_for()
    caption = frame.evaluate(IN_VIEW, "#pairs-caption")
    assert caption["left"] >= 0 and caption["right"] <= caption["width"] + 1, caption
    assert caption["scroll"] <= caption["width"] + 1, caption
    frame.evaluate("document.querySelector('tr[data-testid=pair-row]').scrollIntoView()")
    for name in ("Lock", "Veto…"):
        button = frame.locator("tr[data-testid=pair-row]").first.get_by_text(name, exact=True)
        box = button.bounding_box()
        frame_box = page.locator("iframe").first.bounding_box()
        assert (
            box["x"] >= frame_box["x"]
            and box["x"] + box["width"] <= frame_box["x"] + frame_box["width"] + 1
        ), (name, box)
        assert box["x"] + box["width"] <= 380, (name, box)
    page.screenshot(path=str(screenshot_dir() / "pairs-380.png"), full_page=True)
