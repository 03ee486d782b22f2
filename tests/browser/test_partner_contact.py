"""In headless Chromium: a learner, inside the demo LMS's iframe, finds their partner's email,
proposes a meeting time and gets the calendar link; the demo LMS's Mail page shows the
message the partner was sent, with its calendar file. At 380 px nothing scrolls sideways."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.browser.test_iframe_launch import open_launch, tool_frame
from tests.matching.test_partner_contact import (  # noqa: F401  (fixtures)
    demo_mail,
    email_of,
    forget_programs,
    pair_of,
    published,
    queue,
)
from tests.support.chromium import screenshot_dir
from tests.support.launching import LEARNER, Platform

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("forget_programs")]


def test_partner_contact_and_the_demo_lms_mail_page(
    page: Any, spec: Platform, app: Flask, demo_mail: int, lms_url: str
) -> None:
    from lti_tool.jobs import run_pending_jobs

    _, program_id = published(app, spec)
    _, _, partner = pair_of(app, program_id, LEARNER)
    partner_email = email_of(app, partner)

    open_launch(page, spec, LEARNER)
    frame = tool_frame(page, "/s/")
    frame.goto(
        frame.url.split("/s/")[0] + "/s/" + frame.url.split("/s/")[1].split("/")[0] + "/partner"
    )
    frame.get_by_role("heading", name="Your mentoring partner").wait_for()
    link = frame.get_by_test_id("partner-email")
    assert link.inner_text() == partner_email
    assert link.get_attribute("href") == f"mailto:{partner_email}"
    assert frame.get_by_role("button", name="Turn email notifications off").is_visible()

    frame.get_by_text("Propose a meeting time").click()
    frame.get_by_label("Date").fill("2031-05-06")
    frame.get_by_label("Start time").fill("10:15")
    frame.get_by_label("Length").select_option("30")
    frame.get_by_label("Time zone").select_option("Europe/Paris")
    frame.get_by_role("button", name="Propose this time").click()
    frame.get_by_text("Your proposed time is saved").wait_for()
    proposal = frame.get_by_test_id("proposal")
    assert "10:15–10:45" in proposal.inner_text() and "proposed by you" in proposal.inner_text()
    assert frame.get_by_role("link", name="Add to my calendar (.ics)").is_visible()

    page.set_viewport_size({"width": 380, "height": 800})
    assert frame.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path=str(screenshot_dir() / "partner-contact-380.png"), full_page=True)
    page.set_viewport_size({"width": 1200, "height": 900})

    with app.app_context():
        run_pending_jobs()
    page.goto(f"{lms_url}/mail")
    page.get_by_role("heading", name="Mail", exact=True).wait_for()
    message = page.get_by_test_id("mail").filter(has_text="proposes a meeting time").first
    assert partner_email in message.get_by_test_id("mail-to").inner_text()
    assert "proposes a meeting time" in message.inner_text()
    assert message.get_by_test_id("mail-attachment").inner_text().endswith(".ics")
    page.screenshot(path=str(screenshot_dir() / "demo-lms-mail.png"), full_page=True)
