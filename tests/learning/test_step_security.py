"""Who may see and do what on the step and progress pages, replayed over HTTP: a learner
never reaches another pair's state, nor the designer's matrix; another course's designer or
learner never reaches this course's steps or progress; private meeting notes and unshared
reflections never appear for the partner or the designer."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask

from lti_tool.core.time import utcnow
from tests.learning.pages_support import meeting_ids, start_program
from tests.matching.test_programs import (  # noqa: F401  (forget_programs is a fixture)
    enter,
    enter_other_course,
    forget_programs,
)
from tests.support.launching import Platform

pytestmark = pytest.mark.usefixtures("forget_programs")
PRIVATE = "PRIVATE-NOTE-b7d2"
SHARED = "SHARED-NOTE-5e10"
UNSHARED = "UNSHARED-REFLECTION-c3f9"


def test_a_learner_never_reaches_another_pairs_step_state(spec: Platform, app: Flask) -> None:
    running, _designer = start_program(app, spec)
    mine, theirs = running.pair_ids[0], running.pair_ids[1]
    amara = enter(spec, "amara.okafor")
    liam, catherine = enter(spec, "liam.nguyen"), enter(spec, "catherine.dubois")
    agreement = f"steps/{running.step('Our mentoring agreement')}"
    checkin = f"steps/{running.step('Check-in 1')}"
    met_on = (utcnow().date() - dt.timedelta(days=1)).isoformat()
    liam.post(f"{checkin}/meetings", {"met_on": met_on, "duration_minutes": "30"})
    (their_meeting,) = meeting_ids(catherine.get(checkin).text)

    assert amara.get(f"{agreement}?pair={mine}").status_code == 200
    for path in (f"{agreement}?pair={theirs}", f"{checkin}?pair={theirs}"):
        response = amara.get(path)
        assert response.status_code == 404, path
        assert "This step belongs to another pair." in response.text
    assert amara.post(f"{agreement}/sign", {"pair": str(theirs)}).status_code == 404
    for action in ("confirm", "decline"):
        response = amara.post(
            f"{checkin}/meetings/{their_meeting}/{action}", {"decline_reason": "not ours"}
        )
        assert response.status_code == 404, action
    assert "Waiting for your confirmation" in catherine.get(checkin).text  # untouched

    unpaired = enter(spec, "priya.sharma")
    response = unpaired.get(agreement)
    assert response.status_code == 404
    assert "You do not have a partner in this program yet." in response.text


def test_learners_cannot_open_the_designer_pages(spec: Platform, app: Flask) -> None:
    running, _designer = start_program(app, spec)
    amara = enter(spec, "amara.okafor")
    assert amara.get(f"programs/{running.program_id}/progress").status_code == 403
    grace = amara.post(f"programs/{running.program_id}/progress/grace", {"grace_days": "1"})
    assert grace.status_code == 403


def test_another_course_never_reaches_this_courses_steps_or_progress(
    spec: Platform, app: Flask
) -> None:
    running, designer = start_program(app, spec)
    agreement = f"steps/{running.step('Our mentoring agreement')}"
    assert designer.get(agreement).status_code == 200
    for other in (
        enter_other_course(spec, designer=True),
        enter_other_course(spec, designer=False),
    ):
        response = other.get(agreement)
        assert response.status_code == 404
        assert "This step belongs to a learning path of another course" in response.text
        assert "Our mentoring agreement" not in response.text
        assert other.post(f"{agreement}/sign").status_code in (403, 404)
    other_designer = enter_other_course(spec, designer=True)
    for path in ("progress", "progress/grace"):
        call = other_designer.post if path.endswith("grace") else other_designer.get
        response = call(f"programs/{running.program_id}/{path}")
        assert response.status_code == 404, path
        assert "Reverse mentoring 2026" not in response.text


def test_private_notes_and_unshared_reflections_stay_private(spec: Platform, app: Flask) -> None:
    running, designer = start_program(app, spec)
    amara, thomas = enter(spec, "amara.okafor"), enter(spec, "thomas.becker")
    checkin = f"steps/{running.step('Check-in 1')}"
    met_on = (utcnow().date() - dt.timedelta(days=1)).isoformat()
    amara.post(
        f"{checkin}/meetings",
        {
            "met_on": met_on,
            "duration_minutes": "40",
            "shared_notes": SHARED,
            "private_notes": PRIVATE,
        },
    )
    assert PRIVATE in amara.get(checkin).text
    partner_page = thomas.get(checkin).text
    assert SHARED in partner_page and PRIVATE not in partner_page
    (meeting_id,) = meeting_ids(partner_page)
    thomas.post(f"{checkin}/meetings/{meeting_id}/confirm")
    assert PRIVATE not in thomas.get(checkin).text

    reflection = "steps/" + next(
        pid for title, pid in running.steps.items() if "reflection" in title.lower()
    )
    amara.post(f"{reflection}/reflection", {"text": UNSHARED})
    assert UNSHARED in amara.get(reflection).text
    assert UNSHARED not in thomas.get(reflection).text

    for page in (
        designer.get(checkin).text,
        designer.get(reflection).text,
        designer.get(f"programs/{running.program_id}/progress").text,
        thomas.get("").text,
    ):
        assert PRIVATE not in page and UNSHARED not in page
    assert SHARED not in designer.get(checkin).text
