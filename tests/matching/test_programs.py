"""Programs: the model's status changes, form validation, and the designer's pages over real
HTTP launches — including that one course's designer cannot reach another course's program."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
import sqlalchemy as sa
from flask import Flask
from werkzeug.datastructures import MultiDict

from lti_tool.errors import DomainError
from lti_tool.extensions import db
from lti_tool.matching import forms
from lti_tool.matching.models import DoNotPair, Pair, PairVeto, Program, Skill
from lti_tool.matching.programs import DEFAULT_SKILLS, get_program, person_label
from lti_tool.roster.launches import LaunchSession
from lti_tool.roster.models import Person
from tests.lti.test_refusals import launch_with
from tests.support.launching import DESIGNER, Platform

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
IN_TOOL = re.compile(r"^(https?://[^/]+)/s/([^/]+)/")
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


# -- helpers shared by the matching page tests --------------------------------------------------


@dataclass
class InTool:
    """A browser inside the tool after a launch: GETs and POSTs under ``/s/<launch id>/``."""

    base: str
    launch_id: str
    http: requests.Session
    page: requests.Response
    secret: str

    def url(self, path: str = "") -> str:
        return f"{self.base}/s/{self.launch_id}/{path}"

    def get(self, path: str = "", **kwargs: Any) -> requests.Response:
        return self.http.get(self.url(path), timeout=10, **kwargs)

    def post(
        self, path: str, data: dict | list | None = None, *, token: str | None = None, **kwargs: Any
    ) -> requests.Response:
        fields = list(data.items()) if isinstance(data, dict) else list(data or [])
        fields.append(("csrf_token", token or self.token))
        return self.http.post(self.url(path), data=fields, timeout=10, **kwargs)

    @property
    def token(self) -> str:
        """The launch's CSRF token (an HMAC of the launch id, as the tool's forms carry)."""
        return hmac.new(
            self.secret.encode(), f"launch:{self.launch_id}".encode(), hashlib.sha256
        ).hexdigest()


def in_tool(platform: Platform, page: requests.Response) -> InTool:
    assert page.status_code == 200, page.text[:500]
    match = IN_TOOL.match(page.url)
    assert match, page.url
    return InTool(
        match.group(1), match.group(2), requests.Session(), page, platform.app.config["SECRET_KEY"]
    )


def enter(platform: Platform, user: str = DESIGNER) -> InTool:
    """Launch ``user`` from the demo LMS's pilot course."""
    return in_tool(platform, platform.launch(user))


def enter_other_course(
    platform: Platform, *, designer: bool, context_id: str | None = None
) -> InTool:
    """A real launch whose context claim names another course (created on the fly)."""
    context_id = context_id or f"OTHER-{uuid.uuid4().hex[:8]}"

    def tamper(claims: dict) -> None:
        claims[CLAIM + "context"] = {"id": context_id, "title": "Another course"}
        if designer:
            claims[CLAIM + "roles"] = [INSTRUCTOR]

    response = launch_with(platform, tamper)
    assert response.status_code == 303, response.text[:500]
    browser = requests.Session()
    page = browser.get(
        requests.compat.urljoin(response.url, response.headers["Location"]), timeout=10
    )
    return in_tool(platform, page)


PROGRAM_FORM = {
    "title": "Digital reciprocity pilot",
    "purpose": "Bridge generational gaps and build digital fluency among leaders.",
    "goal-0": "Promote a diverse and inclusive culture",
    "metric-0": "Inclusion score up 10 points",
    "starts_on": "2026-09-01",
    "length_months": "6",
    "cadence": "monthly",
    "is_pilot": "on",
}


def create_program(designer: InTool, **changes: str) -> int:
    response = designer.post("programs/new", {**PROGRAM_FORM, **changes}, allow_redirects=False)
    assert response.status_code == 303, response.text[:800]
    return int(re.search(r"/programs/(\d+)/", response.headers["Location"]).group(1))


@pytest.fixture
def forget_programs(app: Flask) -> Iterator[None]:
    """Delete the programs a test made, so later launches of the pilot course's learners land
    on their home page as before."""
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.max(Program.id))) or 0
    yield
    with app.app_context():
        for program in db.session.scalars(sa.select(Program).where(Program.id > before)):
            db.session.delete(program)
        db.session.commit()


