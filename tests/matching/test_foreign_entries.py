"""Acting on another program's veto or do-not-pair entry answers 404 and changes nothing
(before, the page said "saved" although nothing had changed)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from lti_tool.extensions import db
from lti_tool.matching.models import DoNotPair, PairVeto
from lti_tool.matching.programs import add_do_not_pair, get_program
from tests.matching.test_pair_pages import course_of, member_id, new_program, sync_roster
from tests.matching.test_programs import (  # noqa: F401  (forget_programs is a fixture)
    enter,
    enter_other_course,
    forget_programs,
)
from tests.support.launching import Platform

pytestmark = pytest.mark.usefixtures("forget_programs")


def program_with_entries(app: Flask, course_id: int) -> tuple[int, int, int]:
    """A program of the course with one veto and one do-not-pair entry: (program, veto,
    entry) ids."""
    program_id = new_program(app, course_id, title="Program with decisions")
    amara = member_id(app, course_id, "amara.okafor")
    liam = member_id(app, course_id, "liam.nguyen")
    with app.app_context():
        program = get_program(program_id)
        program.vetoes.append(PairVeto(mentor_id=amara, mentee_id=liam, reason="No"))
        entry = add_do_not_pair(program, (amara, liam), "Same team")
        db.session.commit()
        return program_id, program.vetoes[0].id, entry.id


def entries(app: Flask, program_id: int) -> tuple[int, int]:
    with app.app_context():
        count = db.session.scalar
        return (
            count(sa.select(sa.func.count()).where(PairVeto.program_id == program_id)),
            count(sa.select(sa.func.count()).where(DoNotPair.program_id == program_id)),
        )


def test_another_programs_veto_and_do_not_pair_entry_are_not_found(
    spec: Platform, app: Flask
) -> None:
    designer = enter(spec)
    sync_roster(app, designer)
    course_id = course_of(app, designer)
    first, veto_id, entry_id = program_with_entries(app, course_id)
    second = new_program(app, course_id, title="Another program of the course")

    lifted = designer.post(f"programs/{second}/pairs/vetoes/{veto_id}/lift", allow_redirects=False)
    assert lifted.status_code == 404, lifted.text[:300]
    assert "veto is not one of this program" in lifted.text and "lifted" not in lifted.text
    removed = designer.post(
        f"programs/{second}/do-not-pair/{entry_id}/remove", allow_redirects=False
    )
    assert removed.status_code == 404, removed.text[:300]
    assert "not on this program" in removed.text
    assert entries(app, first) == (1, 1)

    # A designer of another course, through their own program, is refused the same way.
    other = enter_other_course(spec, designer=True)
    theirs = new_program(app, course_of(app, other), title="Their program")
    assert other.post(f"programs/{theirs}/pairs/vetoes/{veto_id}/lift").status_code == 404
    assert other.post(f"programs/{theirs}/do-not-pair/{entry_id}/remove").status_code == 404
    assert entries(app, first) == (1, 1)

    # The program's own entries still go, and say so.
    lifted = designer.post(f"programs/{first}/pairs/vetoes/{veto_id}/lift", allow_redirects=False)
    removed = designer.post(
        f"programs/{first}/do-not-pair/{entry_id}/remove", allow_redirects=False
    )
    assert (lifted.status_code, removed.status_code) == (303, 303)
    assert entries(app, first) == (0, 0)
