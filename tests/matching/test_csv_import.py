"""CSV import of seniority and department: every problem reported by line and column, and a
file with any problem applies nothing."""

from __future__ import annotations

import datetime as dt
import html
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import joinedload

from lti_tool.errors import ValidationError
from lti_tool.extensions import db
from lti_tool.matching import csv_import
from lti_tool.matching.csv_import import apply_csv, check_csv
from lti_tool.matching.models import Profile, Program
from lti_tool.matching.programs import ProgramValues, create_program
from lti_tool.platforms.models import Platform as PlatformRow
from lti_tool.roster.launches import LaunchSession
from lti_tool.roster.models import Course, Membership, Person
from tests.matching.test_profiles import open_program
from tests.matching.test_programs import (  # noqa: F401  (forget_programs is a fixture)
    enter,
    forget_programs,
)
from tests.support.launching import LEARNER, Platform

VALUES = ProgramValues(
    title="CSV pilot",
    purpose="Test",
    goals=[{"goal": "g", "metric": "m"}],
    starts_on=dt.date(2026, 9, 1),
    length_months=6,
    cadence="monthly",
    is_pilot=True,
)


@dataclass
class World:
    program: Program
    people: dict[str, Person]


@pytest.fixture
def world(spec: Platform, app_ctx: None) -> Iterator[World]:
    """A course with Ana, Ben and Cy (no email), a program in it, and an outsider in another
    course; rolled back after the test."""
    platform_id = db.session.scalars(sa.select(PlatformRow.id)).first()
    course = Course(platform_id=platform_id, context_id=f"CSV-{uuid.uuid4().hex[:8]}")
    elsewhere = Course(platform_id=platform_id, context_id=f"CSV-{uuid.uuid4().hex[:8]}")
    people = {}
    for key, email, where in (
        ("ana", "ana@example.org", course),
        ("ben", "Ben@Example.org", course),
        ("cy", None, course),
        ("out", "out@example.org", elsewhere),
    ):
        people[key] = Person(
            issuer="https://lms.example",
            sub=f"{key}-{uuid.uuid4().hex[:6]}",
            name=key.title(),
            email=email,
        )
        db.session.add(Membership(course=where, person=people[key], roles=["Learner"]))
    db.session.add_all([course, elsewhere])
    db.session.flush()
    yield World(create_program(course, VALUES), people)


def check(world: World, text: str | bytes):
    return check_csv(world.program, text.encode() if isinstance(text, str) else text)


def test_good_file_is_applied(world: World) -> None:
    ana, ben = world.people["ana"], world.people["ben"]
    db.session.add(
        Profile(program=world.program, person=ben, department="Legal", department_source="profile")
    )
    db.session.flush()
    result = check(
        world, "Email,Seniority,Department\nana@example.org,2,Marketing\nBEN@example.ORG,6,\n"
    )
    assert result.ok and result.errors == []
    assert [(r.line, r.person.name, r.seniority, r.department) for r in result.rows] == [
        (2, "Ana", 2.0, "Marketing"),
        (3, "Ben", 6.0, None),
    ]
    assert apply_csv(world.program, result) == 2
    profiles = {p.person_id: p for p in world.program.profiles}
    assert (profiles[ana.id].seniority, profiles[ana.id].seniority_source) == (2.0, "csv")
    assert (profiles[ana.id].department, profiles[ana.id].department_source) == ("Marketing", "csv")
    assert profiles[ana.id].submitted_at is None, "the learner still answers the intake"
    assert (profiles[ben.id].seniority, profiles[ben.id].department) == (6.0, "Legal"), (
        "an empty cell leaves the value as it was"
    )


def test_user_ids_semicolons_and_a_byte_order_mark(world: World) -> None:
    cy = world.people["cy"]
    text = f"\ufeffuser_id;seniority level;dept;notes\n{cy.sub};1;Operations;apprentice\n"
    result = check(world, text.encode("utf-8"))
    assert result.ok, result.errors
    assert (result.rows[0].person.id, result.rows[0].seniority) == (cy.id, 1.0)
    assert result.notes == ["Column “notes” is not used."]