def program_row(app: Flask, program_id: int) -> Program:
    with app.app_context():
        program = get_program(program_id)
        db.session.expunge(program)
        return program


# -- the model ---------------------------------------------------------------------------------


def draft(**fields: Any) -> Program:
    fields = {"status": "draft", "starts_on": dt.date(2026, 1, 31), "length_months": 6, **fields}
    program = Program(title="P", purpose="Why", goals=[], **fields)
    program.skills.append(Skill(name="Social media", kind="digital"))
    return program


def test_program_moves_draft_matching_active_closed() -> None:
    program = draft()
    program.start_matching()
    assert program.status == "matching" and program.matching_started_at
    program.pairs.append(Pair(mentor_id=1, mentee_id=2, status="active"))
    program.activate()
    assert program.status == "active" and program.activated_at
    program.close()
    assert program.status == "closed" and program.closed_at


@pytest.mark.parametrize(
    ("status", "change", "words"),
    [
        ("draft", "activate", "only when matching; this one is draft"),
        ("draft", "close", "only when active"),
        ("matching", "start_matching", "only when draft"),
        ("matching", "close", "only when active"),
        ("active", "start_matching", "only when draft"),
        ("closed", "activate", "only when matching; this one is closed"),
        ("closed", "close", "only when active"),
    ],
)
def test_program_refuses_other_status_changes(status: str, change: str, words: str) -> None:
    program = draft(status=status)
    with pytest.raises(DomainError, match=words):
        getattr(program, change)()
    assert program.status == status


def test_matching_needs_a_skill_catalogue() -> None:
    program = draft()
    program.skills.clear()
    with pytest.raises(DomainError, match="at least one skill"):
        program.start_matching()


def test_activation_needs_published_pairs() -> None:
    program = draft(status="matching")
    program.pairs.append(Pair(mentor_id=1, mentee_id=2, status="proposed"))
    with pytest.raises(DomainError, match="Publish the pairs"):
        program.activate()


@pytest.mark.parametrize(
    ("status", "rules_editable", "editable"),
    [
        ("draft", True, True),
        ("matching", True, True),
        ("active", False, True),
        ("closed", False, False),
    ],
)
def test_what_can_change_in_each_status(status: str, rules_editable: bool, editable: bool) -> None:
    program = draft(status=status)
    for check, allowed in (
        (program.ensure_rules_editable, rules_editable),
        (program.ensure_editable, editable),
    ):
        if allowed:
            check()
        else:
            with pytest.raises(DomainError):
                check()


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (dt.date(2026, 1, 31), 3, dt.date(2026, 4, 30)),
        (dt.date(2026, 8, 31), 6, dt.date(2027, 2, 28)),
        (dt.date(2027, 8, 31), 6, dt.date(2028, 2, 29)),
        (dt.date(2026, 3, 15), 12, dt.date(2027, 3, 15)),
        (dt.date(2026, 7, 1), 6, dt.date(2027, 1, 1)),
    ],
)
def test_program_end_date(start: dt.date, months: int, end: dt.date) -> None:
    assert draft(starts_on=start, length_months=months).ends_on == end


def test_pair_moves_proposed_locked_active_ended() -> None:
    pair = Pair(mentor_id=1, mentee_id=2, status="proposed", rules_broken=[])
    pair.lock()
    assert pair.status == "locked" and pair.locked_at
    pair.unlock()
    assert pair.status == "proposed" and pair.locked_at is None
    pair.activate()
    with pytest.raises(DomainError, match="only when proposed or locked"):
        pair.activate()
    pair.end("Mentee left the organisation", needs_rematch=True)
    assert (pair.status, pair.needs_rematch, pair.end_reason) == (
        "ended",
        True,
        "Mentee left the organisation",
    )
    with pytest.raises(DomainError):
        pair.end("again")


def test_pair_breaking_rules_needs_a_reason() -> None:
    pair = Pair(
        mentor_id=1, mentee_id=2, status="proposed", is_manual=True, rules_broken=["both in Sales"]
    )
    with pytest.raises(DomainError, match="both in Sales"):
        pair.lock()
    pair.override_reason = "They asked to work together on the Sales digital plan."
    pair.lock()
    assert pair.status == "locked"


