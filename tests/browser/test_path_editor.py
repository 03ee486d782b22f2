"""The path editor and the step picker in headless Chromium, inside the demo LMS's iframe:
the designer reorders steps with the keyboard only, then deep-links a step into the course."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from lti_tool.learning.paths import find_path, ordered_steps
from tests.browser.test_iframe_launch import open_launch, tool_frame
from tests.learning.test_path_editor import new_path
from tests.matching.test_programs import enter, forget_programs  # noqa: F401  (fixture)
from tests.support.chromium import screenshot_dir
from tests.support.launching import DESIGNER, Platform

pytestmark = pytest.mark.browser


def titles(app: Flask, program_id: int) -> list[str]:
    with app.app_context():
        return [s.title for s in ordered_steps(find_path(program_id))]


def test_designer_reorders_by_keyboard_and_deep_links_a_step(
    page: Any, platforms: dict[str, Platform], app: Flask, forget_programs: None
) -> None:
    moodle = platforms["moodle"]
    program_id = new_path(enter(moodle), "Browser path")
    first, second = titles(app, program_id)[:2]

    open_launch(page, moodle, DESIGNER)
    frame = tool_frame(page, "/s/")
    launch_id = re.search(r"/s/([^/]+)/", frame.url).group(1)
    frame.goto(f"{frame.url.split('/s/')[0]}/s/{launch_id}/programs/{program_id}/")
    frame.get_by_role("link", name="Learning path").click()
    frame.get_by_role("heading", name="6-month reverse-mentoring pilot").wait_for()

    move_down = frame.get_by_role("button", name=f"Move down {first}")
    move_down.focus()
    page.keyboard.press("Enter")
    frame.get_by_text("Step moved.").wait_for()
    assert titles(app, program_id)[:2] == [second, first]
    rows = frame.locator("table.path-steps tbody th[scope=row]")
    assert rows.nth(0).inner_text().startswith(second)
    assert rows.nth(1).inner_text().startswith(first)
    page.set_viewport_size({"width": 380, "height": 800})
    page.screenshot(path=str(screenshot_dir() / "path-editor-380.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})

    open_launch(page, moodle, DESIGNER, message="deep_linking")
    picker = tool_frame(page, "/deep-link")
    picker.get_by_role("heading", name="Add Reciprocal to your course").wait_for()
    picker.get_by_role("button", name="Add to course").focus()
    page.keyboard.press("Enter")  # nothing chosen: refused, with a message
    picker = tool_frame(page, "/deep-link")
    picker.get_by_text("Choose at least one step").first.wait_for()
    choice = picker.get_by_label(second, exact=False).first
    choice.focus()
    page.keyboard.press("Space")
    assert choice.is_checked()
    picker.get_by_role("button", name="Add to course").focus()
    page.keyboard.press("Enter")
    for _ in range(200):
        returned = [f for f in page.frames if "/deep-linking/return/" in f.url]
        if returned and second in returned[0].inner_text("body"):
            break
        page.wait_for_timeout(50)
    else:
        raise AssertionError(f"no deep-linking return page: {[f.url for f in page.frames]}")
    page.screenshot(path=str(screenshot_dir() / "path-deep-linked.png"), full_page=True)
