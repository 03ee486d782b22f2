"""The step pages over real launches from the demo LMS: a pair signs the agreement, logs and
confirms a meeting, reads a module, writes a reflection, answers a survey; refused input gets
a 422 with its error summary."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask

from lti_tool.core.time import utcnow
from tests.learning.pages_support import TITLE, meeting_ids, start_program
from tests.matching.test_pair_pages import followed
from tests.matching.test_programs import (  # noqa: F401  (forget_programs is a fixture)
    enter,
    forget_programs,
)
from tests.support.launching import Platform

pytestmark = pytest.mark.usefixtures("forget_programs")
PRIVATE = "PRIVATE-7c1e: I struggled with the dashboards"
SHARED = "We set up the team channel together."


def test_agreement_needs_both_signatures_and_the_meeting_a_confirmation(
    spec: Platform, app: Flask
) -> None:
    running, _designer = start_program(app, spec)
    mentor, mentee = enter(spec, "amara.okafor"), enter(spec, "thomas.becker")
    agreement = f"steps/{running.step('Our mentoring agreement')}"

    page = mentor.get(agreement)
    assert page.status_code == 200, page.text[:500]
    assert "Sign version 1" in page.text and "Nobody has signed yet." in page.text
    signed = followed(mentor, mentor.post(f"{agreement}/sign", allow_redirects=False))
    assert "You signed the agreement." in signed
    assert "It is complete once Thomas Becker signs it too." in signed
    waiting = mentee.get(agreement).text
    assert "Amara Okafor signed version 1 and waits for your signature." in waiting
    agreed = followed(mentee, mentee.post(f"{agreement}/sign", allow_redirects=False))
    assert "You both signed: the agreement is complete." in agreed
    assert 'data-state="done"' in agreed

    checkin = f"steps/{running.step('Check-in 1')}"
    today = utcnow().date()
    form = {
        "met_on": (today - dt.timedelta(days=2)).isoformat(),
        "duration_minutes": "45",
        "other_topics": "Our own topic",
        "shared_notes": SHARED,
        "private_notes": PRIVATE,
    }
    logged = followed(mentee, mentee.post(f"{checkin}/meetings", form, allow_redirects=False))
    assert "Meeting logged. Your partner is asked to confirm it." in logged
    assert PRIVATE in logged  # the author reads their own private notes
    partner_view = mentor.get(checkin).text
    assert SHARED in partner_view and "Our own topic" in partner_view
    assert PRIVATE not in partner_view
    assert "Waiting for your confirmation" in partner_view
    (meeting_id,) = meeting_ids(partner_view)
    confirmed = followed(
        mentor, mentor.post(f"{checkin}/meetings/{meeting_id}/confirm", allow_redirects=False)
    )
    assert "Meeting confirmed" in confirmed and 'data-state="done"' in confirmed
    assert PRIVATE not in confirmed

    home = mentor.get("").text
    assert TITLE in home and 'data-testid="progress"' in home
    assert "Next step:" in home


def test_meeting_log_refused_with_an_error_summary(spec: Platform, app: Flask) -> None:
    running, _designer = start_program(app, spec)
    mentor = enter(spec, "amara.okafor")
    checkin = f"steps/{running.step('Check-in 1')}"
    future = (utcnow().date() + dt.timedelta(days=3)).isoformat()
    refused = mentor.post(f"{checkin}/meetings", {"met_on": future, "duration_minutes": "0"})
    assert refused.status_code == 422
    assert 'data-testid="error-summary"' in refused.text
    assert "Log a meeting once it has taken place" in refused.text
    assert "Enter a whole number from 1 to 480." in refused.text
    assert f'value="{future}"' in refused.text  # what was sent is shown back
    declined = mentor.post(f"{checkin}/meetings/999999/decline", {"decline_reason": "x"})
    assert declined.status_code == 404


def test_module_reflection_survey_and_audience(spec: Platform, app: Flask) -> None:
    running, _designer = start_program(app, spec)
    mentor, mentee = enter(spec, "amara.okafor"), enter(spec, "thomas.becker")
    module = f"steps/{running.step('Orientation for mentors')}"
    page = mentor.get(module).text
    assert 'data-testid="module-content"' in page and "Mark as done" in page
    done = followed(mentor, mentor.post(f"{module}/done", allow_redirects=False))
    assert "Marked as done" in done and "Mark as done" not in done
    hidden = mentee.get(module)
    assert hidden.status_code == 200
    assert 'data-testid="not-for-you"' in hidden.text
    assert 'data-testid="module-content"' not in hidden.text
    assert mentee.post(f"{module}/done").status_code == 409

    reflection_id = next(
        pid for title, pid in running.steps.items() if "eflect" in title or "reflection" in title
    )
    reflection = f"steps/{reflection_id}"
    empty = mentor.post(f"{reflection}/reflection", {"text": "  "})
    assert empty.status_code == 422 and "Write your reflection" in empty.text
    secret = "UNSHARED-REFLECTION-41d"
    followed(
        mentor, mentor.post(f"{reflection}/reflection", {"text": secret}, allow_redirects=False)
    )
    assert secret in mentor.get(reflection).text
    assert secret not in mentee.get(reflection).text
    shared = "SHARED-REFLECTION-9ab"
    mentor.post(f"{reflection}/reflection", {"text": shared, "share": "y"})
    assert shared in mentee.get(reflection).text

    survey_id = next(pid for title, pid in running.steps.items() if "survey" in title.lower())
    survey = mentee.get(f"steps/{survey_id}").text
    assert 'type="radio"' in survey and "5 — Strongly agree" in survey
    refused = mentee.post(f"steps/{survey_id}/survey", {})
    assert refused.status_code == 422 and 'data-testid="error-summary"' in refused.text


def edit_agreement(app: Flask, public_id: str) -> None:
    """The designer edits the agreement's terms (a new version), through the service."""
    import dataclasses

    import sqlalchemy as sa
    from sqlalchemy.orm import selectinload

    from lti_tool.extensions import db
    from lti_tool.learning.models import Path, Step
    from lti_tool.learning.paths import StepValues, edit_step

    with app.app_context():
        step = db.session.scalars(
            sa.select(Step)
            .where(Step.public_id == public_id)
            .options(
                selectinload(Step.path).selectinload(Path.program),
                selectinload(Step.questions),
            )
        ).one()
        values = StepValues.of(step)
        edit_step(step, dataclasses.replace(values, content=values.content + "\n\nNo phones."))
        db.session.commit()


