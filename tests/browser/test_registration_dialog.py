"""The registration page in the LMS's dialog, in headless Chromium: the admin reads the next
steps, and the dialog closes only when they click Done (Moodle removes it about 10 ms after
the tool's close message, so a page that posts it on load is never read)."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from flask import Flask

from tests.browser.test_iframe_launch import tool_frame
from tests.support.chromium import screenshot_dir
from tests.support.invites import invite_url_for
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.browser

# Records every message the LMS page receives, from before the tool's frame loads.
RECORD_MESSAGES = """
if (window.top === window) {
  window.__messages = [];
  window.addEventListener("message", function (e) { window.__messages.push(e.data); });
}
"""


def test_moodle_admin_reads_the_next_steps_and_closes_with_done(
    chromium_context: Any, lms_url: str, live_server: LiveServer, app: Flask
) -> None:
    page = chromium_context.new_page()
    page.add_init_script(RECORD_MESSAGES)
    page.goto(f"{lms_url}/moodle/admin/registrations")
    before = page.locator("table tbody tr").count()
    page.fill("#registration_url", invite_url_for(app, live_server, "moodle"))
    page.click("button[type=submit]")
    page.wait_for_url(f"{lms_url}/moodle/admin/register", timeout=5000)
    frame = tool_frame(page, "/lti/register")
    frame.get_by_role("heading", name="Reciprocal is registered").wait_for()
    assert "Activate" in frame.inner_text("main")
    assert "Show in activity chooser" in frame.inner_text("main")
    page.wait_for_timeout(500)
    # Loaded and read, nothing posted: the LMS still shows the page.
    assert page.evaluate("window.__messages") == []
    assert page.url == f"{lms_url}/moodle/admin/register"
    page.screenshot(path=str(screenshot_dir() / "registration-next-steps.png"), full_page=True)
    done = frame.get_by_role("button", name="Done")
    done.focus()
    page.keyboard.press("Enter")  # by keyboard, as by mouse
    page.wait_for_url(f"{lms_url}/moodle/admin/registrations", timeout=5000)
    assert page.locator("table tbody tr").count() == before + 1
    page.close()


def test_done_outside_a_dialog_says_the_window_can_be_closed(
    page: Any, lms_url: str, live_server: LiveServer, app: Flask
) -> None:
    """Opened in a tab of its own (no LMS around it), Done posts to nobody and says so."""
    minted = requests.post(
        f"{lms_url}/spec/admin/api/registration-tokens", json={}, timeout=10
    ).json()
    url = (
        invite_url_for(app, live_server, "spec")
        + "&openid_configuration="
        + requests.utils.quote(minted["openid_configuration"], safe="")
        + "&registration_token="
        + minted["registration_token"]
    )
    page.goto(url)
    page.get_by_role("heading", name="Reciprocal is registered").wait_for()
    status = page.get_by_role("status")
    assert not status.is_visible()
    page.get_by_role("button", name="Done").click()
    status.wait_for()
    assert "close" in status.inner_text()
