"""A running program in the demo LMS's pilot course, for the step and progress pages: the
roster synced, profiles filled, three published pairs on the 6-month pilot path, started 60
days ago (so the early steps are due and a pair without a meeting is at risk)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from flask import Flask

from lti_tool.core.time import utcnow
from lti_tool.extensions import db
from lti_tool.learning.models import Step
from lti_tool.learning.paths import create_path_from_template, ordered_steps
from lti_tool.matching.models import Pair, PairStatus
from lti_tool.matching.programs import ProgramValues, create_program
from lti_tool.roster.models import Course
from tests.matching.test_pair_pages import course_of, fill_profiles, member_id, sync_roster
from tests.matching.test_programs import InTool, enter
from tests.support.launching import Platform

# (mentor, mentee): the junior colleague mentors the senior one.
PAIRS = (
    ("amara.okafor", "thomas.becker"),
    ("liam.nguyen", "catherine.dubois"),
    ("zoe.andersson", "william.grant"),
)
TITLE = "Reverse mentoring 2026"


@dataclass
class Running:
    course_id: int
    program_id: int
    pair_ids: list[int]
    steps: dict[str, str]  # title → public_id

    def step(self, title_start: str) -> str:
        return next(pid for title, pid in self.steps.items() if title.startswith(title_start))


def start_program(
    app: Flask, spec: Platform, days_ago: int = 60, template: str | None = "pilot-6-months"
) -> tuple[Running, InTool]:
    """The designer launches, syncs the roster; a program with three pairs and a path (none
    when ``template`` is None: the designer chooses one on the page)."""
    designer = enter(spec)
    sync_roster(app, designer)
    course_id = course_of(app, designer)
    with app.app_context():
        program = create_program(
            db.session.get(Course, course_id),
            ProgramValues(
                title=TITLE,
                purpose="Digital fluency for leaders, leadership insight for juniors.",
                goals=[],
                is_pilot=True,
                starts_on=utcnow().date() - dt.timedelta(days=days_ago),
                length_months=6,
                cadence="monthly",
            ),
        )
        program.start_matching()
        db.session.commit()
        program_id = program.id
    fill_profiles(app, program_id)
    with app.app_context():
        from lti_tool.matching.programs import get_program

        program = get_program(program_id)
        pairs = []
        for mentor, mentee in PAIRS:
            pair = Pair(
                program=program,
                mentor_id=member_id(app, course_id, mentor),
                mentee_id=member_id(app, course_id, mentee),
                status=PairStatus.PROPOSED.value,
            )
            db.session.add(pair)
            pair.activate()
            pairs.append(pair)
        db.session.flush()
        for pair in pairs:  # published the week before the start, as a designer would
            pair.activated_at = dt.datetime.combine(
                program.starts_on - dt.timedelta(days=7), dt.time(9), dt.UTC
            )
        program.activate()
        steps = {}
        if template is not None:
            path = create_path_from_template(program, template)
            steps = {s.title: s.public_id for s in ordered_steps(path)}
        db.session.commit()
        running = Running(course_id, program_id, [p.id for p in pairs], steps)
    return running, designer


def step_row(app: Flask, public_id: str) -> Step:
    with app.app_context():
        import sqlalchemy as sa

        step = db.session.scalars(sa.select(Step).where(Step.public_id == public_id)).one()
        db.session.expunge(step)
        return step


def meeting_ids(html: str) -> list[int]:
    return [int(m) for m in re.findall(r"/meetings/(\d+)/confirm", html)]