def test_rules_for_the_engine_include_do_not_pair_and_vetoes() -> None:
    program = draft(
        min_seniority_gap=2.0,
        seniority_unit="levels",
        exclude_same_department=True,
        respect_department_preference=True,
        exclude_same_reporting_line=False,
        require_shared_language=True,
        max_timezone_gap_hours=None,
        mentor_capacity=2,
        objective="maximin",
        weights={**forms.WEIGHT_LABELS.fromkeys(forms.WEIGHT_LABELS, 1.0), "mentor_offers": 50.0},
    )
    DoNotPair.between(program, 9, 4, "Conflict of interest")
    program.vetoes.append(PairVeto(mentor_id=3, mentee_id=7))
    rules = program.matching_rules(previous_pairs={(1, 2)}, locked_pairs={(5, 6)})
    assert rules.do_not_pair == {(4, 9)} and rules.vetoed_pairs == {(3, 7)}
    assert rules.previous_pairs == {(1, 2)} and rules.locked_pairs == {(5, 6)}
    assert (rules.min_seniority_gap, rules.mentor_capacity, rules.objective) == (2.0, 2, "maximin")
    assert rules.exclude_same_department and not rules.exclude_same_reporting_line
    assert program.score_weights().mentor_offers == 50.0
    assert program.score_weights().language == 1.0


def test_people_without_a_name_get_a_neutral_label() -> None:
    assert person_label(Person(issuer="x", sub="abcdef123456")) == "Unnamed member (abcdef12)"
    assert person_label(Person(issuer="x", sub="s", email="a@b.example")) == "a@b.example"
    assert person_label(Person(issuer="x", sub="s", given_name="Zoë")) == "Zoë"


def test_do_not_pair_needs_two_people() -> None:
    with pytest.raises(DomainError, match="two different people"):
        DoNotPair.between(draft(), 3, 3)


# -- form validation ---------------------------------------------------------------------------


def validate_program(data: MultiDict, **options: object):
    form = forms.ProgramForm(data, **options)
    return (form.values() if form.validate() else None), form.messages


def validate_rules(data: MultiDict):
    form = forms.RulesForm(data)
    return (form.values() if form.validate() else None), form.messages


def validate_catalogue(data: MultiDict, skill_ids: list[int], new_rows: int):
    form = forms.CatalogueForm.of(skill_ids, new_rows)(data)
    return (form.changes() if form.validate() else None), form.messages


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"title": "  "}, "title", "Give the program a name"),
        ({"title": "x" * 201}, "title", "at most 200 characters"),
        ({"purpose": ""}, "purpose", "Say why the program exists"),
        ({"metric-0": ""}, "metric-0", "how you will measure"),
        ({"goal-0": ""}, "goal-0", "Name the goal"),
        ({"goal-0": "", "metric-0": ""}, "goal-0", "at least one organisational goal"),
        ({"starts_on": "1 September"}, "starts_on", "YYYY-MM-DD"),
        ({"starts_on": ""}, "starts_on", "Give the start date"),
        ({"length_months": "2"}, "length_months", "from 3 to 12"),
        ({"length_months": "13"}, "length_months", "from 3 to 12"),
        ({"length_months": "6.5"}, "length_months", "whole number"),
        ({"cadence": "quarterly"}, "cadence", "at least monthly"),
    ],
)
def test_program_form_errors(changes: dict, field: str, words: str) -> None:
    values, errors = validate_program(MultiDict({**PROGRAM_FORM, **changes}))
    assert values is None
    assert words in errors[field]


def test_program_form_values() -> None:
    values, errors = validate_program(
        MultiDict(
            {
                **PROGRAM_FORM,
                "goal-3": " Boost   knowledge sharing ",
                "metric-3": "Posts per month",
                "is_pilot": "",
            }
        )
    )
    assert errors == {}
    assert values.goals == [
        PROGRAM_FORM_GOAL,
        {"goal": "Boost knowledge sharing", "metric": "Posts per month"},
    ]
    assert (values.starts_on, values.length_months, values.is_pilot) == (
        dt.date(2026, 9, 1),
        6,
        False,
    )


