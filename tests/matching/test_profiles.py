"""Intake profiles: value rules, form validation, seniority from custom claims, and the
learner's intake over real launches — which never shows another course's people."""

from __future__ import annotations

import re
import uuid
from urllib.parse import urljoin

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from lti_tool.extensions import db
from lti_tool.matching import forms
from lti_tool.matching.models import Profile, ProfileSkill, Program
from lti_tool.matching.profiles import (
    FieldError,
    claim_values,
    parse_department,
    parse_seniority,
)
from lti_tool.roster.launches import LaunchSession
from lti_tool.roster.models import Course, Membership, Person
from tests.matching.test_programs import (  # noqa: F401  (forget_programs is a fixture)
    RULES_FORM,
    InTool,
    create_program,
    enter,
    enter_other_course,
    forget_programs,
)
from tests.support.launching import LEARNER, Platform

# -- values and validation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        ("3", "levels", 3.0),
        (" 6 ", "levels", 6.0),
        (4, "levels", 4.0),
        ("1", "levels", 1.0),
        ("2,5", "years", 2.5),
        ("31", "years", 31.0),
        ("60", "years", 60.0),
    ],
)
def test_seniority_values(value: object, unit: str, expected: float) -> None:
    assert parse_seniority(value, unit) == expected


@pytest.mark.parametrize(
    ("value", "unit", "words"),
    [
        ("", "levels", "Give a career level"),
        ("senior", "levels", "“senior” is not a career level"),
        ("2.5", "levels", "whole number"),
        ("7", "levels", "between 1 and 6"),
        ("0", "levels", "between 1 and 6"),
        ("-1", "years", "between 0 and 60"),
        ("inf", "years", "between 0 and 60"),
        ("nan", "levels", "between 1 and 6"),
    ],
)
def test_bad_seniority_values(value: str, unit: str, words: str) -> None:
    with pytest.raises(FieldError, match=words):
        parse_seniority(value, unit)


def test_department_values() -> None:
    assert parse_department("  Human   Resources ") == "Human Resources"
    with pytest.raises(FieldError, match="Give a department"):
        parse_department("   ")
    with pytest.raises(FieldError, match="at most 100 characters"):
        parse_department("x" * 101)


def test_tags_are_lower_case_and_unique() -> None:
    assert forms.split_tags("Podcasts, chess ;cycling,  podcasts ", limit=5) == [
        "podcasts",
        "chess",
        "cycling",
    ]
    with pytest.raises(FieldError, match="at most 2"):
        forms.split_tags("a, b, c", limit=2)


INTAKE = {
    "seniority": "2",
    "department": "Marketing",
    "skills_offered": ["1", "2"],
    "skills_wanted": ["3"],
    "interests": "Podcasts, cycling",
    "goals": [forms.LEARNING_GOALS[0]],
    "languages": ["English"],
    "other_languages": "yoruba, french",
    "time_zone": "Europe/London",
    "availability": ["mornings"],
    "open_to_other_department": "yes",
    "consents_to_share": "on",
}


def intake_form(**changes: object) -> MultiDict:
    form = MultiDict()
    for key, value in {**INTAKE, **changes}.items():
        form.setlist(key, value if isinstance(value, list) else [value])
    return form


def validate(form: MultiDict, **options: object):
    settings = {
        "unit": "levels",
        "ask_seniority": True,
        "ask_department": True,
        "skill_ids": {1, 2, 3},
        "colleague_ids": {7, 8},
        **options,
    }
    intake = forms.IntakeForm(form, **settings)
    return (intake.answers if intake.validate() else None), intake.messages


def test_intake_values() -> None:
    answers, errors = validate(intake_form(manager_id="7", skills_offered=["1", "2", "99"]))
    assert errors == {}
    assert answers.offered_skill_ids == [1, 2] and answers.wanted_skill_ids == [3]
    assert answers.languages == ["English", "Yoruba", "French"]
    assert answers.interests == ["podcasts", "cycling"]
    assert (answers.seniority, answers.department, answers.manager_id) == (2.0, "Marketing", 7)
    assert answers.consents_to_share and not answers.is_champion


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"seniority": ""}, "seniority", "Give a career level"),
        ({"seniority": "3.5"}, "seniority", "whole number"),
        ({"department": ""}, "department", "Give a department"),
        ({"manager_id": "99"}, "manager_id", "from the list"),
        ({"manager_id": "x"}, "manager_id", "from the list"),
        ({"skills_offered": []}, "skills_offered", "skill you can offer"),
        ({"skills_wanted": ["42"]}, "skills_wanted", "like to learn"),
        ({"goals": []}, "goals", "at least one learning goal"),
        ({"languages": [], "other_languages": ""}, "languages", "at least one language"),
        (
            {"other_languages": ",".join(f"l{i}" for i in range(11))},
            "other_languages",
            "at most 10",
        ),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "time zone"),
        ({"time_zone": ""}, "time_zone", "time zone"),
        ({"availability": []}, "availability", "when you could meet"),
        ({"open_to_other_department": ""}, "open_to_other_department", "another department"),
        ({"interests": "x" * 61}, "interests", "under 60 characters"),
    ],
)
def test_intake_errors(changes: dict, field: str, words: str) -> None:
    answers, errors = validate(intake_form(**changes))
    assert answers is None and words in errors[field]


