"""From the demo LMS into the tool's iframe, in headless Chromium with third-party cookies
blocked: learner and designer launches, deep linking by keyboard, registration update."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from lti_tool.demo_lms.directory import get_course
from lti_tool.demo_lms.registration import register_tool
from tests.support.chromium import screenshot_dir
from tests.support.invites import invite_url_for
from tests.support.launching import Platform
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.browser


def tool_frame(page: Any, path_part: str, timeout_ms: int = 10_000) -> Any:
    """The tool's frame (on 127.0.0.1) once its URL contains ``path_part``."""
    for _ in range(timeout_ms // 50):
        frame = next((f for f in page.frames if "127.0.0.1" in f.url and path_part in f.url), None)
        if frame is not None:
            frame.wait_for_load_state()
            return frame
        page.wait_for_timeout(50)
    raise AssertionError(f"no tool frame at {path_part!r}: {[f.url for f in page.frames]}")


def open_launch(page: Any, platform: Platform, user: str, **extra: str) -> Any:
    with platform.app.app_context():
        course_id = get_course().id
    query = "&".join(
        f"{k}={v}" for k, v in {"user": user, "client_id": platform.client_id, **extra}.items()
    )
    page.goto(f"{platform.lms_url}/{platform.flavour}/courses/{course_id}/launch?{query}")
    return page


@pytest.mark.parametrize("flavour", ["spec", "moodle", "canvas"])
def test_learner_launch_in_iframe(page: Any, platforms: dict[str, Platform], flavour: str) -> None:
    open_launch(page, platforms[flavour], "amara.okafor")
    frame = tool_frame(page, "/s/")
    frame.get_by_role("heading", name="Hello, Amara Okafor").wait_for()
    assert "learner" in frame.inner_text("main")
    # Third-party cookies really are blocked for the tool inside the LMS page...
    frame.evaluate("document.cookie = 'probe3p=1; SameSite=None; Secure; Path=/'")
    assert "probe3p" not in frame.evaluate("document.cookie")
    # ...and the tool's pages still work: in-tool navigation carries the launch id.
    frame.goto(frame.url)
    frame.get_by_role("heading", name="Hello, Amara Okafor").wait_for()
    page.screenshot(path=str(screenshot_dir() / f"learner-{flavour}.png"), full_page=True)


def test_designer_launch_in_iframe(page: Any, spec: Platform) -> None:
    open_launch(page, spec, "dana.whitfield")
    frame = tool_frame(page, "/s/")
    frame.get_by_role("heading", name="Welcome, Dana Whitfield").wait_for()
    assert "designer" in frame.inner_text("main")
    page.screenshot(path=str(screenshot_dir() / "designer-spec.png"), full_page=True)


def test_deep_linking_by_keyboard(page: Any, platforms: dict[str, Platform]) -> None:
    moodle = platforms["moodle"]
    open_launch(page, moodle, "dana.whitfield", message="deep_linking")
    frame = tool_frame(page, "/deep-link")
    frame.get_by_role("heading", name="Add Reciprocal to your course").wait_for()
    frame.get_by_label("Reverse mentoring (the program home)").focus()
    page.keyboard.press("Space")
    assert frame.get_by_label("Reverse mentoring (the program home)").is_checked()
    page.keyboard.press("Tab")
    if frame.evaluate("document.activeElement.tagName") != "BUTTON":
        page.keyboard.press("Tab")
    assert frame.evaluate("document.activeElement.textContent").strip() == "Add to course"
    page.keyboard.press("Enter")
    # The LMS's deep-linking return page replaces the tool inside the iframe.
    for _ in range(200):
        returned = [f for f in page.frames if "/deep-linking/return/" in f.url]
        if returned and "Reverse mentoring" in returned[0].inner_text("body"):
            break
        page.wait_for_timeout(50)
    else:
        raise AssertionError(f"no deep-linking return page: {[f.url for f in page.frames]}")
    page.screenshot(path=str(screenshot_dir() / "deep-link-returned.png"), full_page=True)


def test_narrow_screen_has_no_horizontal_scroll(page: Any, spec: Platform) -> None:
    page.set_viewport_size({"width": 380, "height": 800})
    open_launch(page, spec, "amara.okafor")
    frame = tool_frame(page, "/s/")
    frame.get_by_role("heading", name="Hello, Amara Okafor").wait_for()
    assert frame.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_moodle_admin_updates_the_tools_registration(
    page: Any, lms_url: str, live_server: LiveServer, app: Flask
) -> None:
    fresh = register_tool(lms_url, "moodle", invite_url_for(app, live_server, "moodle"))
    page.goto(f"{lms_url}/moodle/admin/registrations")
    rows = page.locator("table tbody tr")
    before = rows.count()
    page.get_by_role("button", name=re.compile(re.escape(f"({fresh.client_id})"))).click()
    page.wait_for_url(f"{lms_url}/moodle/admin/register", timeout=5000)
    frame = tool_frame(page, "/lti/register")
    frame.get_by_role("heading", name="Reciprocal's registration is updated").wait_for()
    # The tool's page posts org.imsglobal.lti.close when the admin clicks Done; the LMS then
    # reloads its list.
    frame.get_by_role("button", name="Done").click()
    page.wait_for_url(f"{lms_url}/moodle/admin/registrations", timeout=10_000)
    assert rows.count() == before  # updated in place, not registered twice
    assert page.locator("td code", has_text=fresh.client_id).count() == 1


def test_state_cookies_do_not_pile_up(page: Any, chromium_context: Any, spec: Platform) -> None:
    """Each launch removes its partitioned state cookie: the Cookie header of the next launch
    carries one state cookie (its own), not one per earlier login."""
    chromium_context.clear_cookies()
    sent: list[str] = []

    def record(request: Any) -> None:
        if request.method == "POST" and request.url.endswith("/lti/launch"):
            sent.append(request.header_value("cookie") or "")

    page.on("request", record)
    for _ in range(3):
        open_launch(page, spec, "amara.okafor")
        tool_frame(page, "/s/").get_by_role("heading", name="Hello, Amara Okafor").wait_for()
        page.goto("about:blank")
    assert len(sent) == 3
    assert [cookie.count("lti1p3-state-") for cookie in sent] == [1, 1, 1], sent
    assert not [c for c in chromium_context.cookies() if c["name"].startswith("lti1p3-state-")]
