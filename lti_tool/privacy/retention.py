"""Retention: programs closed more than ``RETENTION_MONTHS`` ago are anonymised.

A program past retention loses the free text written in it (intake notes, meeting notes and
topics, reflections, survey text answers, veto, override and end reasons, run notes); its
pairs, completions and Likert answers stay for the figures. People who took part only in
programs past retention (and are in no other course's live program) are erased outright
(``erase.erase_person``); the others keep their identity for the programs still running.
Each anonymised program is audited.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from lti_tool.core.audit import record_event
from lti_tool.core.time import utcnow
from lti_tool.extensions import db
from lti_tool.learning.models import (
    MeetingLog,
    Path,
    Reflection,
    Step,
    SurveyAnswer,
    SurveyQuestion,
)
from lti_tool.matching.models import MatchingRun, Pair, PairVeto, Profile, Program, ProgramStatus
from lti_tool.privacy.erase import erase_person
from lti_tool.roster.models import Person

ACTOR = "retention job"


def retention_cutoff(now: dt.datetime, months: int) -> dt.datetime:
    """``months`` calendar months before ``now`` (counted as 30.44 days each)."""
    return now - dt.timedelta(days=round(months * 30.44))


def programs_past_retention(cutoff: dt.datetime) -> list[Program]:
    return list(
        db.session.scalars(
            sa.select(Program)
            .where(
                Program.status == ProgramStatus.CLOSED,
                Program.closed_at < cutoff,
                Program.anonymised_at.is_(None),
            )
            .order_by(Program.id)
        )
    )


def anonymise_program(program: Program, now: dt.datetime) -> dict[str, int]:
    """Remove the free text of one closed program; returns counts for the audit log."""
    pid = program.id
    steps = sa.select(Step.id).join(Path, Path.id == Step.path_id).where(Path.program_id == pid)
    pairs = sa.select(Pair.id).where(Pair.program_id == pid)
    counts = {}
    for name, statement in {
        "profiles": sa.update(Profile)
        .where(Profile.program_id == pid)
        .values(goal_note=None, availability_note=None),
        "meetings": sa.update(MeetingLog)
        .where(MeetingLog.pair_id.in_(pairs))
        .values(shared_notes="", private_notes="", topics=[], decline_reason=None),
        "reflections": sa.update(Reflection)
        .where(Reflection.step_id.in_(steps))
        .values(text="", is_shared=False),
        "survey_texts": sa.update(SurveyAnswer)
        .where(
            SurveyAnswer.question_id.in_(
                sa.select(SurveyQuestion.id).where(SurveyQuestion.step_id.in_(steps))
            ),
            SurveyAnswer.text.is_not(None),
        )
        .values(text=None),
        "pairs": sa.update(Pair)
        .where(Pair.program_id == pid)
        .values(override_reason=None, end_reason=None),
        "vetoes": sa.update(PairVeto).where(PairVeto.program_id == pid).values(reason=None),
        "runs": sa.update(MatchingRun)
        .where(MatchingRun.program_id == pid)
        .values(notes=[], unmatched=[]),
    }.items():
        result = db.session.execute(statement.execution_options(synchronize_session=False))
        counts[name] = result.rowcount
    program.anonymised_at = now
    return counts


def _people_only_in(program_ids: list[int]) -> list[Person]:
    """People of these programs with no profile or pair in any other, not anonymised one."""
    in_programs = sa.union(
        sa.select(Profile.person_id).where(Profile.program_id.in_(program_ids)),
        sa.select(Pair.mentor_id).where(Pair.program_id.in_(program_ids)),
        sa.select(Pair.mentee_id).where(Pair.program_id.in_(program_ids)),
    ).subquery()
    live = sa.select(Program.id).where(Program.anonymised_at.is_(None))
    elsewhere = sa.union(
        sa.select(Profile.person_id).where(Profile.program_id.in_(live)),
        sa.select(Pair.mentor_id).where(Pair.program_id.in_(live)),
        sa.select(Pair.mentee_id).where(Pair.program_id.in_(live)),
    ).subquery()
    return list(
        db.session.scalars(
            sa.select(Person).where(
                Person.id.in_(sa.select(in_programs.c[0])),
                Person.id.not_in(sa.select(elsewhere.c[0])),
                Person.erased_at.is_(None),
            )
        )
    )


def apply_retention(months: int, now: dt.datetime | None = None) -> list[int]:
    """Anonymise every program closed more than ``months`` ago; returns their ids."""
    now = now or utcnow()
    programs = programs_past_retention(retention_cutoff(now, months))
    for program in programs:
        counts = anonymise_program(program, now)
        record_event(
            ACTOR,
            "program.anonymised",
            f"program {program.id}",
            {"program_id": program.id, "retention_months": months, "rows": counts},
            course_id=program.course_id,
        )
    db.session.flush()
    if programs:
        for person in _people_only_in([p.id for p in programs]):
            erase_person(person, actor=ACTOR)
    return [p.id for p in programs]
