"""The admin's data-rights page and a designer's audit log in headless Chromium: find a
person, download their data, erase them after typing ERASE; filter the course's audit log;
both usable at 380 px wide."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.matching.test_programs import PROGRAM_FORM, enter_other_course
from tests.privacy.support import give_records, launch_as, person_row, someone
from tests.support.chromium import screenshot_dir
from tests.support.launching import Platform

pytestmark = pytest.mark.browser


def fits(page: Any, width: int = 380) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_admin_exports_then_erases_a_person(page: Any, spec: Platform, app: Flask) -> None:
    context = f"RIGHTS-{uuid.uuid4().hex[:8]}"
    who, partner = someone(), someone()
    records = give_records(
        app, launch_as(spec, who, context), launch_as(spec, partner, context), who
    )
    issuer = person_row(app, records.person_id).issuer
    tool = app.config["TOOL_BASE_URL"]

    page.goto(f"{tool}/admin/login")
    page.get_by_label("Admin secret").fill("test-admin-secret")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="People and their data (export, erase)").click()
    page.get_by_label("LMS issuer").fill(issuer)
    page.get_by_label("User id in the LMS (sub)").fill(who.sub)
    page.get_by_role("button", name="Find").click()
    person = page.get_by_test_id("person")
    assert who.name in person.inner_text()

    with page.expect_download() as download:
        page.get_by_role("button", name="Download everything (JSON)").click()
    data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert data["person"]["email"] == who.email

    page.get_by_role("link", name="Erase this person…").click()
    fits(page)
    page.get_by_label("Type ERASE to confirm").fill("erase")
    page.get_by_role("button", name="Erase this person").click()
    assert "in capitals" in page.get_by_test_id("error-summary").inner_text()
    page.get_by_label("Type ERASE to confirm").fill("ERASE")
    page.get_by_role("button", name="Erase this person").click()
    assert f"Person {records.person_id} erased" in page.locator(".flash").inner_text()
    page.screenshot(path=str(screenshot_dir() / "privacy-erased.png"), full_page=True)
    assert person_row(app, records.person_id).is_erased


def test_designer_filters_the_course_audit_log(page: Any, spec: Platform) -> None:
    designer = enter_other_course(spec, designer=True)
    title = f"Audited {uuid.uuid4().hex[:6]}"
    assert designer.post("programs/new", {**PROGRAM_FORM, "title": title}).status_code == 200

    page.goto(designer.url(""))
    page.get_by_role("link", name="Audit log").click()
    page.get_by_role("heading", name="Audit log").wait_for()
    assert title in page.get_by_test_id("audit-table").inner_text()
    page.get_by_label("Kind").select_option("program")
    page.get_by_label("From (UTC date)").fill("2999-01-01")
    page.get_by_role("button", name="Show").click()
    assert "0 events" in page.get_by_test_id("audit-count").inner_text()
    fits(page)
    page.screenshot(path=str(screenshot_dir() / "privacy-audit.png"), full_page=True)