PROGRAM_FORM_GOAL = {"goal": PROGRAM_FORM["goal-0"], "metric": PROGRAM_FORM["metric-0"]}
RULES_FORM = {
    "seniority_unit": "levels",
    "min_seniority_gap": "1",
    "seniority_source": "profile",
    "seniority_claim": "seniority_level",
    "department_claim": "department",
    "exclude_same_reporting_line": "on",
    "require_shared_language": "on",
    "respect_department_preference": "on",
    "max_timezone_gap_hours": "",
    "mentor_capacity": "1",
    "objective": "total",
    **{f"weight_{k}": "10" for k in forms.WEIGHT_LABELS},
}


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"min_seniority_gap": "-1"}, "min_seniority_gap", "from 0 to 40"),
        ({"min_seniority_gap": "one"}, "min_seniority_gap", "not a number"),
        ({"seniority_source": "ldap"}, "seniority_source", "Choose where"),
        ({"seniority_claim": "seniority level"}, "seniority_claim", "custom claim name"),
        ({"mentor_capacity": "0"}, "mentor_capacity", "from 1 to 10"),
        ({"max_timezone_gap_hours": "30"}, "max_timezone_gap_hours", "from 0 to 26"),
        ({"objective": "greedy"}, "objective", "Choose an objective"),
        ({"weight_language": "1001"}, "weight_language", "from 0 to 1000"),
        ({"weight_timezone": "nan"}, "weight_timezone", "from 0 to 1000"),
    ],
)
def test_rules_form_errors(changes: dict, field: str, words: str) -> None:
    values, errors = validate_rules(MultiDict({**RULES_FORM, **changes}))
    assert values is None and words in errors[field]


def test_rules_form_values() -> None:
    values, errors = validate_rules(
        MultiDict(
            {
                **RULES_FORM,
                "seniority_source": "claim",
                "seniority_claim": "",
                "objective": "maximin",
                "max_timezone_gap_hours": "3.5",
                "exclude_same_reporting_line": "",
            }
        )
    )
    assert errors == {}
    assert values.seniority_claim == "seniority_level"  # empty falls back to the default
    assert values.max_timezone_gap_hours == 3.5 and values.objective == "maximin"
    assert not values.exclude_same_reporting_line and values.require_shared_language
    assert values.weights["cross_department"] == 10.0


@pytest.mark.parametrize(
    ("form", "key", "words"),
    [
        ({"skill-1": "Strategy", "skill-2": "strategy"}, "skill-2", "already in the catalogue"),
        ({"skill-1": "", "skill-2": "Leadership"}, "skill-1", "or tick Remove"),
        (
            {"skill-1": "Strategy", "skill-2": "Leadership", "new-0": "LEADERSHIP"},
            "new-0",
            "already in",
        ),
        ({"remove-1": "on", "remove-2": "on"}, "catalogue", "at least one skill"),
    ],
)
def test_catalogue_form_errors(form: dict, key: str, words: str) -> None:
    changes, errors = validate_catalogue(MultiDict(form), [1, 2], 3)
    assert changes is None and words in errors[key]


# -- the designer's pages ----------------------------------------------------------------------


def test_designer_creates_and_edits_a_program(
    spec: Platform, app: Flask, forget_programs: None
) -> None:
    designer = enter(spec)
    assert "New program" in designer.page.text
    page = designer.get("programs/new")
    assert page.status_code == 200
    for label in (
        'for="title"',
        'for="purpose"',
        'for="goal-0"',
        'for="metric-0"',
        'for="starts_on"',
        'for="length_months"',
        'for="cadence"',
        'for="is_pilot"',
    ):
        assert label in page.text

    refused = designer.post("programs/new", {**PROGRAM_FORM, "metric-0": "", "cadence": "yearly"})
    assert refused.status_code == 422
    assert (
        'id="metric-0-error"' in refused.text
        and 'aria-describedby="metric-0-error"' in refused.text
    )
    assert "at least monthly" in refused.text

    program_id = create_program(designer)
    overview = designer.get(f"programs/{program_id}/")
    assert overview.status_code == 200 and "Program created" not in overview.text
    assert "Digital reciprocity pilot" in overview.text and "Draft" in overview.text
    assert "1 September 2026 to 1 March 2027" in overview.text
    program = program_row(app, program_id)
    assert (
        program.is_pilot and program.cadence == "monthly" and program.goals == [PROGRAM_FORM_GOAL]
    )

    edited = designer.post(
        f"programs/{program_id}/edit",
        {**PROGRAM_FORM, "length_months": "9", "cadence": "fortnightly"},
        allow_redirects=False,
    )
    assert edited.status_code == 303
    assert program_row(app, program_id).length_months == 9
    home = designer.get()
    assert "Digital reciprocity pilot" in home.text and "Draft" in home.text


