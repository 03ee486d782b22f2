"""In a real (headless) Chromium: Canvas's platform storage frame and the admin page that
waits for a tool's org.imsglobal.lti.close message."""

from __future__ import annotations

from typing import Any

import pytest

from lti_tool.demo_lms.registration import register_tool
from tests.demo_lms.fake_tool import FakeTool

pytestmark = pytest.mark.browser


def wait_for_frame(page: Any, url_part: str, timeout_ms: int = 5000) -> Any:
    """The page's frame whose URL contains ``url_part`` (cross-origin frames included)."""
    for _ in range(timeout_ms // 50):
        frame = next((f for f in page.frames if url_part in f.url), None)
        if frame is not None:
            frame.wait_for_load_state()
            return frame
        page.wait_for_timeout(50)
    raise AssertionError(f"no frame with {url_part!r} in {[f.url for f in page.frames]}")


def test_put_and_get_data_by_post_message(
    chromium_context, lms_url, fake_tool: FakeTool, pilot_course_id
) -> None:
    fake_tool.registration_overrides = {"initiate_login_uri": f"{fake_tool.url}/storage-probe"}
    try:
        probe = register_tool(lms_url, "canvas", f"{fake_tool.url}/register")
    finally:
        fake_tool.registration_overrides = {}
    page = chromium_context.new_page()
    page.goto(
        f"{lms_url}/canvas/courses/{pilot_course_id}/launch"
        f"?user=amara.okafor&client_id={probe.client_id}"
    )
    frame = wait_for_frame(page, "storage-probe")
    frame.wait_for_function("() => window.results.length === 4", timeout=5000)
    results = {r["message_id"]: r for r in frame.evaluate("() => window.results")}
    capabilities = results["m1"]
    assert capabilities["subject"] == "lti.capabilities.response"
    assert {m["subject"] for m in capabilities["supported_messages"]} == {
        "lti.capabilities",
        "lti.put_data",
        "lti.get_data",
    }
    assert {"subject": "lti.put_data", "frame": "post_message_forwarding"} in capabilities[
        "supported_messages"
    ]
    assert results["m2"] == {
        "subject": "lti.put_data.response",
        "message_id": "m2",
        "key": "state-1",
        "value": "nonce-1",
    }
    assert results["m3"]["value"] == "nonce-1"
    assert results["m4"]["subject"] == "lti.get_data.response" and results["m4"]["value"] is None
    page.close()


def test_admin_registration_page_waits_for_the_close_message(
    chromium_context, lms_url, fake_tool: FakeTool
) -> None:
    """The LMS keeps the tool's registration page up until the tool posts the close message
    (here: when the admin clicks the page's Done button), then reloads its list."""
    page = chromium_context.new_page()
    page.goto(f"{lms_url}/spec/admin/registrations")
    before = page.locator("table tbody tr").count()
    page.fill("#registration_url", f"{fake_tool.url}/register")
    page.click("button[type=submit]")
    page.wait_for_url(f"{lms_url}/spec/admin/register", timeout=5000)
    frame = wait_for_frame(page, "/register?")
    frame.get_by_role("button", name="Done").wait_for()
    page.wait_for_timeout(300)
    assert page.url == f"{lms_url}/spec/admin/register"  # nothing posted yet: still open
    frame.get_by_role("button", name="Done").click()
    page.wait_for_url(f"{lms_url}/spec/admin/registrations", timeout=5000)
    assert page.locator("table tbody tr").count() == before + 1
    page.close()
