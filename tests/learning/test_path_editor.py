"""The path editor over real launches from the demo LMS: a template cloned into a program,
steps added, edited (with the LMS warnings once the step has a gradebook column), previewed,
reordered and removed (deleting the column in the LMS, or keeping it); bad input gets a 422
page with an error summary; another course's designer gets 404 everywhere."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import selectinload

from lti_tool.extensions import db
from lti_tool.learning.models import LineItemLink, Path, Step
from lti_tool.learning.paths import find_path, ordered_steps
from tests.matching.test_programs import (
    InTool,
    create_program,
    enter,
    enter_other_course,
    forget_programs,  # noqa: F401  (fixture)
)
from tests.support.launching import LEARNER, Platform

ROW = re.compile(r'<tr id="step-(\d+)"')


def path_url(program_id: int, rest: str = "") -> str:
    return f"programs/{program_id}/path/{rest}"


def new_path(designer: InTool, title: str, template: str = "pilot-6-months") -> int:
    program_id = create_program(designer, title=title)
    choose = designer.get(path_url(program_id))
    assert choose.status_code == 200 and "6-month reverse-mentoring pilot" in choose.text
    created = designer.post(path_url(program_id, "create"), {"template": template})
    assert created.status_code == 200 and "Path created from the template" in created.text
    return program_id


def step_ids(app: Flask, program_id: int) -> list[int]:
    with app.app_context():
        return [s.id for s in ordered_steps(find_path(program_id))]


def step_row(app: Flask, step_id: int) -> Step:
    with app.app_context():
        step = db.session.get(Step, step_id)
        db.session.expunge(step)
        return step


def test_template_choice_shows_each_template_and_clones_it(
    spec: Platform, app: Flask, forget_programs: None
) -> None:
    designer = enter(spec)
    program_id = create_program(designer, title="Editor pilot")
    overview = designer.get(f"programs/{program_id}/")
    assert f"/programs/{program_id}/path/" in overview.text  # the program page links here
    choose = designer.get(path_url(program_id))
    for title in ("6-month reverse-mentoring pilot", "3-month sprint", "12-month program"):
        assert title in choose.text
    assert "Meeting: 6" in choose.text  # what the pilot contains
    # The 12-month template does not fit a 6-month program: no button for it.
    assert 'value="program-12-months"' not in choose.text
    refused = designer.post(path_url(program_id, "create"), {"template": "program-12-months"})
    assert refused.status_code == 409 and "runs 12 months" in refused.text
    unknown = designer.post(path_url(program_id, "create"), {"template": "nope"})
    assert unknown.status_code == 422

    page = designer.post(path_url(program_id, "create"), {"template": "pilot-6-months"})
    assert page.status_code == 200
    ids = [int(i) for i in ROW.findall(page.text)]
    assert ids == step_ids(app, program_id) and len(ids) > 10
    assert "Move up" in page.text and "Move down" in page.text and "not graded" in page.text
    again = designer.post(path_url(program_id, "create"), {"template": "sprint-3-months"})
    assert again.status_code == 409 and "already has a learning path" in again.text


def test_add_steps_of_each_kind_with_validation(
    spec: Platform, app: Flask, forget_programs: None
) -> None:
    designer = enter(spec)
    program_id = new_path(designer, "Editor add")
    kinds = designer.get(path_url(program_id, "steps/new"))
    assert kinds.status_code == 200 and "steps/new/meeting" in kinds.text

    empty = designer.post(
        path_url(program_id, "steps/new/meeting"),
        {"title": "", "due_offset_days": "400", "points": "5", "starters": ""},
    )
    assert empty.status_code == 422
    assert 'data-testid="error-summary"' in empty.text
    assert 'href="#title"' in empty.text and "Give the step a title." in empty.text
    assert 'href="#starters"' in empty.text and "at least one discussion starter" in empty.text
    assert 'href="#due_offset_days"' in empty.text
    no_question = designer.post(
        path_url(program_id, "steps/new/survey"),
        {"title": "Pulse", "due_offset_days": "10", "points": "0", "audience": "both"},
    )
    assert no_question.status_code == 422 and "at least one question" in no_question.text

    module = designer.post(
        path_url(program_id, "steps/new/module"),
        {
            "title": "Reading: feedback upward",
            "due_offset_days": "12",
            "points": "0",
            "audience": "mentees",
            "content": "# Feedback\n\n**Be specific.** <script>alert(1)</script>",
        },
        allow_redirects=False,
    )
    assert module.status_code == 303, module.text[:500]
    survey = designer.post(
        path_url(program_id, "steps/new/survey"),
        {
            "title": "Pulse check",
            "due_offset_days": "40",
            "points": "5",
            "audience": "both",
            "q-kind-0": "likert",
            "q-prompt-0": "I learn from my partner.",
            "q-measure-0": "learning",
            "q-kind-1": "text",
            "q-prompt-1": "What would you change?",
        },
        allow_redirects=False,
    )
    assert survey.status_code == 303, survey.text[:500]
    meeting = designer.post(
        path_url(program_id, "steps/new/meeting"),
        {
            "title": "Extra check-in",
            "due_offset_days": "50",
            "points": "10",
            "starters": "What surprised you?\n\nWhat will you try next?",
        },
        allow_redirects=False,
    )
    assert meeting.status_code == 303
    with app.app_context():
        steps = ordered_steps(find_path(program_id))
        by_title = {s.title: s for s in steps}
        assert steps[-1].title == "Extra check-in"
        assert by_title["Extra check-in"].starters == [
            "What surprised you?",
            "What will you try next?",
        ]
        assert by_title["Extra check-in"].audience == "both"
        survey_step = db.session.scalars(
            sa.select(Step)
            .where(Step.id == by_title["Pulse check"].id)
            .options(selectinload(Step.questions))
            .execution_options(populate_existing=True)
        ).one()
        assert [(q.kind, q.prompt) for q in survey_step.questions] == [
            ("likert", "I learn from my partner."),
            ("text", "What would you change?"),
        ]
        module_id = by_title["Reading: feedback upward"].id

    mentee = designer.get(path_url(program_id, f"steps/{module_id}/preview?as=mentee"))
    assert mentee.status_code == 200
    assert "<h1>Feedback</h1>" in mentee.text and "<strong>Be specific.</strong>" in mentee.text
    assert "<script>alert" not in mentee.text
    mentor = designer.get(path_url(program_id, f"steps/{module_id}/preview?as=mentor"))
    assert 'data-testid="not-for-role"' in mentor.text and "not for mentors" in mentor.text


def test_move_up_and_down_and_reorder(spec: Platform, app: Flask, forget_programs: None) -> None:
    designer = enter(spec)
    program_id = new_path(designer, "Editor order")
    first, second, third = step_ids(app, program_id)[:3]
    moved = designer.post(
        path_url(program_id, f"steps/{first}/move"), {"direction": "down"}, allow_redirects=False
    )
    assert moved.status_code == 303 and moved.headers["Location"].endswith(f"#step-{first}")
    assert step_ids(app, program_id)[:3] == [second, first, third]
    designer.post(path_url(program_id, f"steps/{third}/move"), {"direction": "up"})
    assert step_ids(app, program_id)[:3] == [second, third, first]
    assert (
        designer.post(path_url(program_id, f"steps/{first}/move"), {"direction": "x"}).status_code
        == 422
    )

    order = list(reversed(step_ids(app, program_id)))
    saved = designer.post(path_url(program_id, "order"), [("step", str(i)) for i in order])
    assert saved.status_code == 200 and "New order saved" in saved.text
    assert step_ids(app, program_id) == order
    partial = designer.post(path_url(program_id, "order"), [("step", str(order[0]))])
    assert partial.status_code == 422 and "steps once" in partial.text
    assert step_ids(app, program_id) == order


def _link_column(app: Flask, designer: InTool, step_id: int, url: str | None = None) -> None:
    """Record the step's gradebook column in the course, as a deep link or a push would."""
    from lti_tool.roster.launches import LaunchSession

    with app.app_context():
        launch = db.session.get(LaunchSession, designer.launch_id)
        step = db.session.get(Step, step_id)
        db.session.add(
            LineItemLink(
                course_id=launch.course_id,
                step_id=step.id,
                line_item_url=url,
                label=step.title,
                score_maximum=step.points,
            )
        )
        db.session.commit()