def test_an_edit_after_one_signature_asks_to_sign_again(spec: Platform, app: Flask) -> None:
    running, _designer = start_program(app, spec)
    mentor, mentee = enter(spec, "amara.okafor"), enter(spec, "thomas.becker")
    public_id = running.step("Our mentoring agreement")
    agreement = f"steps/{public_id}"
    mentor.post(f"{agreement}/sign")
    edit_agreement(app, public_id)
    again = mentor.get(agreement).text
    assert "The agreement was edited after you signed it" in again
    assert "Sign version 2" in again and "earlier version" in again
    signed = followed(mentee, mentee.post(f"{agreement}/sign", allow_redirects=False))
    assert "You signed the agreement." in signed  # not complete: Amara signed version 1
    assert "Amara Okafor signed version 2" not in signed
    done = followed(mentor, mentor.post(f"{agreement}/sign", allow_redirects=False))
    assert "You both signed: the agreement is complete." in done


def test_decline_with_a_reason_then_log_again_and_answer_the_survey(
    spec: Platform, app: Flask
) -> None:
    running, _designer = start_program(app, spec)
    mentor, mentee = enter(spec, "amara.okafor"), enter(spec, "thomas.becker")
    checkin = f"steps/{running.step('Check-in 1')}"
    met_on = (utcnow().date() - dt.timedelta(days=1)).isoformat()
    mentor.post(f"{checkin}/meetings", {"met_on": met_on, "duration_minutes": "30"})
    (meeting_id,) = meeting_ids(mentee.get(checkin).text)
    assert mentor.post(f"{checkin}/meetings/{meeting_id}/confirm").status_code == 409
    blank = mentee.post(f"{checkin}/meetings/{meeting_id}/decline", {"decline_reason": " "})
    assert blank.status_code == 422 and "Say why you decline" in blank.text
    declined = followed(
        mentee,
        mentee.post(
            f"{checkin}/meetings/{meeting_id}/decline",
            {"decline_reason": "We met for an hour, not 30 minutes."},
            allow_redirects=False,
        ),
    )
    assert "You declined the meeting log." in declined
    assert "We met for an hour, not 30 minutes." in mentor.get(checkin).text
    assert "Log your meeting" in mentor.get(checkin).text  # either may log it again

    survey_id = next(pid for title, pid in running.steps.items() if "survey" in title.lower())
    survey = mentee.get(f"steps/{survey_id}").text
    import re

    answers = {}
    for name in dict.fromkeys(re.findall(r'name="(q-\d+)"', survey)):
        is_likert = f'name="{name}" value="4"' in survey
        answers[name] = "4" if is_likert else "Learning flows both ways."
    wrong = mentee.post(f"steps/{survey_id}/survey", {**answers, next(iter(answers)): "9"})
    assert wrong.status_code == 422
    sent = followed(
        mentee, mentee.post(f"steps/{survey_id}/survey", answers, allow_redirects=False)
    )
    assert "Thank you: your answers are saved." in sent and ">Answered<" in sent


def test_the_gradebook_line_shows_only_once_the_lms_accepted_the_score(
    spec: Platform, app: Flask
) -> None:
    from lti_tool.learning.grades.draining import drain

    running, _designer = start_program(app, spec)
    mentor, mentee = enter(spec, "amara.okafor"), enter(spec, "thomas.becker")
    agreement = f"steps/{running.step('Our mentoring agreement')}"
    for partner in (mentor, mentee):
        assert partner.post(f"{agreement}/sign", allow_redirects=False).status_code == 303
    queued = mentor.get(agreement).text
    assert 'data-state="done"' in queued
    assert 'data-testid="gradebook-recorded"' not in queued, "queued is not yet recorded"
    with app.app_context():
        assert drain().failed == 0
    assert "recorded in the course gradebook" in mentor.get(agreement).text
