"""A reminder three days before a step is due, once per step and person."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from lti_tool.core.i18n import format_day, format_weekday
from lti_tool.core.time import utcnow
from lti_tool.extensions import db
from lti_tool.learning.models import Completion, Path, Step, StepKind
from lti_tool.learning.notifications.outbox import (
    Message,
    in_language_of,
    mail_enabled,
    queue_email,
)
from lti_tool.matching.models import Pair, PairStatus, Program, ProgramStatus

REMIND_DAYS = 3


def queue_due_reminders(today: dt.date | None = None) -> int:
    """Outbox rows for every learner of an active pair whose step (for their role, not yet
    completed, not a milestone) is due within ``REMIND_DAYS`` days from ``today``. A reminder
    is written once per step and person (its key), however often this runs. Returns how many
    were written or found."""
    if not mail_enabled():
        return 0
    today = today or utcnow().date()
    written = 0
    paths = db.session.scalars(
        sa.select(Path)
        .join(Program, Program.id == Path.program_id)
        .where(Program.status == ProgramStatus.ACTIVE)
        .options(selectinload(Path.steps), selectinload(Path.program))
    ).all()
    for path in paths:
        due = [
            s
            for s in path.steps
            if s.kind != StepKind.MILESTONE
            and today <= s.due_on(path.program.starts_on) <= today + dt.timedelta(REMIND_DAYS)
        ]
        if due:
            written += _remind(path.program, due)
    return written


def _remind(program: Program, steps: list[Step]) -> int:
    pairs = db.session.scalars(
        sa.select(Pair)
        .where(Pair.program_id == program.id, Pair.status == PairStatus.ACTIVE)
        .options(selectinload(Pair.mentor), selectinload(Pair.mentee))
    ).all()
    done = set(
        db.session.execute(
            sa.select(Completion.step_id, Completion.person_id).where(
                Completion.step_id.in_([s.id for s in steps])
            )
        ).all()
    )
    written = 0
    for step in steps:
        due_on = step.due_on(program.starts_on)
        for pair in pairs:
            for person, role in ((pair.mentor, "mentor"), (pair.mentee, "mentee")):
                if not step.is_for(role) or (step.id, person.id) in done:
                    continue
                with in_language_of(person):
                    row = queue_email(
                        f"step-due:step {step.id}:person {person.id}",
                        "step-due",
                        person,
                        program.course_id,
                        Message(
                            subject=_(
                                "“%(title)s” is due on %(date)s",
                                title=step.title,
                                date=format_day(due_on),
                            ),
                            paragraphs=[
                                _(
                                    "A reminder: “%(title)s” in %(program)s is due on %(date)s.",
                                    title=step.title,
                                    program=program.title,
                                    date=format_weekday(due_on),
                                )
                            ],
                            action=_("Open the step"),
                        ),
                    )
                written += row is not None
    return written
