"""Defects a first-time user met, over real launches through the demo LMS: attribute values in
the markup, what learners' homes say before and after publishing and after closing, the
program's phase and next step, confirmations before closing and vetoing, the review page's
counts and unmatched list, the CSV import's wording and scale, the program form, time zones
and departments, and the icons."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest
import requests
import sqlalchemy as sa
from flask import Flask

from lti_tool.extensions import db
from lti_tool.matching import forms
from lti_tool.matching.decisions import publish_pairs
from lti_tool.matching.models import PairStatus, Profile, Program, ProgramStatus
from lti_tool.matching.pairing import run_matching
from lti_tool.matching.programs import ProgramValues, create_program
from lti_tool.roster.models import Course
from tests.matching.test_csv_import import upload
from tests.matching.test_pair_pages import (
    course_of,
    fill_profiles,
    member_id,
    name_of,
    new_program,
    pairs_of,
    seeded_person,
    sync_roster,
)
from tests.matching.test_profiles import answers_for, open_program
from tests.matching.test_programs import (  # noqa: F401  (forget_programs is a fixture)
    PROGRAM_FORM,
    enter,
    forget_programs,
    validate_program,
)
from tests.support.launching import LEARNER, Platform
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.usefixtures("forget_programs")
FUTURE_START = dt.date.today() + dt.timedelta(days=90)


class Elements(HTMLParser):
    """Every element's attributes by id, and the options of each select, as a browser reads
    them (entities decoded)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.by_id: dict[str, dict[str, str]] = {}
        self.options: dict[str, list[dict[str, str]]] = {}
        self.groups: dict[str, list[str]] = {}
        self._select: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if "id" in values:
            self.by_id[values["id"]] = {"tag": tag, **values}
        if tag == "select":
            self._select = values.get("id")
            self.options[self._select] = []
            self.groups[self._select] = []
        elif tag == "option" and self._select:
            self.options[self._select].append(values)
        elif tag == "optgroup" and self._select:
            self.groups[self._select].append(values.get("label", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def future_program(app: Flask, course_id: int, title: str = "Future pilot") -> int:
    """A matching program whose start date is three months ahead."""
    with app.app_context():
        program = create_program(
            db.session.get(Course, course_id),
            ProgramValues(
                title=title,
                purpose="Digital fluency for leaders.",
                is_pilot=True,
                goals=[{"goal": "Confidence", "metric": "Survey"}],
                starts_on=FUTURE_START,
                length_months=6,
                cadence="fortnightly",
            ),
        )
        program.start_matching()
        db.session.commit()
        return program.id


def day(date: dt.date) -> str:
    return f"{date.day} {date:%B %Y}"


# -- 3: attribute values are real values ---------------------------------------------------------


def test_attribute_values_are_not_quoted_twice(spec: Platform, app: Flask) -> None:
    designer = enter(spec)
    program_id = open_program(designer)
    rules = Elements(designer.get(f"programs/{program_id}/rules").text).by_id
    assert rules["min_seniority_gap"]["min"] == "0"
    assert rules["min_seniority_gap"]["max"] == "40"
    assert rules["mentor_capacity"]["min"] == "1"
    assert rules["weight_language"]["step"] == "any"
    import_page = Elements(designer.get(f"programs/{program_id}/import").text).by_id
    assert import_page["file"]["accept"] == ".csv,text/csv"
    assert "value" not in import_page["file"]

    intake = Elements(enter(spec, LEARNER).page.text).by_id
    assert intake["department"]["list"] == "departments"
    assert intake["departments"]["tag"] == "datalist"
    assert intake["department"]["autocomplete"] == "organization-title"


# -- 1, 2, 7, 14, 6: learners' homes and the program's phase -------------------------------------


def test_learner_homes_from_intake_to_closing(spec: Platform, app: Flask) -> None:
    designer = enter(spec)
    sync_roster(app, designer)
    course_id = course_of(app, designer)
    program_id = future_program(app, course_id)
    fill_profiles(app, program_id)
    with app.app_context():  # Amara speaks only Korean: nobody shares a language with her
        amara = seeded_person(course_id, LEARNER)
        profile = db.session.scalars(
            sa.select(Profile).where(
                Profile.program_id == program_id, Profile.person_id == amara.id
            )
        ).one()
        profile.languages = ["Korean"]
        db.session.commit()

    liam = enter(spec, "liam.nguyen")
    waiting = liam.page.text
    assert "Your partner appears here once your program's designer publishes the pairs" in waiting
    intake_link = f"/programs/{program_id}/intake"
    assert intake_link in waiting and "View or edit my profile" in waiting  # 14

    with app.app_context():
        program = db.session.get(Program, program_id)
        run_matching(program)
        publish_pairs(program)
        db.session.commit()
    pairs = pairs_of(app, program_id)
    liam_id = member_id(app, course_id, "liam.nguyen")
    liams = next(p for p in pairs if liam_id in (p.mentor_id, p.mentee_id))
    partner = name_of(app, liams.mentee_id if liams.mentor_id == liam_id else liams.mentor_id)

    home = enter(spec, "liam.nguyen").page.text  # 1
    assert "Your partner appears here once" not in home
    assert partner.replace("'", "&#39;") in home and "See why you were matched" in home
    assert f"The program starts on {day(FUTURE_START)}" in home  # 7
    assert intake_link in home

    alone = enter(spec, LEARNER).page.text  # 2
    assert "You were not paired this time" in alone
    assert "Your partner appears here once" not in alone
    assert 'data-testid="unpaired-reason"' in alone
    assert "shares a language" in alone and "What happens next" in alone
    others = {name_of(app, i) for p in pairs for i in (p.mentor_id, p.mentee_id)}
    assert not any(n.replace("'", "&#39;") in alone for n in others)

    overview = designer.get(f"programs/{program_id}/").text  # 7
    assert f"Starts on {day(FUTURE_START)}" in overview
    assert "The program is running" not in overview and ">Active<" not in overview
    assert "meetings every two weeks" in overview and "every two weeks meetings" not in overview

    closing = designer.get(f"programs/{program_id}/close")  # 6
    assert closing.status_code == 200 and 'data-testid="not-started"' in closing.text
    one_click = designer.post(
        f"programs/{program_id}/status", {"action": "close"}, allow_redirects=False
    )
    assert one_click.status_code == 303 and one_click.headers["Location"].endswith("/close")
    with app.app_context():
        assert db.session.get(Program, program_id).status == ProgramStatus.ACTIVE
    closed = designer.post(
        f"programs/{program_id}/status",
        {"action": "close", "confirmed": "yes"},
        allow_redirects=False,
    )
    assert closed.status_code == 303
    with app.app_context():
        assert db.session.get(Program, program_id).status == ProgramStatus.CLOSED

    after = enter(spec, "liam.nguyen")  # 1: after closing
    assert "This program closed" in after.page.text
    assert "Your partner appears here once" not in after.page.text
    assert 'data-testid="program-closed"' in after.get("partner").text


# -- 8: the next step right after opening the intake ---------------------------------------------


def test_next_step_after_opening_the_intake_is_not_starting(spec: Platform, app: Flask) -> None:
    designer = enter(spec)
    program_id = open_program(designer)
    overview = designer.get(f"programs/{program_id}/").text
    step = overview[overview.index('data-testid="next-step"') :]
    step = step[: step.index("</section>")]
    assert "Start the program" not in step and 'value="activate"' not in step
    assert "See who has answered" in step and "The intake is open: 0 of" in step


# -- 5, 6, 9: veto asks first, and nobody disappears ------------------------------------------


def test_veto_asks_first_and_the_two_stay_listed(spec: Platform, app: Flask) -> None:
    designer = enter(spec)
    sync_roster(app, designer)
    program_id = new_program(app, course_of(app, designer))
    fill_profiles(app, program_id)
    designer.post(f"programs/{program_id}/pairs/run")
    pair = pairs_of(app, program_id)[0]
    mentor, mentee = name_of(app, pair.mentor_id), name_of(app, pair.mentee_id)

    review = designer.get(f"programs/{program_id}/pairs").text
    assert f'href="/s/{designer.launch_id}/programs/{program_id}/pairs/{pair.id}/veto"' in review
    asked = designer.get(f"programs/{program_id}/pairs/{pair.id}/veto")
    assert asked.status_code == 200 and 'name="reason"' in asked.text
    assert 'name="confirmed" value="yes"' in asked.text
    unconfirmed = designer.post(f"programs/{program_id}/pairs/{pair.id}/veto")
    assert unconfirmed.status_code == 200 and "Veto this pair" in unconfirmed.text
    assert any(p.id == pair.id for p in pairs_of(app, program_id))

    designer.post(
        f"programs/{program_id}/pairs/{pair.id}/veto", {"confirmed": "yes", "reason": "Same team"}
    )
    assert all(p.id != pair.id for p in pairs_of(app, program_id))
    review = designer.get(f"programs/{program_id}/pairs").text
    unmatched = review[review.index('id="unmatched-title"') :]
    unmatched = unmatched[: unmatched.index("</section>")]
    for name in (mentor, mentee):
        assert name.replace("'", "&#39;") in unmatched
    assert "their proposed pair was vetoed" in unmatched.lower()
    assert "Same team" in review


def test_counts_follow_the_pairs_after_a_pair_by_hand(spec: Platform, app: Flask) -> None:
    designer = enter(spec)
    sync_roster(app, designer)
    program_id = new_program(app, course_of(app, designer))
    fill_profiles(app, program_id)
    designer.post(f"programs/{program_id}/pairs/run")
    pair = pairs_of(app, program_id)[0]
    designer.post(f"programs/{program_id}/pairs/{pair.id}/veto", {"confirmed": "yes"})
    made = designer.post(
        f"programs/{program_id}/pairs/manual",
        {
            "mentor": str(pair.mentor_id),
            "mentee": str(pair.mentee_id),
            "override_reason": "They asked",
        },
        allow_redirects=False,
    )
    assert made.status_code == 303
    review = designer.get(f"programs/{program_id}/pairs").text
    rows = review.count('data-testid="pair-row"')
    current = [p for p in pairs_of(app, program_id) if p.status != PairStatus.ENDED]
    assert rows == len(current)
    last_run = review[review.index('data-testid="last-run"') :].split("</p>")[0]
    assert f"Now: {rows} pairs, 1 made by hand" in last_run
    assert "rules passed" not in review


# -- 4: a refused pair by hand says so at the top, linked to the field ---------------------------


def test_refused_pair_by_hand_has_an_error_summary(spec: Platform, app: Flask) -> None:
    designer = enter(spec)
    sync_roster(app, designer)
    program_id = new_program(app, course_of(app, designer))
    fill_profiles(app, program_id)
    designer.post(f"programs/{program_id}/pairs/run")
    refused = designer.post(f"programs/{program_id}/pairs/manual", {"mentor": "", "mentee": ""})
    assert refused.status_code == 422
    page = Elements(refused.text)
    assert 'data-testid="error-summary"' in refused.text
    summary = refused.text[refused.text.index('data-testid="error-summary"') :]
    assert summary.index('href="#manual-mentor"') < summary.index('id="pairs-title"')
    assert page.by_id["manual-mentor"]["aria-invalid"] == "true"
    assert page.by_id["manual"]["tag"] == "section"
    assert f"/programs/{program_id}/pairs/manual#manual" in refused.text


# -- 10: the CSV import ------------------------------------------------------------------------


def test_csv_import_wording_and_scale(spec: Platform, app: Flask) -> None:
    designer = enter(spec)
    enter(spec, "liam.nguyen")
    program_id = open_program(designer, seniority_source="csv")
    empty = upload(designer, program_id, "", "check")
    assert empty.status_code == 422
    assert "The file “people.csv” is empty" in empty.text
    assert "Choose a CSV file to upload" not in empty.text

    too_senior = upload(
        designer, program_id, "email,seniority\nliam.nguyen@northwind.example,7\n", "check"
    )
    assert too_senior.status_code == 422 and "between 1 and 6" in too_senior.text
    assert "1 (entry level) to 6 (executive)" in too_senior.text

    row = "email,seniority,department\nliam.nguyen@northwind.example,1,Engineering\n"
    assert upload(designer, program_id, row).status_code == 200
    again = upload(designer, program_id, row, "check")
    preview = again.text[again.text.index('data-testid="import-preview"') :]
    assert "unchanged (1)" in preview and "unchanged (Engineering)" in preview
    assert "1 →" not in preview and "Engineering →" not in preview


# -- 11: the program form -----------------------------------------------------------------------


def test_program_form_keeps_its_rows_and_flags_an_old_year(spec: Platform, app: Flask) -> None:
    designer = enter(spec)
    fresh = Elements(designer.get("programs/new").text).by_id
    refused = designer.post("programs/new", {**PROGRAM_FORM, "metric-0": ""})
    assert refused.status_code == 422
    after = Elements(refused.text).by_id
    assert sum(1 for k in fresh if k.startswith("goal-") and k[5:].isdigit()) == 3
    assert sum(1 for k in after if k.startswith("goal-") and k[5:].isdigit()) == 3

    old = designer.post("programs/new", {**PROGRAM_FORM, "starts_on": "1999-09-01"})
    assert old.status_code == 422
    assert Elements(old.text).by_id["starts_on"]["aria-invalid"] == "true"
    assert "1 September 1999 is more than a year ago" in old.text


def test_goal_rows_and_start_dates() -> None:
    form = {
        "goal-0": "A",
        "metric-0": "B",
        "goal-1": "",
        "metric-1": "",
        "goal-2": "",
        "metric-2": "",
        "goal-3": "",
        "metric-3": "",
    }
    assert len(forms.ProgramForm(form).goal_rows()) == 4
    assert len(forms.ProgramForm({}).goal_rows()) == 3
    today = dt.date(2026, 12, 2)
    values = {**PROGRAM_FORM, "starts_on": "2033-01-01"}
    _, errors = validate_program(values, today=today)
    assert "five years ahead" in errors["starts_on"]
    kept, errors = validate_program(
        {**PROGRAM_FORM, "starts_on": "2020-01-01"}, today=today, current_start=dt.date(2020, 1, 1)
    )
    assert kept is not None and errors == {}


# -- 13: time zones and departments -------------------------------------------------------------


def test_time_zones_are_current_grouped_and_aliases_accepted(spec: Platform, app: Flask) -> None:
    designer = enter(spec)
    sync_roster(app, designer)
    course_id = course_of(app, designer)
    earlier = new_program(app, course_id, title="Earlier program")
    fill_profiles(app, earlier)  # departments the course already knows
    with app.app_context():
        db.session.get(Program, earlier).status = ProgramStatus.CLOSED.value
        db.session.commit()
    program_id = open_program(designer)

    learner = enter(spec, LEARNER)
    page = Elements(learner.page.text)
    zones = [o["value"] for o in page.options["time_zone"] if o.get("value")]
    assert "Asia/Kolkata" in zones and "Asia/Calcutta" not in zones
    assert "Europe/Kyiv" in zones and "Europe/Kiev" not in zones
    assert len(zones) == len(set(zones)) and "UTC" in zones
    assert {"Europe", "Asia", "Americas", "Africa"} <= set(page.groups["time_zone"])
    assert page.by_id["time_zone_search"]["type"] == "search"
    assert "js/time-zone.js" in learner.page.text and "<script>" not in learner.page.text
    assert "Asia/Calcutta" in page.by_id["time_zone"]["data-aliases"]
    departments = [o["value"] for o in page.options.get("departments", [])] or _datalist_values(
        learner.page.text
    )
    assert {"Engineering", "Finance", "Sales"} <= set(departments)

    saved = learner.post(
        f"programs/{program_id}/intake",
        answers_for(learner.page.text, time_zone="Asia/Calcutta"),
        allow_redirects=False,
    )
    assert saved.status_code == 303, saved.text[:500]
    with app.app_context():
        person = seeded_person(course_id, LEARNER)
        profile = db.session.scalars(
            sa.select(Profile).where(
                Profile.program_id == program_id, Profile.person_id == person.id
            )
        ).one()
        assert profile.time_zone == "Asia/Kolkata"


def _datalist_values(html: str) -> list[str]:
    start = html.index('<datalist id="departments">')
    chunk = html[start : html.index("</datalist>", start)]

    class Options(HTMLParser):
        values: list[str] = []

        def handle_starttag(self, tag: str, attrs: list) -> None:
            if tag == "option":
                self.values.append(dict(attrs).get("value") or "")

    parser = Options()
    parser.values = []
    parser.feed(chunk)
    return parser.values


# -- 17: icons and the demo LMS's pages ---------------------------------------------------------


def test_favicon_for_the_tool_and_the_demo_lms(live_server: LiveServer, lms_url: str) -> None:
    for base in (live_server.tool_url, lms_url):
        icon = requests.get(f"{base}/favicon.ico", timeout=10)
        assert icon.status_code == 200, base
        assert icon.headers["Content-Type"].startswith("image/svg+xml")
        assert icon.content.lstrip().startswith(b"<svg")


def test_demo_lms_home_says_which_lms_each_course_imitates(lms_url: str) -> None:
    home = requests.get(f"{lms_url}/", timeout=10).text
    hints = Elements(home)
    assert home.count('data-testid="imitates"') == 3
    assert "Moodle 4.x site" in home and "Canvas instance" in home and "1EdTech reference" in home
    assert hints.by_id["f-moodle"]["tag"] == "h2"