def test_edit_of_a_step_in_the_gradebook_shows_the_lms_changes_first(
    spec: Platform, app: Flask, forget_programs: None
) -> None:
    designer = enter(spec)
    program_id = new_path(designer, "Editor warn")
    with app.app_context():
        agreement = next(s for s in ordered_steps(find_path(program_id)) if s.kind == "agreement")
        step_id, title, points = agreement.id, agreement.title, agreement.points
    assert points > 0
    form = designer.get(path_url(program_id, f"steps/{step_id}/edit"))
    assert form.status_code == 200 and title in form.text
    changed = {
        "title": "Our partnership agreement",
        "due_offset_days": str(step_row(app, step_id).due_offset_days),
        "points": str(points + 5),
        "instructions": step_row(app, step_id).instructions,
        "content": step_row(app, step_id).content + "\n\nWe meet on video.",
    }
    # Not in the gradebook yet: saved at once (a new version).
    plain = designer.post(
        path_url(program_id, f"steps/{step_id}/edit"), changed, allow_redirects=False
    )
    assert plain.status_code == 303
    assert step_row(app, step_id).version == 2

    _link_column(app, designer, step_id)
    changed2 = {**changed, "title": "Partnership agreement v3", "points": str(points + 10)}
    warn = designer.post(path_url(program_id, f"steps/{step_id}/edit"), changed2)
    assert warn.status_code == 200 and 'data-testid="edit-warnings"' in warn.text
    assert "renamed from “Our partnership agreement” to “Partnership agreement v3”" in warn.text
    assert f"maximum changes from {points + 5} to {points + 10} points" in warn.text
    assert "must sign again" in warn.text
    assert step_row(app, step_id).title == "Our partnership agreement"  # nothing saved yet
    confirmed = designer.post(
        path_url(program_id, f"steps/{step_id}/edit"),
        {**changed2, "confirmed": "yes"},
        allow_redirects=False,
    )
    assert confirmed.status_code == 303
    row = step_row(app, step_id)
    assert (
        row.title == "Partnership agreement v3" and row.points == points + 10 and row.version == 3
    )


