"""The tool administrator's story in headless Chromium: invite a Moodle, watch it register
(next steps, Done), tell it apart on the admin page, rename it, disable it (launches refused),
enable it, and remove it after a confirmation. Screenshots go to ``screenshot_dir()``."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from lti_tool.demo_lms.directory import get_course
from lti_tool.demo_lms.urls import platform_urls
from tests.browser.test_iframe_launch import tool_frame
from tests.support.chromium import screenshot_dir
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.browser


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(screenshot_dir() / f"admin-{name}.png"), full_page=True)


def card_of(page: Any, client_id: str) -> Any:
    return page.locator("section.platform", has=page.locator("code", has_text=client_id))


def test_admin_story(page: Any, app: Flask, lms_url: str, live_server: LiveServer) -> None:
    tool = live_server.tool_url
    page.goto(f"{tool}/admin/login")
    page.get_by_label("Admin secret").fill("test-admin-secret")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Tool administration").wait_for()

    # A registration URL for the Moodle, given to its administrator.
    page.get_by_label("Only for the LMS with issuer (optional)").fill(
        platform_urls(lms_url, "moodle").issuer
    )
    page.get_by_label("Note (optional)").fill("Moodle of the Faculty of Arts")
    page.get_by_role("button", name="Make a registration URL").click()
    invite = page.get_by_label("Registration URL").input_value()

    # The Moodle administrator registers the tool, reads the next steps, clicks Done.
    page.goto(f"{lms_url}/moodle/admin/registrations")
    page.fill("#registration_url", invite)
    page.click("button[type=submit]")
    frame = tool_frame(page, "/lti/register")
    frame.get_by_role("heading", name="Reciprocal is registered").wait_for()
    client_id = re.search(r"as client (\S+?),", frame.inner_text("main")).group(1)
    shot(page, "1-registered-next-steps")
    frame.get_by_role("button", name="Done").click()
    page.wait_for_url(f"{lms_url}/moodle/admin/registrations")

    # The admin page tells this Moodle apart and repeats the next steps.
    page.goto(f"{tool}/admin/")
    card = card_of(page, client_id)
    assert "Show in activity chooser" in card.inner_text()
    assert re.search(r"Registered\s+\d{4}-\d\d-\d\d", card.inner_text())
    shot(page, "2-dashboard")
    card.screenshot(path=str(screenshot_dir() / "admin-2-dashboard-card.png"))

    # Rename.
    card.get_by_role("link", name=re.compile("Rename or edit")).click()
    page.get_by_label("Name").fill("Moodle (Arts)")
    shot(page, "3-rename")
    page.get_by_role("button", name="Save changes").click()
    card = card_of(page, client_id)
    assert card.get_by_role("heading", name="Moodle (Arts)").is_visible()

    # Disable: a launch from that Moodle is refused with a clear page.
    card.get_by_role("button", name="Disable Moodle (Arts)").click()
    assert "disabled" in card_of(page, client_id).inner_text()
    with app.app_context():
        course_id = get_course().id
    launch = f"{lms_url}/moodle/courses/{course_id}/launch?user=amara.okafor&client_id={client_id}"
    page.goto(launch)
    refused = tool_frame(page, "/lti/login")
    refused.get_by_text("switched Reciprocal off").wait_for()
    shot(page, "4-launch-refused")

    # Enable: launches work again.
    page.goto(f"{tool}/admin/")
    card = card_of(page, client_id)
    card.screenshot(path=str(screenshot_dir() / "admin-4-disabled-card.png"))
    card.get_by_role("button", name="Enable Moodle (Arts)").click()
    page.goto(launch)
    tool_frame(page, "/s/").get_by_role("heading", name="Hello, Amara Okafor").wait_for()

    # Remove, after a confirmation that says what goes.
    page.goto(f"{tool}/admin/")
    card_of(page, client_id).get_by_role("link", name="Remove Moodle (Arts)").click()
    page.get_by_role("heading", name="What goes with it").wait_for()
    assert re.search(r"\d+\s+launch", page.inner_text("main"))
    shot(page, "5-remove-confirmation")
    page.get_by_role("button", name=re.compile("Remove Moodle \\(Arts\\)")).click()
    page.get_by_text("LMS Moodle (Arts) removed").wait_for()
    assert card_of(page, client_id).count() == 0
    shot(page, "6-removed")