def test_seniority_and_department_not_asked_when_given() -> None:
    answers, errors = validate(
        intake_form(seniority="", department=""), ask_seniority=False, ask_department=False
    )
    assert errors == {} and answers.seniority is None and answers.department is None


def test_a_goal_in_own_words_is_enough() -> None:
    answers, errors = validate(intake_form(goals=[], goal_note="Learn to lead hybrid teams"))
    assert errors == {} and answers.goal_note == "Learn to lead hybrid teams"


@pytest.mark.parametrize(
    ("unit", "custom", "expected"),
    [
        ("levels", {"seniority_level": "2", "department": "Marketing"}, (2.0, "Marketing")),
        ("years", {"years_experience": "31", "department": "Finance"}, (31.0, "Finance")),
        ("levels", {"seniority_level": "senior", "department": ""}, (None, None)),
        ("levels", {}, (None, None)),
    ],
)
def test_values_from_custom_claims(unit: str, custom: dict, expected: tuple) -> None:
    program = Program(
        seniority_unit=unit,
        seniority_source="claim",
        seniority_claim="seniority_level" if unit == "levels" else "years_experience",
        department_claim="department",
    )
    assert claim_values(program, custom) == expected


# -- the intake over real launches ---------------------------------------------------------------


def open_program(designer: InTool, **rules: str) -> int:
    program_id = create_program(designer)
    if rules:
        saved = designer.post(
            f"programs/{program_id}/rules", {**RULES_FORM, **rules}, allow_redirects=False
        )
        assert saved.status_code == 303, saved.text[:500]
    opened = designer.post(
        f"programs/{program_id}/status", {"action": "start_matching"}, allow_redirects=False
    )
    assert opened.status_code == 303
    return program_id


def answers_for(page_text: str, **changes: object) -> list[tuple[str, str]]:
    offered = re.findall(r'name="skills_offered" value="(\d+)"', page_text)
    wanted = re.findall(r'name="skills_wanted" value="(\d+)"', page_text)
    fields = {**INTAKE, "skills_offered": offered[:2], "skills_wanted": wanted[-1:], **changes}
    return [
        (k, v)
        for k, values in fields.items()
        for v in (values if isinstance(values, list) else [values])
    ]


def profile_of(app: Flask, program_id: int, name: str) -> Profile | None:
    """The profile of the demo LMS user ``name`` (their email: names may be withheld)."""
    email = name.lower().replace(" ", ".") + "@northwind.example"
    with app.app_context():
        profile = db.session.scalars(
            sa.select(Profile)
            .join(Person, Person.id == Profile.person_id)
            .where(Profile.program_id == program_id, Person.email == email)
            .options(selectinload(Profile.skill_links).selectinload(ProfileSkill.skill))
        ).first()
        if profile is not None:
            _ = profile.skills_offered, profile.skills_wanted
            db.session.expunge_all()
        return profile


def test_learner_fills_the_intake_once(spec: Platform, app: Flask, forget_programs: None) -> None:  # noqa: F811
    designer = enter(spec)
    program_id = open_program(designer)

    learner = enter(spec, LEARNER)
    assert learner.page.url.endswith(f"/programs/{program_id}/intake")
    page = learner.page.text
    assert "Your profile for Digital reciprocity pilot" in page
    for legend in (
        "Skills you can offer",
        "Skills you want to learn",
        "Your learning goals",
        "Languages you can meet in",
        "When you could usually meet",
        "Would you welcome a partner from another department?",
    ):
        assert f"<legend>{legend}" in page
    for label in (
        'for="seniority"',
        'for="department"',
        'for="manager_id"',
        'for="time_zone"',
        'for="consents_to_share"',
        'for="interests"',
    ):
        assert label in page
    assert "Social media" in page and "Career navigation" in page

    refused = learner.post(
        f"programs/{program_id}/intake",
        answers_for(page, skills_offered=[], time_zone="Nowhere/Town"),
    )
    assert refused.status_code == 422
    assert 'id="skills_offered-error"' in refused.text and 'id="time_zone-error"' in refused.text
    assert profile_of(app, program_id, "Amara Okafor") is None

    saved = learner.post(f"programs/{program_id}/intake", answers_for(page), allow_redirects=False)
    assert saved.status_code == 303, saved.text[:800]
    thanks = learner.http.get(urljoin(saved.url, saved.headers["Location"]), timeout=10)
    assert "your profile is saved" in thanks.text and "Update my profile" in thanks.text
    profile = profile_of(app, program_id, "Amara Okafor")
    assert profile.is_submitted
    assert (profile.seniority, profile.seniority_source) == (2.0, "profile")
    assert (profile.department, profile.department_source) == ("Marketing", "profile")
    assert profile.languages == ["English", "Yoruba", "French"]
    assert profile.time_zone == "Europe/London" and profile.consents_to_share
    assert len(profile.skills_offered) == 2 and len(profile.skills_wanted) == 1

    again = enter(spec, LEARNER)
    assert again.page.url.endswith(f"/s/{again.launch_id}/"), "asked only once"
    assert "Hello, Amara Okafor" in again.page.text


