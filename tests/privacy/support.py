"""People with identities found nowhere else, launched for real, and learning records
about them, for the data-rights tests."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import requests
import sqlalchemy as sa
from flask import Flask

from lti_tool.core.time import utcnow
from lti_tool.extensions import db
from lti_tool.learning.models import (
    AgreementSignature,
    Completion,
    MeetingLog,
    Path,
    Reflection,
    Step,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
)
from lti_tool.matching.models import (
    MatchingRun,
    Pair,
    PairStatus,
    Profile,
    ProfileSkill,
    Program,
)
from lti_tool.matching.programs import ProgramValues, create_program
from lti_tool.roster.launches import LaunchSession
from lti_tool.roster.models import Course, Person
from tests.matching.test_programs import InTool, in_tool
from tests.support.launching import Platform, launch_with

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
LEARNER_ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"


@dataclass
class Someone:
    sub: str
    given: str
    family: str
    email: str

    @property
    def name(self) -> str:
        return f"{self.given} {self.family}"

    @property
    def identifying(self) -> list[str]:
        return [self.sub, self.name, self.email]


def someone() -> Someone:
    tag = uuid.uuid4().hex[:8]
    return Someone(
        sub=f"sub-{uuid.uuid4().hex}",
        given=f"Zorya{tag}",
        family=f"Quillfeather{tag}",
        email=f"zorya.{tag}@example.org",
    )


def launch_as(platform: Platform, who: Someone, context_id: str) -> InTool:
    """A real launch of ``who`` as a learner of the course ``context_id``."""

    def tamper(claims: dict) -> None:
        claims.update(
            sub=who.sub,
            name=who.name,
            given_name=who.given,
            family_name=who.family,
            email=who.email,
        )
        claims[CLAIM + "context"] = {"id": context_id, "title": "Data rights course"}
        claims[CLAIM + "roles"] = [LEARNER_ROLE]

    response = launch_with(platform, tamper)
    assert response.status_code == 303, response.text[:500]
    page = requests.Session().get(
        requests.compat.urljoin(response.url, response.headers["Location"]), timeout=10
    )
    return in_tool(platform, page)


@dataclass
class Records:
    person_id: int
    partner_id: int
    program_id: int
    pair_id: int


def give_records(app: Flask, tool: InTool, partner_tool: InTool, who: Someone) -> Records:
    """An active program in the launch's course where ``who`` is paired with the partner and
    has written everything a learner writes — some of it naming themselves."""
    with app.app_context():
        launch = db.session.get(LaunchSession, tool.launch_id)
        partner = db.session.get(LaunchSession, partner_tool.launch_id).person_id
        person = launch.person_id
        course = db.session.get(Course, launch.course_id)
        program = create_program(
            course,
            ProgramValues(
                title="Rights pilot",
                purpose="Test the data rights.",
                goals=[{"goal": "Confidence", "metric": "Survey"}],
                starts_on=dt.date(2026, 1, 1),
                length_months=6,
                cadence="monthly",
                is_pilot=True,
            ),
        )
        program.start_matching()
        skill = program.skills[0]  # the catalogue a new program starts with
        for pid, note in ((person, f"Reach me at {who.email}"), (partner, "Partner's goal")):
            db.session.add(
                Profile(
                    program=program,
                    person_id=pid,
                    seniority=1 if pid == person else 5,
                    goal_note=note,
                    availability_note=f"{who.given} is free on Mondays",
                    submitted_at=utcnow(),
                )
            )
        pair = Pair(
            program=program,
            mentor_id=person,
            mentee_id=partner,
            status=PairStatus.ACTIVE.value,
            activated_at=utcnow(),
        )
        db.session.add(pair)
        program.status = "active"
        path = Path(program=program, title="Path")
        steps = {
            kind: Step(path=path, kind=kind, title=kind.title())
            for kind in ("agreement", "meeting", "reflection", "survey")
        }
        question = SurveyQuestion(step=steps["survey"], kind="text", prompt="What did you learn?")
        db.session.add_all([path, *steps.values(), question])
        db.session.flush()
        own_profile = db.session.scalars(
            sa.select(Profile).where(Profile.program_id == program.id, Profile.person_id == person)
        ).one()
        db.session.add(
            ProfileSkill(profile_id=own_profile.id, skill_id=skill.id, direction="offered")
        )
        db.session.add_all(
            [
                AgreementSignature(
                    pair_id=pair.id, step_id=steps["agreement"].id, person_id=person, version=1
                ),
                Completion(step_id=steps["agreement"].id, person_id=person, pair_id=pair.id),
                MeetingLog(
                    pair_id=pair.id,
                    step_id=steps["meeting"].id,
                    logged_by_id=person,
                    met_on=dt.date(2026, 2, 1),
                    duration_minutes=45,
                    topics=[f"{who.name}'s own topic"],
                    shared_notes=f"Notes by {who.name}",
                    private_notes="my own private note",
                ),
                MeetingLog(
                    pair_id=pair.id,
                    step_id=steps["meeting"].id,
                    logged_by_id=partner,
                    met_on=dt.date(2026, 3, 1),
                    duration_minutes=30,
                    shared_notes="Shared by the partner",
                    private_notes="the partner's private note",
                ),
                Reflection(
                    step_id=steps["reflection"].id,
                    author_id=person,
                    pair_id=pair.id,
                    text=f"I, {who.name}, learnt a lot",
                    is_shared=True,
                ),
                MatchingRun(
                    program=program,
                    status="done",
                    notes=[f"{who.name} can no longer take part."],
                ),
            ]
        )
        response = SurveyResponse(
            step_id=steps["survey"].id, person_id=person, pair_id=pair.id, role="mentor"
        )
        response.answers.append(SurveyAnswer(question_id=question.id, text="Patience, mostly"))
        db.session.add(response)
        db.session.commit()
        return Records(person, partner, program.id, pair.id)


def tables_mentioning(app: Flask, needles: list[str]) -> dict[str, list[str]]:
    """Every table (the demo LMS's own records aside) with a value containing a needle:
    read row by row, independently of the code under test."""
    found: dict[str, list[str]] = {}
    with app.app_context(), db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            if table.name.startswith("demo_"):
                continue
            for row in connection.execute(sa.select(table)):
                text = " ".join(str(v) for v in row)
                hits = [n for n in needles if n in text]
                if hits:
                    found.setdefault(table.name, []).extend(hits)
    return found


def person_row(app: Flask, person_id: int) -> Person:
    with app.app_context():
        person = db.session.get(Person, person_id)
        db.session.expunge(person)
        return person


def program_row(app: Flask, program_id: int) -> Program:
    with app.app_context():
        program = db.session.get(Program, program_id)
        db.session.expunge(program)
        return program