def catalogue(app: Flask, program_id: int) -> list[Skill]:
    with app.app_context():
        skills = db.session.scalars(
            sa.select(Skill)
            .where(Skill.program_id == program_id)
            .order_by(Skill.position, Skill.id)
        ).all()
        db.session.expunge_all()
        return list(skills)


def catalogue_form(skills: list[Skill]) -> dict[str, str]:
    form = {f"skill-{s.id}": s.name for s in skills}
    form.update({f"kind-{s.id}": s.kind for s in skills})
    return form


def test_new_program_has_the_seeded_skill_catalogue(
    spec: Platform, app: Flask, forget_programs: None
) -> None:
    designer = enter(spec)
    program_id = create_program(designer)
    page = designer.get(f"programs/{program_id}/skills")
    for _, name in DEFAULT_SKILLS:
        assert name in page.text
    skills = catalogue(app, program_id)
    assert [(s.kind, s.name) for s in skills] == list(DEFAULT_SKILLS)

    ids = {s.name: s.id for s in skills}
    form = catalogue_form(skills)
    form.update(
        {
            f"skill-{ids['Strategy']}": "Business strategy",
            f"remove-{ids['Current trends']}": "on",
            "new-0": "Podcasting",
            "new-kind-0": "digital",
        }
    )
    saved = designer.post(f"programs/{program_id}/skills", form, allow_redirects=False)
    assert saved.status_code == 303, saved.text[:800]
    names = [s.name for s in catalogue(app, program_id)]
    assert names[-1] == "Podcasting" and "Business strategy" in names
    assert "Current trends" not in names and "Strategy" not in names

    duplicate = designer.post(
        f"programs/{program_id}/skills",
        {**catalogue_form(catalogue(app, program_id)), "new-0": "podcasting"},
    )
    assert duplicate.status_code == 422
    assert "“podcasting” is already in the catalogue" in duplicate.text
    assert 'aria-describedby="new-0-error"' in duplicate.text
    everything = {f"remove-{s.id}": "on" for s in catalogue(app, program_id)}
    emptied = designer.post(
        f"programs/{program_id}/skills",
        {**catalogue_form(catalogue(app, program_id)), **everything},
    )
    assert emptied.status_code == 422 and "Keep at least one skill" in emptied.text


def test_designer_sets_rules_and_status(spec: Platform, app: Flask, forget_programs: None) -> None:
    designer = enter(spec)
    program_id = create_program(designer)
    page = designer.get(f"programs/{program_id}/rules")
    assert page.status_code == 200
    assert "<legend>Where seniority and department come from" in page.text
    saved = designer.post(
        f"programs/{program_id}/rules",
        {
            **RULES_FORM,
            "seniority_source": "claim",
            "seniority_claim": "years_experience",
            "seniority_unit": "years",
            "min_seniority_gap": "5",
            "objective": "maximin",
            "weight_cross_department": "25",
        },
        allow_redirects=False,
    )
    assert saved.status_code == 303, saved.text[:800]
    program = program_row(app, program_id)
    assert (program.seniority_source, program.seniority_claim, program.seniority_unit) == (
        "claim",
        "years_experience",
        "years",
    )
    assert program.min_seniority_gap == 5 and program.objective == "maximin"
    assert program.weights["cross_department"] == 25
    bad = designer.post(f"programs/{program_id}/rules", {**RULES_FORM, "mentor_capacity": "0"})
    assert bad.status_code == 422 and 'id="mentor_capacity-error"' in bad.text

    refused = designer.post(f"programs/{program_id}/status", {"action": "activate"})
    assert refused.status_code == 409 and "only when matching" in refused.text
    opened = designer.post(
        f"programs/{program_id}/status", {"action": "start_matching"}, allow_redirects=False
    )
    assert opened.status_code == 303
    assert program_row(app, program_id).status == "matching"
    no_pairs = designer.post(f"programs/{program_id}/status", {"action": "activate"})
    assert no_pairs.status_code == 409 and "Publish the pairs" in no_pairs.text
    assert program_row(app, program_id).status == "matching"


