"""The state the accessibility check visits, made once for the module: launches in each role,
a program in its matching phase (no learning path yet) and a running program on the 6-month
pilot path with work in progress; and how a row of ``PAGES`` reaches its page (``Visit``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import Flask

from lti_tool.core.time import utcnow
from lti_tool.demo_lms.directory import get_course, get_user
from lti_tool.demo_lms.models import DemoMail
from lti_tool.extensions import db
from lti_tool.learning.models import LineItemLink, Step
from lti_tool.matching.decisions import publish_pairs
from lti_tool.matching.models import Pair, Profile, Program
from lti_tool.matching.pairing import run_matching
from lti_tool.roster.models import Membership, Person
from tests.learning.pages_support import PAIRS, Running, meeting_ids, start_program
from tests.matching.test_pair_pages import course_of, fill_profiles, new_program, sync_roster
from tests.matching.test_programs import InTool, enter, in_tool
from tests.support.launching import DESIGNER, LEARNER, Platform
from tests.support.live_server import LiveServer

ADMIN_SECRET = "test-admin-secret"
NEWCOMER = "noah.fischer"  # left out by fill_profiles
MENTEE = PAIRS[0][1]  # LEARNER's partner in the running program
WAITING = PAIRS[1][0]  # a mentor of the running program who has done nothing yet


@dataclass
class Site:
    """What the pages need: the servers, launches in each role and programs in each phase."""

    app: Flask
    spec: Platform
    live: LiveServer
    designer: InTool
    learner: InTool  # the mentor of the running program's first pair
    newcomer: InTool  # a learner of the course without a profile (nor a partner)
    deep_linker: InTool  # the designer's "Add activity" launch
    program_id: int  # published pairs, no learning path
    running: Running  # a program 60 days in, on the pilot path
    mentee: InTool  # the learner's partner in the running program
    waiting: InTool  # a learner of the running program who has done nothing
    column_step: int  # a graded step with a gradebook column in the LMS
    checked: list[str] = field(default_factory=list)

    @property
    def lms(self) -> str:
        return self.live.lms_url

    @property
    def course_id(self) -> int:
        with self.app.app_context():
            return get_course().id

    def pair_id(self, program_id: int | None = None) -> int:
        with self.app.app_context():
            return db.session.scalar(
                sa.select(Pair.id)
                .where(Pair.program_id == (program_id or self.program_id))
                .order_by(Pair.id.desc())
                .limit(1)
            )

    def step_id(self, title_start: str) -> int:
        """The editor's id of the running path's step (the learner pages use public ids)."""
        with self.app.app_context():
            return db.session.scalar(
                sa.select(Step.id).where(Step.public_id == self.running.step(title_start))
            )

    def found_query(self) -> str:
        """The admin's people search for the learner."""
        person = self.person(LEARNER)
        return urlencode({"issuer": person.issuer, "sub": person.sub})

    def person(self, username: str) -> Person:
        with self.app.app_context():
            person = db.session.scalars(
                sa.select(Person).where(Person.sub == get_user(username).uuid).limit(1)
            ).one()
            db.session.expunge(person)
            return person


Visit = Callable[[Any, Site], None]


def go(path: Callable[[Site], str]) -> Visit:
    def visit(page: Any, site: Site) -> None:
        page.goto(path(site))

    return visit


def designer(path: str) -> Visit:
    """A designer page; ``{p}`` is the matching program, ``{r}`` the running one."""
    return go(lambda site: site.designer.url(fill(path, site)))


def learner(path: str, who: str = "learner") -> Visit:
    """A learner page; ``{step:Title start}`` is a step of the running path."""
    return go(lambda site: getattr(site, who).url(fill(path, site)))


def fill(path: str, site: Site) -> str:
    if "{step:" in path:
        head, rest = path.split("{step:", 1)
        title, tail = rest.split("}", 1)
        path = head + site.running.step(title) + tail
    if "{id:" in path:
        head, rest = path.split("{id:", 1)
        title, tail = rest.split("}", 1)
        path = f"{head}{site.step_id(title)}{tail}"
    running = site.running.program_id
    ending = site.pair_id(running) if "{e}" in path else 0
    return path.format(p=site.program_id, r=running, c=site.column_step, e=ending)


def submit(path: Visit, button: str, values: dict[str, str] | None = None) -> Visit:
    """Open the page, fill ``values`` (CSS selector → text) and press ``button``: without
    values, nothing is filled and the page shows its errors."""

    def visit(page: Any, site: Site) -> None:
        path(page, site)
        page.evaluate("document.querySelectorAll('[required]').forEach(e => e.required = false)")
        page.evaluate("document.querySelectorAll('details').forEach(e => e.open = true)")
        for selector, value in (values or {}).items():
            page.locator(selector).first.fill(value)
        page.get_by_role("button", name=button).first.click()
        page.wait_for_load_state()

    return visit


def shows(path: Visit, *texts: str) -> Visit:
    """The page, checked to be in the state the row names: its HTML holds each of ``texts``."""

    def visit(page: Any, site: Site) -> None:
        path(page, site)
        page.wait_for_load_state()
        html = page.content()
        missing = [text for text in texts if text not in html]
        assert not missing, f"{page.url} does not show {missing}"

    return visit


