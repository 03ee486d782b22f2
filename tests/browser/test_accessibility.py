"""Accessibility, measured: axe-core (bundled by the PyPI package ``axe-playwright-python``, never
a CDN) runs in headless Chromium on every page of the tool and of the demo LMS, in its main
states (empty, filled, errors), and finds no serious or critical violation.

To check a new page, add a row to ``PAGES``: a name and how to reach it from a ``Site`` (the
launches and programs made once for the module). Run with ``-s`` to see the checked pages.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from lti_tool.demo_lms.directory import get_course
from lti_tool.extensions import db
from lti_tool.matching.decisions import publish_pairs
from lti_tool.matching.models import Pair, Program
from lti_tool.matching.pairing import run_matching
from tests.matching.test_pair_pages import course_of, fill_profiles, new_program, sync_roster
from tests.matching.test_programs import InTool, enter, in_tool
from tests.support.launching import DESIGNER, LEARNER, Platform
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.browser

AXE_JS = Path(__import__("axe_playwright_python").__file__).parent / "axe.min.js"
BLOCKING = ("serious", "critical")
ADMIN_SECRET = "test-admin-secret"
NEWCOMER = "noah.fischer"  # left out by fill_profiles


@dataclass
class Site:
    """What the pages need: the servers, launches in each role and programs in each phase."""

    app: Flask
    spec: Platform
    live: LiveServer
    designer: InTool
    learner: InTool
    newcomer: InTool  # a learner of the course without a profile (nor a partner)
    deep_linker: InTool  # the designer's "Add activity" launch
    program_id: int  # published pairs
    checked: list[str] = field(default_factory=list)

    def tool(self, someone: InTool, path: str = "") -> str:
        return someone.url(path)

    @property
    def lms(self) -> str:
        return self.live.lms_url

    @property
    def course_id(self) -> int:
        with self.app.app_context():
            return get_course().id

    def pair_id(self) -> int:
        with self.app.app_context():
            return db.session.scalar(
                sa.select(Pair.id).where(Pair.program_id == self.program_id).limit(1)
            )


Visit = Callable[[Any, Site], None]


def go(path: Callable[[Site], str]) -> Visit:
    def visit(page: Any, site: Site) -> None:
        page.goto(path(site))

    return visit


def designer(path: str) -> Visit:
    return go(lambda site: site.designer.url(path.format(p=site.program_id)))


def learner(path: str) -> Visit:
    return go(lambda site: site.learner.url(path.format(p=site.program_id)))


def submit(path: Visit, button: str) -> Visit:
    """Open the page and press ``button`` without filling anything: the errors state."""

    def visit(page: Any, site: Site) -> None:
        path(page, site)
        page.evaluate("document.querySelectorAll('[required]').forEach(e => e.required = false)")
        page.get_by_role("button", name=button).first.click()
        page.wait_for_load_state()

    return visit


def admin(path: str) -> Visit:
    def visit(page: Any, site: Site) -> None:
        page.goto(f"{site.live.tool_url}/admin/login")
        if "/admin/login" in page.url and page.locator("#secret").count():
            page.get_by_label("Admin secret").fill(ADMIN_SECRET)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_load_state()
        page.goto(f"{site.live.tool_url}/admin/{path}")

    return visit


def admin_login_refused(page: Any, site: Site) -> None:
    page.goto(f"{site.live.tool_url}/admin/login")
    page.get_by_label("Admin secret").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def lms(path: str) -> Visit:
    return go(lambda site: site.lms + path.format(course=site.course_id))


# (name, how to reach it). Order matters only where a page changes state (none here).
PAGES: list[tuple[str, Visit]] = [
    # The learner
    (
        "learner intake, empty",
        go(lambda site: site.newcomer.url(f"programs/{site.program_id}/intake")),
    ),
    ("learner partner page, no partner", go(lambda site: site.newcomer.url("partner"))),
    ("learner home, paired", learner("")),
    ("learner partner page", learner("partner")),
    ("learner intake, filled", learner("programs/{p}/intake")),
    ("learner intake, errors", submit(learner("programs/{p}/intake"), "Update my profile")),
    # The designer
    ("designer home, with programs", designer("")),
    ("program list", designer("programs/")),
    ("new program form", designer("programs/new")),
    ("new program form, errors", submit(designer("programs/new"), "Create program")),
    ("program overview", designer("programs/{p}/")),
    ("program edit", designer("programs/{p}/edit")),
    ("program rules", designer("programs/{p}/rules")),
    ("skill catalogue", designer("programs/{p}/skills")),
    ("CSV import", designer("programs/{p}/import")),
    ("close program", designer("programs/{p}/close")),
    ("people and profiles", designer("programs/{p}/people")),
    ("pair review", designer("programs/{p}/pairs")),
    ("publish pairs", designer("programs/{p}/pairs/publish")),
    (
        "veto a pair",
        go(
            lambda site: site.designer.url(
                f"programs/{site.program_id}/pairs/{site.pair_id()}/veto"
            )
        ),
    ),
    ("roster", designer("roster")),
    ("deep-linking picker", go(lambda site: site.deep_linker.url("deep-link"))),
    # Error pages
    ("error 401, launch ended", go(lambda site: f"{site.live.tool_url}/s/no-such-launch/")),
    ("error 403, learner on a designer page", learner("programs/")),
    ("error 404", designer("programs/999999/")),
    # Administration
    ("admin login", go(lambda site: f"{site.live.tool_url}/admin/login")),
    ("admin login, refused", admin_login_refused),
    ("admin dashboard", admin("")),
    ("admin add platform", admin("platforms/new")),
    ("admin add platform, errors", submit(admin("platforms/new"), "Save")),
    # The demo LMS
    ("demo LMS home", lms("/")),
    ("demo LMS course", lms("/spec/courses/{course}")),
    ("demo LMS gradebook", lms("/spec/courses/{course}/gradebook")),
    ("demo LMS registrations", lms("/moodle/admin/registrations")),
    ("demo LMS launch page", lms(f"/spec/courses/{{course}}/launch?user={LEARNER}")),
]

AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 4).map(n => n.target.join(' '))}));
}"""


