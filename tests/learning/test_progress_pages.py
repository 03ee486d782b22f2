"""The designer's progress page and the step page for designers, over real launches: the
matrix, the last confirmed meeting, the pairs at risk and the grace period; dates in the
viewer's time zone; the learner home's progress within a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask import Flask, g

from lti_tool.core.time import utcnow
from lti_tool.extensions import db
from lti_tool.learning.models import ViewerTimeZone
from lti_tool.learning.pages import local_day, local_time
from lti_tool.learning.zones import ViewerZone
from lti_tool.roster.launches import LaunchSession
from tests.learning.pages_support import meeting_ids, start_program
from tests.lti.test_launch_cost import tool_statements
from tests.matching.test_pair_pages import followed
from tests.matching.test_programs import (  # noqa: F401  (forget_programs is a fixture)
    InTool,
    enter,
    forget_programs,
)
from tests.support.launching import Platform

pytestmark = pytest.mark.usefixtures("forget_programs")


def forget_zone(app: Flask, someone: InTool) -> None:
    with app.app_context():
        person_id = db.session.get(LaunchSession, someone.launch_id).person_id
        db.session.execute(sa.delete(ViewerTimeZone).where(ViewerTimeZone.person_id == person_id))
        db.session.commit()


def meet(mentor: InTool, mentee: InTool, checkin: str, days_ago: int = 2) -> None:
    met_on = (utcnow().date() - dt.timedelta(days=days_ago)).isoformat()
    mentor.post(f"{checkin}/meetings", {"met_on": met_on, "duration_minutes": "30"})
    (meeting_id,) = meeting_ids(mentee.get(checkin).text)
    mentee.post(f"{checkin}/meetings/{meeting_id}/confirm")


def test_matrix_shows_done_pairs_and_flags_pairs_at_risk(spec: Platform, app: Flask) -> None:
    running, designer = start_program(app, spec, days_ago=60)
    mentor, mentee = enter(spec, "amara.okafor"), enter(spec, "thomas.becker")
    agreement = f"steps/{running.step('Our mentoring agreement')}"
    for who in (mentor, mentee):
        who.post(f"{agreement}/sign")
    meet(mentor, mentee, f"steps/{running.step('Check-in 1')}")

    page = designer.get(f"programs/{running.program_id}/progress")
    assert page.status_code == 200, page.text[:500]
    html = page.text
    assert html.count('data-testid="matrix-row"') == 3
    done_row = html.split(f'data-pair="{running.pair_ids[0]}"')[1].split("</tr>")[0]
    assert 'data-state="done"' in done_row and "at risk" not in done_row
    met_on = utcnow().date() - dt.timedelta(days=2)
    assert f"{met_on.day} {met_on:%B %Y}" in done_row  # the last confirmed meeting
    at_risk = html.split('data-testid="at-risk"')[1].split("</section>")[0]
    assert at_risk.count('data-testid="risk-pair"') == 2
    assert "Liam Nguyen · Catherine Dubois" in at_risk
    assert "Amara Okafor" not in at_risk
    assert "more than 38 days" in at_risk  # monthly (31) + the default grace (7)

    saved = designer.post(
        f"programs/{running.program_id}/progress/grace", {"grace_days": "40"}, allow_redirects=False
    )
    relaxed = followed(designer, saved)
    assert "Grace period saved." in relaxed and "No pair is at risk." in relaxed
    refused = designer.post(f"programs/{running.program_id}/progress/grace", {"grace_days": "x"})
    assert refused.status_code == 422 and 'data-testid="error-summary"' in refused.text

    step_page = designer.get(agreement).text
    assert "1 done, 0 waiting for the partner, 2 overdue, 0 not yet due." in step_page
    program_page = designer.get(f"programs/{running.program_id}/").text
    assert f"/programs/{running.program_id}/progress" in program_page
    assert f"/programs/{running.program_id}/progress" in designer.get("").text


def test_dates_show_in_the_viewers_time_zone(spec: Platform, app: Flask) -> None:
    running, designer = start_program(app, spec)
    forget_zone(app, designer)
    unknown = designer.get(f"programs/{running.program_id}/progress").text
    assert "shown in UTC: we do not know your time zone yet" in unknown
    assert "js/viewer-zone.js" in unknown
    assert designer.post("time-zone", {"time_zone": "Mars/Olympus"}).status_code == 422
    stored = designer.post("time-zone", {"time_zone": "Asia/Calcutta"})
    assert stored.status_code == 200 and stored.json()["time_zone"] == "Asia/Kolkata"
    known = designer.get(f"programs/{running.program_id}/progress").text
    assert "shown in your time zone: India — Kolkata" in known
    assert "viewer-zone.js" not in known
    learner = enter(spec, "amara.okafor")  # the intake profile says Europe/London
    assert "your time zone: Britain (UK) — London" in learner.page.text


def test_time_filters_move_moments_to_the_viewers_zone(app: Flask) -> None:
    moment = dt.datetime(2026, 1, 1, 20, 0, tzinfo=dt.UTC)
    with app.test_request_context():
        assert local_time(moment) == "1 January 2026, 20:00"  # UTC when unknown
        g.viewer_zone = ViewerZone("Asia/Kolkata", "browser", "India — Kolkata")
        assert local_time(moment) == "2 January 2026, 01:30"
        assert local_day(moment) == "2 January 2026"
        assert local_day(dt.date(2026, 3, 5)) == "5 March 2026"


def test_learner_home_shows_progress_in_a_fixed_number_of_queries(
    spec: Platform, app: Flask
) -> None:
    running, _designer = start_program(app, spec)
    mentor, mentee = enter(spec, "amara.okafor"), enter(spec, "thomas.becker")
    home = mentor.get("").text
    assert 'data-testid="progress"' in home and 'data-testid="next-step"' in home
    assert 'data-testid="overdue"' in home  # 60 days in: the orientation and agreement
    assert 'data-testid="next-starters"' in home
    with tool_statements(app) as before:
        mentor.get("")
    agreement = f"steps/{running.step('Our mentoring agreement')}"
    for who in (mentor, mentee):
        who.post(f"{agreement}/sign")
    mentor.post(f"steps/{running.step('Orientation for mentors')}/done")
    meet(mentor, mentee, f"steps/{running.step('Check-in 1')}")
    with tool_statements(app) as after:
        page = mentor.get("")
    path = f"/s/{mentor.launch_id}/"
    # The launch, the programs and partner (7 before paths), then the path: the viewer's
    # zone, the pair with its path, steps, pair, completions, signatures, meetings,
    # versions, starters — the same whatever was done.
    assert before[path] == after[path] <= 16, (before, after)
    assert "3 of" in page.text  # orientation, agreement, check-in 1
