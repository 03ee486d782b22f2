"""A designer's path: cloned from a template, steps added, edited, reordered, removed."""

from __future__ import annotations

import dataclasses

import pytest

from lti_tool.errors import DomainError, NotFoundError, ValidationError
from lti_tool.extensions import db
from lti_tool.learning.models import LineItemLink, StepKind
from lti_tool.learning.paths import (
    QuestionValues,
    StepValues,
    add_step,
    create_path_from_template,
    describe_step_edit,
    edit_step,
    move_step,
    ordered_steps,
    remove_step,
    reorder_steps,
)
from lti_tool.learning.template_library import load_templates
from tests.learning.support import make_path_setup

pytestmark = pytest.mark.usefixtures("app_ctx")


def test_template_is_cloned_into_the_program() -> None:
    setup = make_path_setup()
    template = load_templates()["pilot-6-months"]
    steps = ordered_steps(setup.path)
    assert setup.path.template_key == "pilot-6-months"
    assert [s.title for s in steps] == [s.title for s in template.steps]
    assert [s.position for s in steps] == list(range(len(steps)))
    assert len({s.public_id for s in steps}) == len(steps)
    survey = setup.step("Mid-point survey")
    assert [q.kind for q in survey.questions][:4] == ["likert"] * 4
    assert all(s.version == 1 for s in steps)
    assert setup.steps(StepKind.MEETING)[0].starters


def test_one_path_per_program_and_template_must_fit() -> None:
    setup = make_path_setup()
    with pytest.raises(DomainError, match="already has a learning path"):
        create_path_from_template(setup.program, "sprint-3-months")
    other = make_path_setup(template="sprint-3-months")
    db.session.delete(other.path)
    db.session.flush()
    with pytest.raises(DomainError, match="runs 12 months"):
        create_path_from_template(other.program, "program-12-months")
    with pytest.raises(NotFoundError):
        create_path_from_template(other.program, "no-such-template")


def _module(**changes) -> StepValues:
    values = StepValues(
        kind="module",
        title="Using the team's chat",
        due_offset_days=20,
        points=5,
        audience="mentees",
        content="How we use channels.",
    )
    return dataclasses.replace(values, **changes)


def test_add_step_at_a_position_renumbers() -> None:
    setup = make_path_setup()
    step = add_step(setup.path, _module(), position=2)
    steps = ordered_steps(setup.path)
    assert steps[2] is step
    assert [s.position for s in steps] == list(range(len(steps)))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kind": "webinar"}, "Unknown step kind"),
        ({"title": "  "}, "title"),
        ({"due_offset_days": 400}, "0 to 180"),
        ({"points": -1}, "Points"),
        ({"kind": "agreement", "audience": "mentors"}, "both"),
        ({"kind": "meeting", "audience": "both", "starters": ("  ",)}, "discussion starter"),
        ({"kind": "survey", "questions": ()}, "at least one question"),
        ({"kind": "survey", "questions": (QuestionValues("stars", "How?"),)}, "Likert"),
    ],
)
def test_invalid_steps_are_refused(changes: dict, message: str) -> None:
    setup = make_path_setup()
    with pytest.raises(ValidationError, match=message):
        add_step(setup.path, _module(**changes))


def test_edit_bumps_version_only_for_what_learners_read() -> None:
    setup = make_path_setup()
    agreement = setup.step("Our mentoring agreement")
    values = StepValues.of(agreement)
    edit = edit_step(agreement, dataclasses.replace(values, due_offset_days=20))
    assert edit.changed == ("due_offset_days",) and not edit.new_version
    assert agreement.version == 1
    edit = edit_step(agreement, dataclasses.replace(values, content=values.content + "\n\nMore."))
    assert edit.new_version and agreement.version == 2
    assert edit_step(agreement, StepValues.of(agreement)).is_empty


def test_edit_of_a_pushed_step_says_what_changes_in_the_lms() -> None:
    setup = make_path_setup()
    step = setup.step("Check-in 1")
    values = StepValues.of(step)
    assert describe_step_edit(step, dataclasses.replace(values, points=20)).lms_changes == ()
    db.session.add(
        LineItemLink(
            course=setup.cohort.course,
            step=step,
            line_item_url="https://lms.example/li/1",
            label=step.title,
            score_maximum=step.points,
        )
    )
    db.session.flush()
    preview = describe_step_edit(
        step, dataclasses.replace(values, title="Check-in 1: tools", points=20)
    )
    assert preview.is_pushed
    assert [(c.field, c.old, c.new) for c in preview.lms_changes] == [
        ("label", "Check-in 1: digital tools", "Check-in 1: tools"),
        ("scoreMaximum", 10, 20),
    ]
    assert step.title == "Check-in 1: digital tools"  # a preview changes nothing
    edit = edit_step(step, dataclasses.replace(values, points=0))
    assert edit.becomes_ungraded and edit.lms_changes == ()


def test_kind_never_changes_and_answered_questions_are_fixed() -> None:
    setup = make_path_setup()
    survey = setup.step("Mid-point survey")
    values = StepValues.of(survey)
    with pytest.raises(DomainError, match="kind"):
        edit_step(survey, dataclasses.replace(values, kind="reflection"))
    from lti_tool.learning.surveys import answer_survey

    pair = setup.pairs[0]
    answer_survey(
        survey, pair, pair.mentor_id, {q.id: 4 for q in survey.questions if q.kind == "likert"}
    )
    fewer = dataclasses.replace(values, questions=values.questions[:2])
    with pytest.raises(DomainError, match="questions are fixed"):
        edit_step(survey, fewer)


def test_reorder_and_move() -> None:
    setup = make_path_setup()
    steps = ordered_steps(setup.path)
    reversed_ids = [s.id for s in reversed(steps)]
    reorder_steps(setup.path, reversed_ids)
    assert [s.id for s in ordered_steps(setup.path)] == reversed_ids
    first = ordered_steps(setup.path)[0]
    move_step(first, 1)
    assert ordered_steps(setup.path)[1] is first
    move_step(first, -5)
    assert ordered_steps(setup.path)[0] is first
    with pytest.raises(ValidationError, match="each of the path's steps once"):
        reorder_steps(setup.path, reversed_ids[1:])
    with pytest.raises(ValidationError):
        reorder_steps(setup.path, [reversed_ids[0], *reversed_ids[:-1]])


def test_remove_returns_the_columns_to_delete_or_keep() -> None:
    setup = make_path_setup()
    step = setup.step("Check-in 2")
    db.session.add(
        LineItemLink(
            course=setup.cohort.course,
            step=step,
            line_item_url="https://lms.example/li/2",
            label=step.title,
            score_maximum=10,
        )
    )
    db.session.flush()
    count, step_id = len(setup.path.steps), step.id
    removal = remove_step(step)
    assert removal.line_item_urls == ("https://lms.example/li/2",)
    steps = ordered_steps(setup.path)
    assert len(steps) == count - 1
    assert [s.position for s in steps] == list(range(len(steps)))
    assert (
        db.session.scalars(db.select(LineItemLink).where(LineItemLink.step_id == step_id)).all()
        == []
    )


def test_closed_program_path_cannot_change() -> None:
    setup = make_path_setup()
    setup.program.status = "closed"
    with pytest.raises(DomainError, match="closed"):
        add_step(setup.path, _module())
