"""Test data for learning paths: a program (6 months from 2026-01-15) with published pairs
and a path cloned from a template, all flushed in the ``app_ctx`` session (rolled back)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lti_tool.extensions import db
from lti_tool.learning.models import Path, Step, StepKind
from lti_tool.learning.paths import create_path_from_template, ordered_steps
from lti_tool.matching.models import Pair, PairStatus, Program
from tests.matching.pairing_support import Cohort, Learner, make_cohort

START = dt.date(2026, 1, 15)


@dataclass
class PathSetup:
    cohort: Cohort
    path: Path
    pairs: list[Pair]

    @property
    def program(self) -> Program:
        return self.cohort.program

    def step(self, title_start: str) -> Step:
        return next(s for s in ordered_steps(self.path) if s.title.startswith(title_start))

    def steps(self, kind: StepKind) -> list[Step]:
        return [s for s in ordered_steps(self.path) if s.kind == kind]


def make_path_setup(pairs: int = 1, template: str = "pilot-6-months") -> PathSetup:
    """``pairs`` active pairs (mentor "junior<i>", mentee "senior<i>") on a cloned path."""
    learners = [
        Learner(f"{side}{i}", seniority=level)
        for i in range(pairs)
        for side, level in (("junior", 1.0), ("senior", 5.0))
    ]
    cohort = make_cohort(learners)
    made = []
    for i in range(pairs):
        pair = Pair(
            program=cohort.program,
            mentor_id=cohort.id(f"junior{i}"),
            mentee_id=cohort.id(f"senior{i}"),
            status=PairStatus.PROPOSED.value,
        )
        db.session.add(pair)
        pair.activate()
        made.append(pair)
    db.session.flush()
    path = create_path_from_template(cohort.program, template)
    return PathSetup(cohort=cohort, path=path, pairs=made)
