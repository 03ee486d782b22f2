"""The one input-cleaning layer, replayed over HTTP (on SQLite and PostgreSQL): NUL, other
control characters and bidi overrides never reach the database, every field has a length
limit, and a control character in the address is a 400, never a 500."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.datastructures import ImmutableMultiDict

from lti_tool.core.input import DEFAULT_LIMIT, FieldTooLong, clean_form, limit_for
from lti_tool.extensions import db
from lti_tool.matching.models import PairVeto
from lti_tool.matching.programs import get_program
from tests.matching.test_pair_pages import (
    course_of,
    fill_profiles,
    new_program,
    pairs_of,
    sync_roster,
)
from tests.matching.test_profiles import answers_for, open_program, profile_of
from tests.matching.test_programs import (  # noqa: F401  (forget_programs is a fixture)
    create_program,
    enter,
    forget_programs,
)
from tests.support.launching import LEARNER, Platform

pytestmark = pytest.mark.usefixtures("forget_programs")
NASTY = "\x00\x07\x1b\u202e\u2066\x85"


def test_program_fields_are_stored_clean(spec: Platform, app: Flask) -> None:
    designer = enter(spec)
    program_id = create_program(
        designer,
        title=f"Pilot{NASTY} one",
        purpose=f"Why{NASTY}:\n\tbecause\r\nreasons",
        **{"goal-0": f"Inclusion{NASTY}"},
    )
    with app.app_context():
        program = get_program(program_id)
        assert program.title == "Pilot one"
        assert program.purpose == "Why:\nbecause\nreasons"
        assert program.goals[0]["goal"] == "Inclusion"


def test_profile_fields_are_stored_clean(spec: Platform, app: Flask) -> None:
    program_id = open_program(enter(spec))
    learner = enter(spec, LEARNER)
    saved = learner.post(
        f"programs/{program_id}/intake",
        answers_for(
            learner.page.text,
            department=f"Mar{NASTY}keting",
            goal_note=f"Learn{NASTY} AI",
            interests=f"chess{NASTY}, cycling",
        ),
        allow_redirects=False,
    )
    assert saved.status_code == 303, saved.text[:500]
    profile = profile_of(app, program_id, "Amara Okafor")
    assert profile.department == "Marketing"
    assert profile.goal_note == "Learn AI"
    assert profile.interests == ["chess", "cycling"]


@pytest.fixture
def proposed_pair(spec: Platform, app: Flask):
    designer = enter(spec)
    sync_roster(app, designer)
    program_id = new_program(app, course_of(app, designer))
    fill_profiles(app, program_id)
    ran = designer.post(f"programs/{program_id}/pairs/run", allow_redirects=False)
    assert ran.status_code == 303, ran.text[:300]
    return designer, program_id, pairs_of(app, program_id)[0]


def vetoes(app: Flask, program_id: int) -> list[str | None]:
    with app.app_context():
        return list(
            db.session.scalars(sa.select(PairVeto.reason).where(PairVeto.program_id == program_id))
        )


def test_a_huge_veto_reason_is_refused_with_422(proposed_pair, app: Flask) -> None:
    designer, program_id, pair = proposed_pair
    refused = designer.post(
        f"programs/{program_id}/pairs/{pair.id}/veto",
        {"reason": "x" * 400_000, "confirmed": "yes"},
        allow_redirects=False,
    )
    assert refused.status_code == 422, refused.text[:300]
    assert "The field “reason” has 400,000 characters; it can hold at most 500." in refused.text
    assert "shorten" in refused.text and "Traceback" not in refused.text
    assert vetoes(app, program_id) == []
    json = designer.post(
        f"programs/{program_id}/pairs/{pair.id}/veto",
        {"reason": "x" * 501, "confirmed": "yes"},
        headers={"Accept": "application/json"},
    )
    assert json.status_code == 422 and "at most 500" in json.json()["message"]


def test_a_veto_reason_is_stored_clean(proposed_pair, app: Flask) -> None:
    designer, program_id, pair = proposed_pair
    vetoed = designer.post(
        f"programs/{program_id}/pairs/{pair.id}/veto",
        {"reason": f"Too{NASTY} close" + "y" * 480, "confirmed": "yes"},
        allow_redirects=False,
    )
    assert vetoed.status_code == 303, vetoed.text[:300]
    assert vetoes(app, program_id) == ["Too close" + "y" * 480]


def test_control_characters_in_the_address_are_a_400(spec: Platform) -> None:
    designer = enter(spec)
    for url in (
        f"{designer.base}/s/abc%00def/",
        f"{designer.base}/admin/?launch=x%00y",
        designer.url("programs/?notice=saved%00"),
    ):
        response = designer.http.get(url, timeout=10)
        assert response.status_code == 400, (url, response.text[:300])
        assert "control characters" in response.text


def test_the_lms_login_is_cleaned_too(spec: Platform) -> None:
    """A storage target with NUL used to reach the launch_states table (a 500 on PostgreSQL)."""
    browser = spec.browser()
    login_url = spec.registration.registration["initiate_login_uri"]
    response = browser.request(
        "POST",
        login_url,
        data={
            "iss": "http://nowhere.example",
            "login_hint": "1",
            "target_link_uri": "x",
            "lti_storage_target": "_parent\x00" + "x" * 200,
        },
        allow_redirects=False,
    )
    assert response.status_code == 422 and "lti storage target" in response.text


def test_clean_form_keeps_tabs_and_newlines_and_returns_the_same_form_when_clean() -> None:
    form = ImmutableMultiDict([("purpose", "a\tb\r\nc"), ("goal-0", "x")])
    assert clean_form(form) is form
    cleaned = clean_form(ImmutableMultiDict([("purpose", "a\x00b\u202ec"), ("n\x00", "v")]))
    assert list(cleaned.items(multi=True)) == [("purpose", "abc"), ("n", "v")]


@pytest.mark.parametrize(
    ("name", "limit"),
    [
        ("reason", 500),
        ("title", 200),
        ("goal-3", 300),
        ("metric-12", 300),
        ("skill-7", 100),
        ("new-0", 100),
        ("department", 100),
        ("anything_else", DEFAULT_LIMIT),
    ],
)
def test_limits_match_the_columns(name: str, limit: int) -> None:
    assert limit_for(name) == limit
    with pytest.raises(FieldTooLong, match=f"at most {limit:,}"):
        clean_form(ImmutableMultiDict([(name, "x" * (limit + 1))]))
    assert clean_form(ImmutableMultiDict([(name, "x" * limit)]))