def test_draft_program_asks_nothing(spec: Platform, forget_programs: None) -> None:  # noqa: F811
    program_id = create_program(enter(spec))
    learner = enter(spec, LEARNER)
    assert "Hello, Amara Okafor" in learner.page.text
    response = learner.get(f"programs/{program_id}/intake")
    assert response.status_code == 409 and "not taking intake profiles" in response.text


def test_seniority_and_department_from_custom_claims(
    spec: Platform, app: Flask, forget_programs: None
) -> None:  # noqa: F811
    designer = enter(spec)
    program_id = open_program(
        designer,
        seniority_source="claim",
        seniority_unit="years",
        seniority_claim="years_experience",
        min_seniority_gap="5",
    )
    learner = enter(spec, LEARNER)
    page = learner.page.text
    assert "3 years of experience" in page and "<strong>Marketing</strong>" in page
    assert 'id="seniority"' not in page and 'id="department"' not in page
    saved = learner.post(f"programs/{program_id}/intake", answers_for(page), allow_redirects=False)
    assert saved.status_code == 303, saved.text[:800]
    profile = profile_of(app, program_id, "Amara Okafor")
    assert (profile.seniority, profile.seniority_source) == (3.0, "claim")
    assert (profile.department, profile.department_source) == ("Marketing", "claim")

    with app.app_context():  # HR data changed in the tool; the next launch brings the claim's
        row = db.session.get(Profile, profile.id)
        row.seniority, row.department = 9.0, "Sales"
        db.session.commit()
    home = enter(spec, LEARNER)
    assert "Hello, Amara Okafor" in home.page.text
    profile = profile_of(app, program_id, "Amara Okafor")
    assert (profile.seniority, profile.department) == (3.0, "Marketing")


def test_intake_lists_only_the_learners_own_course(
    spec: Platform, app: Flask, forget_programs: None
) -> None:  # noqa: F811
    designer = enter(spec)
    enter(spec, "liam.nguyen")
    program_id = open_program(designer)
    with app.app_context():
        launch = db.session.get(LaunchSession, designer.launch_id)
        other = Course(
            platform_id=launch.platform_id,
            context_id=f"X-{uuid.uuid4().hex[:8]}",
            title="Another course",
        )
        outsider = Person(
            issuer="https://elsewhere.example", sub=uuid.uuid4().hex, name="Zed Outsider"
        )
        db.session.add_all(
            [other, outsider, Membership(course=other, person=outsider, roles=["Learner"])]
        )
        db.session.commit()
        outsider_id = outsider.id

    learner = enter(spec, LEARNER)
    page = learner.page.text
    select = re.search(r'<select id="manager_id".*?</select>', page, re.S).group(0)
    colleagues = dict(re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', select))
    assert "Liam Nguyen" in colleagues.values() and "Dana Whitfield" in colleagues.values()
    assert "Zed Outsider" not in page and str(outsider_id) not in colleagues
    with app.app_context():
        own_id = db.session.get(LaunchSession, learner.launch_id).person_id
    assert str(own_id) not in colleagues, "nobody reports to themselves"
    refused = learner.post(
        f"programs/{program_id}/intake", answers_for(page, manager_id=str(outsider_id))
    )
    assert refused.status_code == 422 and "Choose your manager from the list" in refused.text
    assert "Zed Outsider" not in refused.text

    designer_page = designer.get(f"programs/{program_id}/").text
    assert "Zed Outsider" not in designer_page and "Liam Nguyen" in designer_page
    assert "Zed Outsider" not in designer.get(f"programs/{program_id}/rules").text
    refused = designer.post(
        f"programs/{program_id}/do-not-pair",
        {"person_a": str(outsider_id), "person_b": colleagues_id(colleagues, "Liam Nguyen")},
    )
    assert refused.status_code == 422 and "Choose two people of this course" in refused.text


def colleagues_id(colleagues: dict[str, str], name: str) -> str:
    return next(pid for pid, n in colleagues.items() if n == name)


def test_learner_of_another_course(spec: Platform, app: Flask, forget_programs: None) -> None:  # noqa: F811
    designer = enter(spec)
    program_id = open_program(designer)
    stranger = enter_other_course(spec, designer=False)
    assert "Hello, Amara Okafor" in stranger.page.text, "another course's program asks nothing"
    response = stranger.get(f"programs/{program_id}/intake")
    assert response.status_code == 404 and "Digital reciprocity" not in response.text
    posted = stranger.post(f"programs/{program_id}/intake", answers_for(""))
    assert posted.status_code == 404
    assert profile_of(app, program_id, "Amara Okafor") is None
    assert designer.get(f"programs/{program_id}/intake").status_code == 403
