"""Keyboard only, inside the demo LMS's iframe: the learner's intake (skip link, error summary
links to its fields, ticking and typing, saving) and the designer's pair review (lock a pair,
reach the veto page). No mouse click in either journey."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.browser.test_first_time_user import designer_frame, matched_program
from tests.browser.test_iframe_launch import open_launch, tool_frame
from tests.matching.test_pair_pages import course_of, new_program
from tests.matching.test_programs import enter, forget_programs  # noqa: F401  (fixture)
from tests.support.launching import Platform

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("forget_programs")]

ACTIVE = "(() => { const e = document.activeElement; return e.id || e.textContent.trim(); })()"


def tab_to(page: Any, frame: Any, test: str, limit: int = 150) -> None:
    """Press Tab until ``test`` (a JS expression on document.activeElement) holds."""
    for _ in range(limit):
        if frame.evaluate(f"(() => {{ const e = document.activeElement; return {test}; }})()"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {test!r}; at {frame.evaluate(ACTIVE)!r}")


def test_learner_intake_by_keyboard(page: Any, spec: Platform, app: Flask) -> None:
    new_program(app, course_of(app, enter(spec)))
    open_launch(page, spec, "noah.fischer")
    frame = tool_frame(page, "/intake")
    frame.get_by_role("heading", name="About you").wait_for()
    frame.locator("a.skip-link").focus()
    page.keyboard.press("Enter")
    assert frame.evaluate("document.activeElement.id") == "main"

    # Submit at once: the error summary comes first and each link leads to its field.
    tab_to(page, frame, "e.type === 'submit'")
    page.keyboard.press("Enter")
    frame.locator('[data-testid="error-summary"]').wait_for()
    tab_to(page, frame, "e.closest('[data-testid=error-summary]') !== null")
    target = frame.evaluate("document.activeElement.getAttribute('href')").lstrip("#")
    page.keyboard.press("Enter")
    frame.wait_for_function(f"location.hash === '#{target}'")

    # Answer by keyboard: type into text fields, Space ticks boxes, arrows choose options.
    frame.locator("#department").focus()
    page.keyboard.type("Finance")
    for box in ("skills_offered", "skills_wanted", "goals", "languages", "availability"):
        frame.locator(f"input[name={box}]").first.focus()
        page.keyboard.press("Space")
        assert frame.locator(f"input[name={box}]").first.is_checked(), box
    if frame.locator("#seniority").evaluate("e => e.tagName") == "SELECT":
        frame.locator("#seniority").focus()
        page.keyboard.press("ArrowDown")
    else:
        frame.locator("#seniority").focus()
        page.keyboard.type("4")
    frame.locator("#time_zone").focus()
    if not frame.evaluate("document.getElementById('time_zone').value"):
        page.keyboard.press("ArrowDown")
    tab_to(page, frame, "e.type === 'submit'")
    page.keyboard.press("Enter")
    frame.get_by_text("your profile is saved").wait_for()


def test_designer_pair_review_by_keyboard(page: Any, spec: Platform, app: Flask) -> None:
    program_id = matched_program(app, spec)
    frame = designer_frame(page, spec, f"programs/{program_id}/pairs")
    frame.locator("#pairs-caption").wait_for()
    tab_to(page, frame, "(e.getAttribute('aria-label') || '').startsWith('Lock the pair of')")
    pair = frame.evaluate("document.activeElement.getAttribute('aria-label')")
    page.keyboard.press("Enter")
    unlock = pair.replace("Lock the pair", "Unlock the pair")
    frame.get_by_role("button", name=unlock).wait_for()

    tab_to(page, frame, "(e.getAttribute('aria-label') || '').startsWith('Veto the pair of')")
    page.keyboard.press("Enter")
    frame.wait_for_url("**/veto")
    tab_to(page, frame, "e.tagName === 'TEXTAREA' || e.tagName === 'SELECT'")