@pytest.fixture(scope="module")
def site(app: Flask, platforms: dict[str, Platform], live_server: LiveServer) -> Iterator[Site]:
    spec = platforms["spec"]
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.max(Program.id))) or 0
    designer_in = enter(spec)
    sync_roster(app, designer_in)
    program_id = new_program(app, course_of(app, designer_in))
    fill_profiles(app, program_id)
    with app.app_context():
        program = db.session.get(Program, program_id)
        run_matching(program)
        publish_pairs(program)
        db.session.commit()
    deep_linker = in_tool(spec, spec.launch(DESIGNER, deep_linking=True))
    site = Site(
        app,
        spec,
        live_server,
        designer_in,
        enter(spec, LEARNER),
        enter(spec, NEWCOMER),
        deep_linker,
        program_id,
    )
    yield site
    print(f"\naxe-core checked {len(site.checked)} pages: " + "; ".join(site.checked))
    with app.app_context():
        for program in db.session.scalars(sa.select(Program).where(Program.id > before)):
            db.session.delete(program)
        db.session.commit()


@pytest.fixture(scope="module")
def axe_page(chromium_context: Any) -> Iterator[Any]:
    page = chromium_context.new_page()
    yield page
    page.close()


def violations(page: Any) -> list[dict]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text())  # evaluated through the DevTools protocol: no CSP
    return [v for v in page.evaluate(AXE_RUN) if v["impact"] in BLOCKING]


@pytest.mark.parametrize(("name", "visit"), PAGES, ids=[re.sub(r"\W+", "-", n) for n, _ in PAGES])
def test_page_has_no_serious_violation(axe_page: Any, site: Site, name: str, visit: Visit) -> None:
    visit(axe_page, site)
    axe_page.wait_for_load_state()
    found = violations(axe_page)
    site.checked.append(name)
    assert not found, f"{name} at {axe_page.url}: {found}"


def test_axe_reports_what_it_should(axe_page: Any) -> None:
    """The check can fail: an unlabelled input and an image without alt text are caught."""
    axe_page.set_content("<html><body><main><img src='x.png'><input></main></body></html>")
    found = {v["id"] for v in violations(axe_page)}
    assert {"image-alt", "label"} <= found, found
