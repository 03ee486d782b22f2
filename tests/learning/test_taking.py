"""Learners take steps: modules, agreements, meetings, reflections, surveys, milestones."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
import sqlalchemy as sa

from lti_tool.errors import DomainError, NotFoundError, ValidationError
from lti_tool.extensions import db
from lti_tool.learning.agreements import agreement_state, sign_agreement
from lti_tool.learning.completing import complete_module, is_completed
from lti_tool.learning.meetings import (
    MeetingValues,
    confirm_meeting,
    decline_meeting,
    log_meeting,
    meeting_view,
)
from lti_tool.learning.models import Completion, MeetingStatus, StepKind, SurveyAnswer
from lti_tool.learning.paths import StepValues, edit_step, ordered_steps
from lti_tool.learning.reflections import visible_reflections, write_reflection
from lti_tool.learning.surveys import answer_survey
from tests.learning.support import make_path_setup

pytestmark = pytest.mark.usefixtures("app_ctx")

MET = MeetingValues(
    met_on=dt.date(2026, 2, 10),
    duration_minutes=50,
    topics=("Which tool do you use every day?",),
    shared_notes="Tried the team channel together.",
    private_notes="PRIVATE: I felt out of my depth with the dashboards.",
)


def test_module_respects_its_audience() -> None:
    setup = make_path_setup()
    pair = setup.pairs[0]
    for_mentors = setup.step("Orientation for mentors")
    assert complete_module(for_mentors, pair, pair.mentor_id) is not None
    assert complete_module(for_mentors, pair, pair.mentor_id) is None  # never twice
    with pytest.raises(DomainError, match="for mentors only"):
        complete_module(for_mentors, pair, pair.mentee_id)
    with pytest.raises(DomainError, match="not a module"):
        complete_module(setup.step("Our mentoring agreement"), pair, pair.mentor_id)


def test_only_partners_of_an_active_pair_of_this_program_take_steps() -> None:
    setup, other = make_path_setup(pairs=2), make_path_setup()
    mine, theirs = setup.pairs
    step = setup.step("Orientation for mentors")
    with pytest.raises(NotFoundError):
        complete_module(step, mine, theirs.mentor_id)
    with pytest.raises(NotFoundError):
        complete_module(other.step("Orientation for mentors"), mine, mine.mentor_id)
    mine.end("Left the company")
    with pytest.raises(DomainError, match="not active"):
        complete_module(step, mine, mine.mentor_id)


def test_agreement_needs_both_signatures_of_the_same_version() -> None:
    setup = make_path_setup()
    pair = setup.pairs[0]
    agreement = setup.step("Our mentoring agreement")
    state = sign_agreement(agreement, pair, pair.mentor_id)
    assert state.signed_by_me and not state.signed_by_partner and not state.is_complete
    assert not is_completed(agreement.id, pair.mentor_id)
    sign_agreement(agreement, pair, pair.mentor_id)  # signing twice changes nothing
    state = sign_agreement(agreement, pair, pair.mentee_id)
    assert state.is_complete
    assert is_completed(agreement.id, pair.mentor_id) and is_completed(agreement.id, pair.mentee_id)


def test_an_edit_after_one_signature_asks_the_signer_again() -> None:
    setup = make_path_setup()
    pair = setup.pairs[0]
    agreement = setup.step("Our mentoring agreement")
    sign_agreement(agreement, pair, pair.mentor_id)
    values = StepValues.of(agreement)
    edit_step(agreement, dataclasses.replace(values, content=values.content + "\n\nNo phones."))
    assert agreement.version == 2
    assert agreement_state(agreement, pair, pair.mentor_id).must_sign_again
    state = sign_agreement(agreement, pair, pair.mentee_id)  # signs version 2
    assert not state.is_complete and state.signed_by_me and not state.signed_by_partner
    assert not is_completed(agreement.id, pair.mentee_id)
    assert sign_agreement(agreement, pair, pair.mentor_id).is_complete


def test_an_edit_after_both_signed_keeps_the_agreement_complete() -> None:
    setup = make_path_setup()
    pair = setup.pairs[0]
    agreement = setup.step("Our mentoring agreement")
    sign_agreement(agreement, pair, pair.mentor_id)
    sign_agreement(agreement, pair, pair.mentee_id)
    values = StepValues.of(agreement)
    edit_step(agreement, dataclasses.replace(values, title="Our agreement"))
    state = agreement_state(agreement, pair, pair.mentee_id)
    assert state.is_complete and not state.must_sign_again
    assert sign_agreement(agreement, pair, pair.mentee_id).is_complete


def test_meeting_completes_when_the_other_partner_confirms() -> None:
    setup = make_path_setup()
    pair = setup.pairs[0]
    step = setup.step("Check-in 1")
    meeting = log_meeting(step, pair, pair.mentee_id, MET)
    assert not is_completed(step.id, pair.mentee_id)
    with pytest.raises(DomainError, match="Your partner confirms"):
        confirm_meeting(meeting, pair, pair.mentee_id)
    with pytest.raises(DomainError, match="waits for confirmation"):
        log_meeting(step, pair, pair.mentor_id, MET)
    confirm_meeting(meeting, pair, pair.mentor_id)
    assert meeting.status == MeetingStatus.CONFIRMED
    completions = db.session.scalars(sa.select(Completion).where(Completion.step_id == step.id))
    assert {c.person_id for c in completions} == {pair.mentor_id, pair.mentee_id}
    with pytest.raises(DomainError, match="already confirmed"):
        decline_meeting(meeting, pair, pair.mentor_id, "Oops")
    with pytest.raises(DomainError, match="already logged and confirmed"):
        log_meeting(step, pair, pair.mentor_id, MET)


def test_decline_needs_a_reason_and_allows_a_new_log() -> None:
    setup = make_path_setup()
    pair = setup.pairs[0]
    step = setup.step("Check-in 1")
    meeting = log_meeting(step, pair, pair.mentor_id, MET)
    with pytest.raises(DomainError, match="Say why"):
        decline_meeting(meeting, pair, pair.mentee_id, "   ")
    decline_meeting(meeting, pair, pair.mentee_id, "We met on the 12th, not the 10th.")
    assert meeting.status == MeetingStatus.DECLINED
    assert (
        meeting_view(meeting, pair.mentor_id).decline_reason == "We met on the 12th, not the 10th."
    )
    assert not is_completed(step.id, pair.mentor_id)
    again = log_meeting(
        step, pair, pair.mentee_id, dataclasses.replace(MET, met_on=dt.date(2026, 2, 12))
    )
    confirm_meeting(again, pair, pair.mentor_id)
    assert is_completed(step.id, pair.mentee_id)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"met_on": dt.date(2099, 1, 1)}, "future"),
        ({"duration_minutes": 0}, "length"),
        ({"shared_notes": "x" * 10_001}, "limited"),
    ],
)
def test_meeting_log_is_checked(changes: dict, message: str) -> None:
    setup = make_path_setup()
    pair = setup.pairs[0]
    with pytest.raises(ValidationError, match=message):
        log_meeting(
            setup.step("Check-in 1"), pair, pair.mentor_id, dataclasses.replace(MET, **changes)
        )


def test_private_notes_are_only_ever_for_their_author() -> None:
    setup = make_path_setup()
    pair = setup.pairs[0]
    meeting = log_meeting(setup.step("Check-in 1"), pair, pair.mentee_id, MET)
    assert meeting_view(meeting, pair.mentee_id).private_notes == MET.private_notes
    partner = meeting_view(meeting, pair.mentor_id)
    designer = meeting_view(meeting, None)
    for view in (partner, designer):
        assert view.private_notes is None
        assert "PRIVATE" not in repr(view)
    assert partner.shared_notes == MET.shared_notes and partner.can_respond
    assert designer.shared_notes == "" and not designer.can_respond


def test_reflection_is_private_unless_shared() -> None:
    setup = make_path_setup()
    pair = setup.pairs[0]
    step = setup.step("Closing reflection")
    write_reflection(
        step, pair, pair.mentor_id, "I learned to ask before giving feedback.", share=False
    )
    assert is_completed(step.id, pair.mentor_id)
    assert visible_reflections(step, pair, pair.mentee_id) == []
    assert [v.author_is_me for v in visible_reflections(step, pair, pair.mentor_id)] == [True]
    write_reflection(step, pair, pair.mentor_id, "Shared now.", share=True)
    [seen] = visible_reflections(step, pair, pair.mentee_id)
    assert seen.text == "Shared now." and not seen.author_is_me
    with pytest.raises(ValidationError):
        write_reflection(step, pair, pair.mentee_id, "  ", share=True)


def test_survey_answers_are_stored_as_data() -> None:
    setup = make_path_setup()
    pair = setup.pairs[0]
    survey = setup.step("Mid-point survey")
    likert = [q for q in survey.questions if q.kind == "likert"]
    text = [q for q in survey.questions if q.kind == "text"]
    with pytest.raises(ValidationError, match="from 1 to 5"):
        answer_survey(survey, pair, pair.mentee_id, {q.id: 6 for q in likert})
    with pytest.raises(ValidationError, match="Answer question 1"):
        answer_survey(survey, pair, pair.mentee_id, {likert[1].id: 3})
    with pytest.raises(ValidationError, match="does not have"):
        answer_survey(survey, pair, pair.mentee_id, {**{q.id: 3 for q in likert}, 10**9: 1})
    response = answer_survey(
        survey,
        pair,
        pair.mentee_id,
        {**{q.id: "4" for q in likert}, text[0].id: "Diaries are full."},
    )
    assert response.role == "mentee"
    answers = db.session.scalars(
        sa.select(SurveyAnswer).where(SurveyAnswer.response_id == response.id)
    ).all()
    assert sorted(a.likert for a in answers if a.likert) == [4] * len(likert)
    assert [a.text for a in answers if a.text] == ["Diaries are full."]
    assert is_completed(survey.id, pair.mentee_id)
    with pytest.raises(DomainError, match="already answered"):
        answer_survey(survey, pair, pair.mentee_id, {q.id: 4 for q in likert})


def _complete_all_before(setup, pair, milestone) -> None:
    for step in ordered_steps(setup.path):
        if step is milestone:
            return
        if step.kind == StepKind.MODULE:
            who = pair.mentor_id if step.audience == "mentors" else pair.mentee_id
            complete_module(step, pair, who)
        elif step.kind == StepKind.AGREEMENT:
            sign_agreement(step, pair, pair.mentor_id)
            sign_agreement(step, pair, pair.mentee_id)
        elif step.kind == StepKind.MEETING:
            confirm_meeting(log_meeting(step, pair, pair.mentor_id, MET), pair, pair.mentee_id)
        elif step.kind == StepKind.SURVEY:
            for who in (pair.mentor_id, pair.mentee_id):
                answer_survey(
                    step, pair, who, {q.id: 5 for q in step.questions if q.kind == "likert"}
                )


def test_milestone_completes_itself_when_the_steps_before_it_are_complete() -> None:
    setup = make_path_setup()
    pair = setup.pairs[0]
    halfway = setup.step("Half-way")
    survey = setup.step("Mid-point survey")
    _complete_all_before(setup, pair, survey)
    assert not is_completed(halfway.id, pair.mentor_id)
    answer_survey(
        survey, pair, pair.mentor_id, {q.id: 5 for q in survey.questions if q.kind == "likert"}
    )
    assert is_completed(halfway.id, pair.mentor_id)  # the mentor's earlier steps are all done
    assert not is_completed(halfway.id, pair.mentee_id)
    answer_survey(
        survey, pair, pair.mentee_id, {q.id: 5 for q in survey.questions if q.kind == "likert"}
    )
    assert is_completed(halfway.id, pair.mentee_id)
    assert not is_completed(setup.step("Program complete").id, pair.mentee_id)