def test_years_of_experience(world: World) -> None:
    world.program.seniority_unit = "years"
    result = check(world, "email,years_experience\nana@example.org,2.5\n")
    assert result.ok and result.rows[0].seniority == 2.5
    bad = check(world, "email,years_experience\nana@example.org,61\n")
    assert bad.errors[0].message == "A number of years must be between 0 and 60; “61” is not."


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ("", 0, "file", "The file is empty."),
        (b"email,seniority\nana@example.org,\xe9\n", 0, "file", "save it as “CSV UTF-8”"),
        ("name,seniority\nAna,3\n", 1, "header", "Add an email or user_id column"),
        ("email\nana@example.org\n", 1, "header", "Add a seniority or department column"),
        ("email,e-mail,seniority\n", 1, "e-mail", "two email columns"),
        ("email,seniority\n", 2, "file", "a header but no rows"),
        (
            "email,seniority\nnobody@example.org,3\n",
            2,
            "email",
            "No member of this course has the email “nobody@example.org”.",
        ),
        ("email,seniority\nout@example.org,3\n", 2, "email", "No member of this course"),
        (
            "user_id,seniority\nno-such-id,3\n",
            2,
            "user_id",
            "No member of this course has the user id",
        ),
        (
            "email,seniority\nana@example.org,senior\n",
            2,
            "seniority",
            "“senior” is not a career level",
        ),
        ("email,seniority\nana@example.org,2.5\n", 2, "seniority", "whole number"),
        ("email,seniority\nana@example.org,25\n", 2, "seniority", "between 1 and 6"),
        (
            "email,department\nana@example.org," + "x" * 101 + "\n",
            2,
            "department",
            "at most 100 characters",
        ),
        (
            "email,seniority\nana@example.org,3,extra\n",
            2,
            "row",
            "This row has 3 values but the header has 2 columns.",
        ),
        ("email,seniority,department\nana@example.org,,\n", 2, "row", "Nothing to import"),
        ("email,seniority\n,3\n", 2, "email", "Say who this row is about."),
        (
            "email,seniority\nana@example.org,3\n\nana@example.org,4\n",
            4,
            "email",
            "Ana is already on line 2.",
        ),
        (
            'email,department\n\nana@example.org,"Sales\nEMEA"\nzed@example.org,Sales\n',
            5,
            "email",
            "No member",
        ),
    ],
)
def test_bad_files(world: World, text: str | bytes, line: int, column: str, words: str) -> None:
    result = check(world, text)
    assert not result.ok
    assert any(
        e.line == line and e.column == column and words in e.message for e in result.errors
    ), result.errors


def test_an_email_two_members_share_needs_their_user_id(world: World) -> None:
    twin = Person(issuer="https://lms.example", sub="twin", name="Ana (2)", email="ANA@example.org")
    db.session.add(Membership(course=world.program.course, person=twin, roles=["Learner"]))
    db.session.flush()
    result = check(
        world, f"email,user_id,seniority\nana@example.org,,2\nana@example.org,{twin.sub},3\n"
    )
    assert [(e.line, e.column, e.message) for e in result.errors] == [
        (
            2,
            "email",
            "2 members of this course have the email “ana@example.org”: give their "
            "user_id instead.",
        )
    ]
    assert [(r.line, r.person.name) for r in result.rows] == [(3, "Ana (2)")]


def test_every_bad_row_is_reported(world: World) -> None:
    result = check(
        world,
        "email,seniority,department\nana@example.org,x,Sales\n"
        "ben@example.org,3,Sales\nghost@example.org,77,\n",
    )
    assert [(e.line, e.column) for e in result.errors] == [
        (2, "seniority"),
        (4, "email"),
        (4, "seniority"),
    ]
    assert [r.line for r in result.rows] == [3]