def opened(path: Visit) -> Visit:
    """The page with its disclosures (``<details>``) open, so their forms are checked too."""

    def visit(page: Any, site: Site) -> None:
        path(page, site)
        page.evaluate("document.querySelectorAll('details').forEach(e => e.open = true)")

    return visit


def mail_on(path: Visit) -> Visit:
    """The page while the tool sends email (an SMTP host set; nothing is sent meanwhile)."""

    def visit(page: Any, site: Site) -> None:
        before = site.app.config.get("SMTP_HOST")
        site.app.config["SMTP_HOST"] = "127.0.0.1"
        try:
            path(page, site)
        finally:
            site.app.config["SMTP_HOST"] = before

    return visit


def admin(path: str | Callable[[Site], str]) -> Visit:
    def visit(page: Any, site: Site) -> None:
        page.goto(f"{site.live.tool_url}/admin/login")
        if "/admin/login" in page.url and page.locator("#secret").count():
            page.get_by_label("Admin secret").fill(ADMIN_SECRET)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_load_state()
        page.goto(f"{site.live.tool_url}/admin/{path(site) if callable(path) else path}")

    return visit


def admin_login_refused(page: Any, site: Site) -> None:
    page.goto(f"{site.live.tool_url}/admin/login")
    page.get_by_label("Admin secret").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def lms(path: str) -> Visit:
    return go(lambda site: site.lms + path.format(course=site.course_id))


@contextmanager
def made_site(app: Flask, spec: Platform, live_server: LiveServer) -> Iterator[Site]:
    """Build the site; afterwards delete the programs and mail it made."""
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.max(Program.id))) or 0
        mail_before = db.session.scalar(sa.select(sa.func.max(DemoMail.id))) or 0
    designer_in = enter(spec)
    sync_roster(app, designer_in)
    program_id = new_program(app, course_of(app, designer_in))
    fill_profiles(app, program_id)
    with app.app_context():
        program = db.session.get(Program, program_id)
        run_matching(program)
        publish_pairs(program)
        db.session.commit()
    running = _running_program(app, spec)
    with app.app_context():  # a row turns the learner's email off: restored afterwards
        emails = {
            membership.id: membership.is_notified_by_email
            for membership in db.session.scalars(sa.select(Membership))
        }
    site = Site(
        app,
        spec,
        live_server,
        designer_in,
        enter(spec, LEARNER),
        enter(spec, NEWCOMER),
        in_tool(spec, spec.launch(DESIGNER, deep_linking=True)),
        program_id,
        running,
        enter(spec, MENTEE),
        enter(spec, WAITING),
        column_step=0,
    )
    _work_in_progress(site)
    try:
        yield site
    finally:
        with app.app_context():
            for program in db.session.scalars(sa.select(Program).where(Program.id > before)):
                db.session.delete(program)
            db.session.execute(sa.delete(DemoMail).where(DemoMail.id > mail_before))
            for membership_id, wanted in emails.items():
                db.session.execute(
                    sa.update(Membership)
                    .where(Membership.id == membership_id)
                    .values(is_notified_by_email=wanted)
                )
            db.session.commit()


def _running_program(app: Flask, spec: Platform) -> Running:
    running, _designer = start_program(app, spec, days_ago=60)
    with app.app_context():
        db.session.execute(  # everyone shares their profile, and so their email
            sa.update(Profile)
            .where(Profile.program_id == running.program_id)
            .values(consents_to_share=True)
        )
        db.session.commit()
    return running


def _work_in_progress(site: Site) -> None:
    """The learner signed the agreement and logged a meeting the mentee has to confirm; a
    graded step has a gradebook column; the demo LMS received two messages."""
    mentor, mentee = site.learner, site.mentee
    mentor.post(f"steps/{site.running.step('Our mentoring agreement')}/sign")
    checkin = f"steps/{site.running.step('Check-in 1')}"
    met_on = (utcnow().date() - dt.timedelta(days=2)).isoformat()
    mentor.post(f"{checkin}/meetings", {"met_on": met_on, "duration_minutes": "45"})
    assert meeting_ids(mentee.get(checkin).text), "the logged meeting waits for confirmation"
    with site.app.app_context():
        step = db.session.scalars(
            sa.select(Step).where(Step.public_id == site.running.step("Check-in 5"))
        ).one()
        assert step.points > 0
        site.column_step = step.id
        db.session.add(
            LineItemLink(
                course_id=site.running.course_id,
                step_id=step.id,
                line_item_url="https://lms.example/lineitems/a11y",
                label=step.title,
                score_maximum=step.points,
            )
        )
        calendar = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
        db.session.add_all(
            [
                DemoMail(
                    mail_from="reciprocal@tool.example",
                    recipients=["thomas.becker@example.edu"],
                    subject="Amara Okafor proposes a meeting time",
                    text_body="Amara Okafor proposes Tuesday 6 May 2031, 10:15–10:45.",
                    attachments=[
                        {
                            "filename": "meeting.ics",
                            "content_type": "text/calendar",
                            "content": calendar,
                        }
                    ],
                ),
                DemoMail(
                    mail_from="reciprocal@tool.example",
                    recipients=["amara.okafor@example.edu"],
                    subject="Your step is due",
                    text_body="Check-in 2 is due on Friday.",
                ),
            ]
        )
        db.session.commit()
