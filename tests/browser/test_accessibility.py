"""Accessibility, measured: axe-core (bundled by the PyPI package ``axe-playwright-python``, never
a CDN) runs in headless Chromium on every page of the tool and of the demo LMS, in its main
states (empty, filled, errors), wide and 380 px wide, and finds no serious or critical violation.

To check a new page, add a row to ``PAGES``: a name and how to reach it from a ``Site`` (the
launches and programs made once for the module, in ``tests/browser/a11y_site.py``). Run with
``-s`` to see the checked pages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Error as PlaywrightError

from tests.browser.a11y_site import (
    Site,
    Visit,
    admin,
    admin_login_refused,
    designer,
    go,
    learner,
    lms,
    made_site,
    mail_on,
    opened,
    shows,
    submit,
)
from tests.support.launching import LEARNER, Platform
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.browser

AXE_JS = Path(__import__("axe_playwright_python").__file__).parent / "axe.min.js"
BLOCKING = ("serious", "critical")
WIDE, NARROW = {"width": 1200, "height": 900}, {"width": 380, "height": 800}  # inside an iframe
PATH = "programs/{r}/path/"
KINDS = ("module", "agreement", "meeting", "reflection", "survey", "milestone")


# (name, how to reach it). Order matters where a page changes state: the email setting
# (restored by the fixture too).
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
    (
        "learner home, with a path (mentee, overdue steps)",
        shows(learner("", "mentee"), 'data-testid="progress"', 'data-testid="overdue"'),
    ),
    (
        "learner partner page, contact card",
        shows(learner("partner"), 'data-testid="partner-contact"'),
    ),
    ("learner partner page, meeting proposal form", opened(learner("partner"))),
    (
        "learner partner page, meeting proposal errors",
        shows(submit(learner("partner"), "Propose this time"), "Check the meeting time:"),
    ),
    (
        "learner partner page, email on",
        shows(mail_on(learner("partner")), "Email notifications are on."),
    ),
    (
        "learner partner page, email turned off",
        shows(
            mail_on(submit(learner("partner"), "Turn email notifications off")),
            "Email notifications are off.",
        ),
    ),
    (
        "learner partner page, email turned on again",
        shows(
            mail_on(submit(learner("partner"), "Turn email notifications on")),
            "Email notifications are on.",
        ),
    ),
    # The learner's steps (running program, 60 days in)
    ("step: module", learner("steps/{step:Orientation for mentors}")),
    (
        "step: module, not for this role",
        shows(
            learner("steps/{step:Orientation for mentors}", "mentee"), 'data-testid="not-for-you"'
        ),
    ),
    (
        "step: agreement, nobody signed",
        shows(learner("steps/{step:Our mentoring agreement}", "waiting"), "Nobody has signed yet."),
    ),
    ("step: agreement, signed by me", learner("steps/{step:Our mentoring agreement}")),
    (
        "step: agreement, partner signed",
        shows(
            learner("steps/{step:Our mentoring agreement}", "mentee"), "waits for your signature"
        ),
    ),
    ("step: meeting, log form", learner("steps/{step:Check-in 1}", "waiting")),
    (
        "step: meeting, log errors",
        shows(
            submit(learner("steps/{step:Check-in 1}", "waiting"), "Log meeting"),
            'data-testid="error-summary"',
        ),
    ),
    ("step: meeting, my log waits", learner("steps/{step:Check-in 1}")),
    (
        "step: meeting, a log to confirm",
        shows(learner("steps/{step:Check-in 1}", "mentee"), "Confirm this meeting"),
    ),
    (
        "step: meeting, decline errors",
        shows(
            submit(learner("steps/{step:Check-in 1}", "mentee"), "Decline"), "Say why you decline"
        ),
    ),
    ("step: reflection", learner("steps/{step:Closing reflection}")),
    (
        "step: reflection, errors",
        shows(
            submit(learner("steps/{step:Closing reflection}"), "Save my reflection"),
            "Write your reflection",
        ),
    ),
    ("step: survey", learner("steps/{step:Mid-point survey}", "mentee")),
    (
        "step: survey, errors",
        shows(
            submit(learner("steps/{step:Mid-point survey}", "mentee"), "Send my answers"),
            'data-testid="error-summary"',
        ),
    ),
    ("step: milestone", learner("steps/{step:Half-way}")),
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
    ("end a pair, confirmation", designer("programs/{r}/pairs/{e}/end")),
    (
        "end a pair, errors",
        shows(
            submit(designer("programs/{r}/pairs/{e}/end"), "End this pair"), 'aria-invalid="true"'
        ),
    ),
    ("designer audit log", designer("audit")),
    ("designer audit log, filtered", designer("audit?kind=program&since=2999-01-01")),
    ("designer audit log, bad date", designer("audit?since=31.12.2026")),
    # The designer's learning path
    (
        "path: template choice",
        shows(designer("programs/{p}/path/"), "6-month reverse-mentoring pilot"),
    ),
    ("path: steps", designer(PATH)),
    ("path: step kinds", designer(PATH + "steps/new")),
    *[(f"path: new {kind} step", designer(PATH + f"steps/new/{kind}")) for kind in KINDS],
    *[
        (
            f"path: new {kind} step, errors",
            shows(
                submit(designer(PATH + f"steps/new/{kind}"), "Add the step"),
                'data-testid="error-summary"',
            ),
        )
        for kind in KINDS
    ],
    ("path: edit a step", designer(PATH + "steps/{c}/edit")),
    (
        "path: edit, what changes in the LMS",
        shows(
            submit(
                designer(PATH + "steps/{c}/edit"), "Save changes", {"#title": "Renamed check-in"}
            ),
            'data-testid="edit-warnings"',
        ),
    ),
    (
        "path: remove, delete or keep the column",
        shows(designer(PATH + "steps/{c}/remove"), "Delete the column in the LMS"),
    ),
    (
        "path: remove, no choice",
        shows(
            submit(designer(PATH + "steps/{c}/remove"), "Remove the step"),
            'data-testid="error-summary"',
        ),
    ),
    ("path: remove a step without column", designer(PATH + "steps/{id:Half-way}/remove")),
    (
        "path: preview as mentee",
        designer(PATH + "steps/{id:Orientation for mentees}/preview?as=mentee"),
    ),
    (
        "path: preview as mentor, not for the role",
        shows(
            designer(PATH + "steps/{id:Orientation for mentees}/preview?as=mentor"),
            'data-testid="not-for-role"',
        ),
    ),
    ("path: preview a survey", designer(PATH + "steps/{id:Mid-point survey}/preview?as=mentor")),
    ("step: the designer's view", designer("steps/{step:Our mentoring agreement}")),
    ("step: the designer's view of a meeting", designer("steps/{step:Check-in 1}")),
    (
        "progress matrix, pairs at risk",
        shows(designer("programs/{r}/progress"), 'data-testid="at-risk"'),
    ),
    (
        "gradebook: columns and each person's grade sync",
        shows(designer("programs/{r}/gradebook"), 'data-testid="column"'),
    ),
    (
        "progress, grace period errors",
        shows(
            submit(designer("programs/{r}/progress"), "Save grace period", {"#grace_days": ""}),
            'data-testid="error-summary"',
        ),
    ),
    ("deep-linking picker", go(lambda site: site.deep_linker.url("deep-link"))),
    (
        "deep-linking picker, nothing chosen",
        shows(
            submit(go(lambda site: site.deep_linker.url("deep-link")), "Add to course"),
            'data-testid="error-summary"',
        ),
    ),
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
    ("admin audit log", admin("audit")),
    ("admin people, search", admin("people")),
    (
        "admin people, not found",
        shows(
            admin("people?issuer=https%3A%2F%2Fnowhere.example&sub=x"),
            "nobody with that LMS user id",
        ),
    ),
    (
        "admin people, a person found",
        shows(admin(lambda site: f"people?{site.found_query()}"), 'data-testid="person"'),
    ),
    (
        "admin erase, confirmation errors",
        shows(
            submit(
                admin(lambda site: f"people/{site.person(LEARNER).id}/erase"),
                "Erase this person",
                {"#confirm": "erase"},
            ),
            "in capitals",
        ),
    ),
    # The demo LMS
    ("demo LMS home", lms("/")),
    ("demo LMS course", lms("/spec/courses/{course}")),
    ("demo LMS gradebook", lms("/spec/courses/{course}/gradebook")),
    ("demo LMS mail", shows(lms("/mail"), 'data-testid="mail-attachment"')),
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
    with made_site(app, platforms["spec"], live_server) as made:
        yield made
        print(f"\naxe-core checked {len(made.checked)} pages: " + "; ".join(made.checked))


@pytest.fixture(scope="module")
def axe_page(chromium_context: Any) -> Iterator[Any]:
    page = chromium_context.new_page()
    yield page
    page.close()


@pytest.fixture(scope="module")
def server_errors(axe_page: Any) -> list[str]:
    """Pages answered with a 5xx: an accessible error page must not pass for the page."""
    errors: list[str] = []

    def seen(response: Any) -> None:
        if response.status >= 500 and response.request.resource_type == "document":
            errors.append(f"{response.status} {response.url}")

    axe_page.on("response", seen)
    return errors


def violations(page: Any) -> list[dict]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text())  # evaluated through the DevTools protocol: no CSP
    return [v for v in page.evaluate(AXE_RUN) if v["impact"] in BLOCKING]


def settled_violations(page: Any) -> list[dict]:
    """A page that does not know the viewer's time zone posts it and reloads itself: then
    axe runs again on the reloaded page."""
    for attempt in range(3):
        try:
            return violations(page)
        except PlaywrightError as error:
            if "context was destroyed" not in str(error) or attempt == 2:
                raise
            page.wait_for_load_state()
    raise AssertionError("unreachable")


@pytest.mark.parametrize(("name", "visit"), PAGES, ids=[re.sub(r"\W+", "-", n) for n, _ in PAGES])
def test_page_has_no_serious_violation(
    axe_page: Any, server_errors: list[str], site: Site, name: str, visit: Visit
) -> None:
    server_errors.clear()
    axe_page.set_viewport_size(WIDE)
    visit(axe_page, site)
    axe_page.wait_for_load_state()
    found = {"wide": settled_violations(axe_page)}
    axe_page.set_viewport_size(NARROW)  # the same page, not loaded again: no state replayed
    found["380 px"] = settled_violations(axe_page)
    site.checked.append(name)
    assert not server_errors, f"{name}: {server_errors}"
    assert not any(found.values()), f"{name} at {axe_page.url}: {found}"


def test_axe_reports_what_it_should(axe_page: Any) -> None:
    """The check can fail: an unlabelled input and an image without alt text are caught."""
    axe_page.set_content("<html><body><main><img src='x.png'><input></main></body></html>")
    found = {v["id"] for v in violations(axe_page)}
    assert {"image-alt", "label"} <= found, found