def test_do_not_pair_list(spec: Platform, app: Flask, forget_programs: None) -> None:
    designer = enter(spec)
    enter(spec, "liam.nguyen"), enter(spec, "priya.sharma")
    program_id = create_program(designer)
    page = designer.get(f"programs/{program_id}/rules")
    people = dict(re.findall(r'<option value="(\d+)">([^<]+)</option>', page.text))
    ids = {name: pid for pid, name in people.items()}
    assert {"Liam Nguyen", "Priya Sharma"} <= set(ids)
    assert "Dana Whitfield" not in ids  # designers are not matched
    pair = {"person_a": ids["Liam Nguyen"], "person_b": ids["Priya Sharma"], "reason": "Siblings"}
    added = designer.post(f"programs/{program_id}/do-not-pair", pair, allow_redirects=False)
    assert added.status_code == 303
    again = designer.post(f"programs/{program_id}/do-not-pair", pair)
    assert again.status_code == 422 and "already on the do-not-pair list" in again.text
    same = designer.post(
        f"programs/{program_id}/do-not-pair", {**pair, "person_b": ids["Liam Nguyen"]}
    )
    assert same.status_code == 422 and "two different people" in same.text
    with app.app_context():
        entry = db.session.scalars(
            sa.select(DoNotPair).where(DoNotPair.program_id == program_id)
        ).one()
        assert entry.reason == "Siblings" and entry.person_a_id < entry.person_b_id
        entry_id = entry.id
    assert "Liam Nguyen and Priya Sharma" in designer.get(f"programs/{program_id}/rules").text
    removed = designer.post(
        f"programs/{program_id}/do-not-pair/{entry_id}/remove", allow_redirects=False
    )
    assert removed.status_code == 303
    with app.app_context():
        assert db.session.get(DoNotPair, entry_id) is None


def test_learner_cannot_open_designer_pages(spec: Platform, forget_programs: None) -> None:
    program_id = create_program(enter(spec))
    learner = enter(spec, "liam.nguyen")
    for path in (
        "programs/",
        "programs/new",
        f"programs/{program_id}/",
        f"programs/{program_id}/rules",
        f"programs/{program_id}/import",
    ):
        assert learner.get(path).status_code == 403, path
    assert (
        learner.post(f"programs/{program_id}/status", {"action": "start_matching"}).status_code
        == 403
    )


# -- one course's designer and another course's program -------------------------------------


def test_designer_of_another_course_cannot_touch_the_program(
    spec: Platform, app: Flask, forget_programs: None
) -> None:
    program_id = create_program(enter(spec), title="Pilot course program")
    other = enter_other_course(spec, designer=True)
    assert "Welcome" in other.page.text
    assert "Pilot course program" not in other.get("programs/").text
    assert "Pilot course program" not in other.page.text
    for path in ("", "edit", "rules", "skills", "import"):
        response = other.get(f"programs/{program_id}/{path}")
        assert response.status_code == 404, path
        assert "Pilot course program" not in response.text
    for path, data in (
        ("edit", PROGRAM_FORM),
        ("rules", RULES_FORM),
        ("status", {"action": "start_matching"}),
        ("skills", {}),
        ("do-not-pair", {"person_a": "1", "person_b": "2"}),
        ("do-not-pair/1/remove", {}),
    ):
        assert other.post(f"programs/{program_id}/{path}", data).status_code == 404, path
    upload = other.post(
        f"programs/{program_id}/import",
        {"action": "import"},
        files={"file": ("a.csv", b"email,seniority\nx@y.z,3\n")},
    )
    assert upload.status_code == 404
    program = program_row(app, program_id)
    assert program.status == "draft" and program.title == "Pilot course program"

    own = create_program(other, title="Other course program")
    pilot_designer = enter(spec)
    assert pilot_designer.get(f"programs/{own}/").status_code == 404
    assert "Other course program" not in pilot_designer.page.text
    with app.app_context():
        launch = db.session.get(LaunchSession, other.launch_id)
        assert get_program(own).course_id == launch.course_id != program.course_id


def test_forged_csrf_token_is_refused(spec: Platform, forget_programs: None) -> None:
    designer = enter(spec)
    other = enter_other_course(spec, designer=True)
    response = designer.post("programs/new", PROGRAM_FORM, token=other.token)
    assert response.status_code == 403
