"""Canvas's platform storage frame, driven by a real (headless) Chromium."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from lti_tool.demo_lms.registration import register_tool
from tests.demo_lms.fake_tool import FakeTool

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which(CHROMIUM):
        pytest.skip("Chromium is not installed (make browser)")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


def test_put_and_get_data_by_post_message(chromium, lms_url, fake_tool: FakeTool,
                                          pilot_course_id) -> None:
    fake_tool.registration_overrides = {"initiate_login_uri": f"{fake_tool.url}/storage-probe"}
    try:
        probe = register_tool(lms_url, "canvas", f"{fake_tool.url}/register")
    finally:
        fake_tool.registration_overrides = {}
    page = chromium.new_page()
    page.goto(f"{lms_url}/canvas/courses/{pilot_course_id}/launch"
              f"?user=amara.okafor&client_id={probe.client_id}")
    page.wait_for_function("() => Array.from(window.frames).length >= 2")
    frame = next(f for f in page.frames if "storage-probe" in f.url)
    frame.wait_for_function("() => window.results.length === 4", timeout=5000)
    results = {r["message_id"]: r for r in frame.evaluate("() => window.results")}
    capabilities = results["m1"]
    assert capabilities["subject"] == "lti.capabilities.response"
    assert {m["subject"] for m in capabilities["supported_messages"]} == {
        "lti.capabilities", "lti.put_data", "lti.get_data"}
    assert {"subject": "lti.put_data", "frame": "post_message_forwarding"} in \
        capabilities["supported_messages"]
    assert results["m2"] == {"subject": "lti.put_data.response", "message_id": "m2",
                             "key": "state-1", "value": "nonce-1"}
    assert results["m3"]["value"] == "nonce-1"
    assert results["m4"]["subject"] == "lti.get_data.response" and results["m4"]["value"] is None
    page.close()