def test_remove_asks_about_the_gradebook_column_and_deletes_it(
    spec: Platform, app: Flask, forget_programs: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    designer = enter(spec)
    program_id = new_path(designer, "Editor remove")
    ids = step_ids(app, program_id)
    points = {i: step_row(app, i).points for i in ids}
    plain = next(i for i in ids if points[i] == 0)
    graded = next(i for i in ids if points[i] > 0)

    ask = designer.get(path_url(program_id, f"steps/{plain}/remove"))
    assert ask.status_code == 200 and "gradebook column" not in ask.text
    gone = designer.post(path_url(program_id, f"steps/{plain}/remove"), {"confirm": "remove"})
    assert gone.status_code == 200 and "Step removed." in gone.text
    assert plain not in step_ids(app, program_id)

    deleted: list[tuple[int, list[str], str]] = []
    from lti_tool.learning import tasks

    monkeypatch.setattr(tasks.delete_step_columns, "enqueue", lambda *a: deleted.append(a))
    _link_column(app, designer, graded, "https://lms.example/lineitems/7")
    ask = designer.get(path_url(program_id, f"steps/{graded}/remove"))
    assert "Delete the column in the LMS" in ask.text and "Keep the column" in ask.text
    unchosen = designer.post(path_url(program_id, f"steps/{graded}/remove"), {"confirm": "remove"})
    assert unchosen.status_code == 422 and "delete the gradebook column" in unchosen.text
    assert graded in step_ids(app, program_id)
    done = designer.post(
        path_url(program_id, f"steps/{graded}/remove"), {"confirm": "remove", "column": "delete"}
    )
    assert done.status_code == 200 and "being deleted in the LMS" in done.text
    assert graded not in step_ids(app, program_id)
    assert len(deleted) == 1 and deleted[0][1] == ["https://lms.example/lineitems/7"]


def test_learner_and_other_course_designer_cannot_reach_the_path(
    spec: Platform, app: Flask, forget_programs: None
) -> None:
    designer = enter(spec)
    program_id = new_path(designer, "Editor isolation")
    step_id = step_ids(app, program_id)[0]
    other = enter_other_course(spec, designer=True)
    for rest in (
        "",
        "steps/new",
        "steps/new/module",
        f"steps/{step_id}/edit",
        f"steps/{step_id}/preview",
        f"steps/{step_id}/remove",
    ):
        response = other.get(path_url(program_id, rest))
        assert response.status_code == 404, rest
        assert "Editor isolation" not in response.text
    for rest, data in (
        ("create", {"template": "sprint-3-months"}),
        (f"steps/{step_id}/move", {"direction": "down"}),
        (f"steps/{step_id}/edit", {"title": "Hacked", "due_offset_days": "1", "points": "0"}),
        (f"steps/{step_id}/remove", {"confirm": "remove", "column": "keep"}),
        ("order", {"step": str(step_id)}),
    ):
        assert other.post(path_url(program_id, rest), data).status_code == 404, rest
    assert step_ids(app, program_id)[0] == step_id
    assert step_row(app, step_id).title != "Hacked"

    # A step id of another path under this program's address: not found either.
    own = new_path(other, "Other course path", template="sprint-3-months")
    foreign_step = step_ids(app, own)[0]
    response = designer.get(path_url(program_id, f"steps/{foreign_step}/edit"))
    assert response.status_code == 404

    learner = enter(spec, LEARNER)
    assert learner.get(path_url(program_id)).status_code == 403
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Path)) >= 2


def test_the_designer_home_leads_to_each_programs_path(
    spec: Platform, app: Flask, forget_programs: None
) -> None:
    designer = enter(spec)
    program_id = new_path(designer, "Home path link")
    home = designer.get("home")
    assert home.status_code == 200
    link = re.search(r'href="([^"]*)" data-testid="path-link"', home.text)
    assert link and link.group(1).endswith(path_url(program_id)), home.text[:300]
    assert designer.http.get(designer.base + link.group(1), timeout=10).status_code == 200
