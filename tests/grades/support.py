"""A graded path in the demo LMS's pilot course, with one active pair of real demo users,
committed (the outbox is drained by separate units and over HTTP)."""

from __future__ import annotations

from dataclasses import dataclass

import requests
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import joinedload

from lti_tool.core.transaction import unit_of_work
from lti_tool.demo_lms.directory import get_user, subject_for
from lti_tool.demo_lms.flavours import get_flavour
from lti_tool.extensions import db
from lti_tool.learning.completing import record_completion
from lti_tool.learning.grades.draining import drain
from lti_tool.learning.grades.sending import DrainReport
from lti_tool.learning.models import Path, Step
from lti_tool.learning.paths import ordered_steps
from lti_tool.matching.models import Pair
from tests.learning.support import make_path_setup
from tests.support.launching import Platform, course_from_launch

MENTOR_USER, MENTEE_USER = "liam.nguyen", "eleanor.hughes"


def load_step(step_id: int) -> Step:
    """A step with its path and the path's steps (what ``record_completion`` reads)."""
    return db.session.scalars(
        sa.select(Step)
        .options(joinedload(Step.path).selectinload(Path.steps))
        .where(Step.id == step_id)
    ).one()


@dataclass
class Graded:
    platform: Platform
    course_id: int
    platform_id: int
    program_id: int
    path_id: int
    pair_id: int
    mentor_id: int
    mentee_id: int
    graded_step_ids: list[int]  # for the mentor, in path order

    @property
    def app(self) -> Flask:
        return self.platform.app

    def complete(self, step_id: int, person_id: int | None = None) -> None:
        with self.app.app_context(), unit_of_work():
            step = load_step(step_id)
            record_completion(step, db.session.get(Pair, self.pair_id), person_id or self.mentor_id)

    def drain(self) -> DrainReport:
        with self.app.app_context():
            return drain()

    def counts(self, **params: str) -> dict:
        response = requests.get(
            f"{self.platform.lms_url}/{self.platform.flavour}/admin/api/score-counts",
            params={"client_id": self.platform.client_id, **params},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        return response.json()

    def public_id(self, step_id: int) -> str:
        with self.app.app_context():
            return db.session.get(Step, step_id).public_id


def make_graded(platform: Platform, mentor: str = MENTOR_USER, mentee: str = MENTEE_USER) -> Graded:
    platform_id, course_id = course_from_launch(platform)
    with platform.app.app_context(), unit_of_work():
        setup = make_path_setup(pairs=1)
        setup.program.course_id = course_id
        flavour = get_flavour(platform.flavour)
        pair = setup.pairs[0]
        mentor_person = db.session.get(type(setup.cohort.people["junior0"]), pair.mentor_id)
        mentee_person = db.session.get(type(mentor_person), pair.mentee_id)
        mentor_person.sub = subject_for(flavour, get_user(mentor))
        mentee_person.sub = subject_for(flavour, get_user(mentee))
        graded = [s.id for s in ordered_steps(setup.path) if s.points > 0 and s.is_for("mentor")]
        db.session.flush()
        return Graded(
            platform,
            course_id,
            platform_id,
            setup.program.id,
            setup.path.id,
            pair.id,
            pair.mentor_id,
            pair.mentee_id,
            graded,
        )


def set_faults(platform: Platform, doc: dict) -> None:
    response = requests.put(
        f"{platform.lms_url}/{platform.flavour}/admin/api/ags-faults", json=doc, timeout=10
    )
    assert response.status_code == 200, response.text


def clear_faults(platform: Platform) -> None:
    requests.delete(f"{platform.lms_url}/{platform.flavour}/admin/api/ags-faults", timeout=10)
