"""When people leave a course, their pairs are flagged for a rematch.

The roster sync sends ``members_left`` inside its own transaction; ``flag_leavers`` ends the
leavers' published pairs and marks every pair they were in as ``needs_rematch``, so the
designer's review page offers "Rematch", which pairs only the people left alone
(``pairing.rematch_leavers``). ``create_app`` connects ``on_members_left`` to the signal.
"""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa

from lti_tool.extensions import db
from lti_tool.matching.models import Pair, PairStatus, Program, ProgramStatus
from lti_tool.matching.programs import person_label
from lti_tool.roster.models import Person

FLAGGABLE = (PairStatus.PROPOSED, PairStatus.LOCKED, PairStatus.ACTIVE)


def flag_leavers(course_id: int, person_ids: Collection[int]) -> int:
    """Flag the pairs of people who left ``course_id``: published pairs end, proposed and
    locked ones wait for the designer's rematch. Returns how many pairs were flagged."""
    if not person_ids:
        return 0
    leavers = set(person_ids)
    pairs = db.session.scalars(
        sa.select(Pair)
        .join(Program, Program.id == Pair.program_id)
        .where(
            Program.course_id == course_id,
            Program.status.in_([ProgramStatus.MATCHING, ProgramStatus.ACTIVE]),
            Pair.status.in_(FLAGGABLE),
            sa.or_(Pair.mentor_id.in_(leavers), Pair.mentee_id.in_(leavers)),
        )
    ).all()
    names = {
        person.id: person_label(person)
        for person in db.session.scalars(sa.select(Person).where(Person.id.in_(leavers)))
    }
    for pair in pairs:
        if pair.status == PairStatus.ACTIVE:
            who = " and ".join(
                names.get(i, f"Person #{i}")
                for i in (pair.mentor_id, pair.mentee_id)
                if i in leavers
            )
            pair.end(f"{who} left the course", needs_rematch=True)
        else:
            pair.needs_rematch = True
    db.session.flush()
    return len(pairs)


def on_members_left(course_id: int, *, person_ids: list[int], **_: object) -> None:
    flag_leavers(course_id, person_ids)