def test_a_bad_file_applies_nothing(world: World) -> None:
    result = check(world, "email,seniority\nana@example.org,2\nben@example.org,nope\n")
    with pytest.raises(ValidationError, match="nothing was imported"):
        apply_csv(world.program, result)
    assert world.program.profiles == []


def test_too_many_rows(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_import, "MAX_ROWS", 2)
    result = check(
        world, "email,seniority\nana@example.org,1\nben@example.org,2\nana@example.org,3\n"
    )
    assert result.errors[-1].message == "The file has more than 2 rows."


# -- over HTTP -----------------------------------------------------------------------------------


def upload(designer, program_id: int, text: str, action: str = "import"):
    return designer.post(
        f"programs/{program_id}/import",
        {"action": action},
        files={"file": ("people.csv", text.encode(), "text/csv")},
    )


def seniority_of(app: Flask, program_id: int) -> dict[str, tuple]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(Person.email, Profile.seniority, Profile.department)
            .join(Profile, Profile.person_id == Person.id)
            .where(Profile.program_id == program_id)
        ).all()
        return {
            email.split("@")[0]: (seniority, department) for email, seniority, department in rows
        }


def test_import_over_http(spec: Platform, app: Flask, forget_programs: None) -> None:  # noqa: F811
    designer = enter(spec)
    enter(spec, "liam.nguyen")
    learner = enter(spec, LEARNER)
    program_id = open_program(designer, seniority_source="csv")
    page = designer.get(f"programs/{program_id}/import")
    assert page.status_code == 200 and 'for="file"' in page.text

    with app.app_context():  # another test may give a second person Amara's email
        amara = db.session.get(
            LaunchSession, learner.launch_id, options=[joinedload(LaunchSession.person)]
        ).person.sub
    bad = upload(
        designer,
        program_id,
        "email,user_id,seniority,department\n"
        "liam.nguyen@northwind.example,,1,Engineering\n"
        f",{amara},junior,Marketing\n"
        "eve@elsewhere.example,,3,Sales\n",
    )
    assert bad.status_code == 422
    table = re.search(r'<table data-testid="import-errors">.*?</table>', bad.text, re.S).group(0)
    cells = re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td><td>([^<]+)</td></tr>", table)
    assert [(line, column) for line, column, _ in cells] == [("3", "seniority"), ("4", "email")]
    assert "nothing was imported" in bad.text
    assert seniority_of(app, program_id) == {}

    assert upload(designer, program_id, "", "check").status_code == 422
    missing = designer.post(f"programs/{program_id}/import", {"action": "import"})
    assert missing.status_code == 422 and "Choose a CSV file" in missing.text

    good = (
        f"email,user_id,seniority,department\n,{amara},2,Marketing\n"
        "liam.nguyen@northwind.example,,1,Engineering\n"
    )
    checked = upload(designer, program_id, good, "check")
    assert checked.status_code == 200 and "2 people to update" in checked.text
    assert "2 — Junior professional" not in checked.text and seniority_of(app, program_id) == {}
    content = re.search(
        r'<textarea name="content" hidden aria-hidden="true">\n(.*?)</textarea>', checked.text, re.S
    ).group(1)
    applied = designer.post(
        f"programs/{program_id}/import", {"action": "import", "content": html.unescape(content)}
    )
    assert applied.status_code == 200 and "2 people updated" in applied.text
    assert seniority_of(app, program_id) == {
        "amara.okafor": (2.0, "Marketing"),
        "liam.nguyen": (1.0, "Engineering"),
    }

    learner = enter(spec, LEARNER)  # the program takes seniority from the CSV: not asked
    assert learner.page.url.endswith(f"/programs/{program_id}/intake")
    assert "2 — Junior professional" in learner.page.text
    assert 'id="seniority"' not in learner.page.text
