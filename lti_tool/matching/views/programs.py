"""Designers' pages: programs, their matching rules, skill catalogue, status and CSV import.

Every view needs a designer's launch and a program of the launch's course (404 otherwise).
"""

from __future__ import annotations

from flask import Response, redirect, render_template, url_for

from lti_tool.core.auth import launch_required
from lti_tool.core.roles import Audience
from lti_tool.core.transaction import discard
from lti_tool.errors import DomainError, ValidationError
from lti_tool.matching import forms
from lti_tool.matching.csv_import import apply_csv, check_csv
from lti_tool.matching.models import PairStatus, Program, ProgramStatus
from lti_tool.matching.phases import day, today
from lti_tool.matching.programs import (
    RulesValues,
    add_do_not_pair,
    change_status,
    course_learners,
    course_people,
    create_program,
    list_programs,
    participants,
    person_label,
    remove_do_not_pair,
    skill_usage,
    update_catalogue,
    update_program,
    update_rules,
)
from lti_tool.matching.views import bp, launch_course, load_program, notice
from lti_tool.roster.launches import LaunchSession

NEW_SKILL_ROWS = 3


def _to(endpoint: str, launch: LaunchSession, program: Program, **args: str) -> Response:
    return redirect(
        url_for(f"matching.{endpoint}", launch_id=launch.id, program_id=program.id, **args),
        code=303,
    )


def _page(template: str, launch: LaunchSession, status: int = 200, **context) -> tuple[str, int]:
    course = launch_course(launch)
    return render_template(
        template,
        launch_id=launch.id,
        course_title=course.title,
        notice=notice(),
        forms=forms,
        **context,
    ), status


@bp.get("/s/<launch_id>/programs/")
@launch_required(Audience.DESIGNER)
def program_list(launch: LaunchSession) -> tuple[str, int]:
    """The course's programs, newest first."""
    course = launch_course(launch)
    return _page("matching/programs.html", launch, programs=list_programs(course.id))


@bp.route("/s/<launch_id>/programs/new", methods=["GET", "POST"])
@launch_required(Audience.DESIGNER)
def new_program(launch: LaunchSession) -> Response | tuple[str, int]:
    """Create a draft program (with the default skill catalogue)."""
    course = launch_course(launch)
    form = forms.ProgramForm(data=forms.ProgramForm.NEW)
    if form.submitted and form.validate():
        program = create_program(course, form.values())
        return _to("program_overview", launch, program, notice="created")
    return _page(
        "matching/program_form.html", launch, 422 if form.errors else 200, program=None, form=form
    )


@bp.get("/s/<launch_id>/programs/<int:program_id>/")
@launch_required(Audience.DESIGNER)
def program_overview(launch: LaunchSession, program_id: int) -> tuple[str, int]:
    """A program at a glance: details, status changes, rules, participants."""
    program = load_program(launch, program_id)
    return _overview(launch, program)


def _overview(
    launch: LaunchSession, program: Program, problem: str | None = None, status: int = 200
) -> tuple[str, int]:
    profiles = {p.person_id: p for p in participants(program)}
    people = [
        (person_label(person), profiles.get(person.id))
        for person in course_learners(program.course_id)
    ]
    submitted = sum(1 for _, p in people if p is not None and p.is_submitted)
    pair_counts = {
        "unpublished": sum(
            1 for p in program.pairs if p.status in (PairStatus.PROPOSED, PairStatus.LOCKED)
        ),
        "active": sum(1 for p in program.pairs if p.status == PairStatus.ACTIVE),
    }
    return _page(
        "matching/program.html",
        launch,
        status,
        program=program,
        people=people,
        submitted=submitted,
        problem=problem,
        skill_count=len(program.skills),
        do_not_pair_count=len(program.do_not_pairs),
        pair_counts=pair_counts,
        today=today(),
    )


@bp.route("/s/<launch_id>/programs/<int:program_id>/edit", methods=["GET", "POST"])
@launch_required(Audience.DESIGNER)
def edit_program(launch: LaunchSession, program_id: int) -> Response | tuple[str, int]:
    """Purpose, goals and metrics, dates, cadence, pilot flag.

    :raise DomainError: the program is closed.
    """
    program = load_program(launch, program_id)
    program.ensure_editable()
    form = forms.ProgramForm(
        current_start=program.starts_on, data=forms.ProgramForm.data_of(program)
    )
    if form.submitted and form.validate():
        update_program(program, form.values())
        return _to("program_overview", launch, program, notice="saved")
    return _page(
        "matching/program_form.html",
        launch,
        422 if form.errors else 200,
        program=program,
        form=form,
    )


@bp.post("/s/<launch_id>/programs/<int:program_id>/status")
@launch_required(Audience.DESIGNER)
def change_program_status(launch: LaunchSession, program_id: int) -> Response | tuple[str, int]:
    """draft → matching → active → closed, as the model allows; a refusal is shown on the
    program's page."""
    program = load_program(launch, program_id)
    form = forms.StatusForm()
    if form.needs_confirmation:
        return _to("close_program", launch, program)  # closing cannot be undone: ask first
    try:
        change_status(program, form.action.data or "")
    except DomainError as error:
        discard()
        return _overview(launch, program, problem=error.message, status=409)
    return _to("program_overview", launch, program, notice="status")


@bp.get("/s/<launch_id>/programs/<int:program_id>/close")
@launch_required(Audience.DESIGNER)
def close_program(launch: LaunchSession, program_id: int) -> tuple[str, int]:
    """Asks before closing: what closing means, and a warning when the program has not
    started yet. The form posts to ``change_program_status`` with ``confirmed=yes``.

    :raise NotFound: the program is not in this course.
    """
    program = load_program(launch, program_id)
    return _page(
        "matching/close.html",
        launch,
        program=program,
        today=today(),
        day=day,
        active_pairs=sum(1 for p in program.pairs if p.status == PairStatus.ACTIVE),
    )


@bp.route("/s/<launch_id>/programs/<int:program_id>/rules", methods=["GET", "POST"])
@launch_required(Audience.DESIGNER)
def edit_rules(launch: LaunchSession, program_id: int) -> Response | tuple[str, int]:
    """Matching rules, weights, seniority source and custom-claim names, do-not-pair list.

    :raise DomainError: saving rules of an active or closed program.
    """
    program = load_program(launch, program_id)
    form = forms.RulesForm(data=forms.RulesForm.data_of(RulesValues.of(program)))
    if form.submitted and form.validate():
        update_rules(program, form.values())
        return _to("edit_rules", launch, program, notice="saved")
    return _rules_page(launch, program, form, forms.DoNotPairForm(formdata=None))


def _rules_page(
    launch: LaunchSession, program: Program, form: forms.RulesForm, dnp_form: forms.DoNotPairForm
) -> tuple[str, int]:
    names = {p.id: person_label(p) for p in course_people(program.course_id)}
    entries = [
        (
            d.id,
            names.get(d.person_a_id, "someone who left"),
            names.get(d.person_b_id, "someone who left"),
            d.reason,
        )
        for d in program.do_not_pairs
    ]
    return _page(
        "matching/rules.html",
        launch,
        422 if form.errors or dnp_form.errors else 200,
        program=program,
        form=form,
        do_not_pairs=entries,
        dnp_form=dnp_form,
        learners=[(p.id, person_label(p)) for p in course_learners(program.course_id)],
        editable=program.status in (ProgramStatus.DRAFT, ProgramStatus.MATCHING),
    )


@bp.post("/s/<launch_id>/programs/<int:program_id>/do-not-pair")
@launch_required(Audience.DESIGNER)
def add_do_not_pair_entry(launch: LaunchSession, program_id: int) -> Response | tuple[str, int]:
    """Add two people of the course to the do-not-pair list."""
    program = load_program(launch, program_id)
    form = forms.DoNotPairForm()
    if form.validate():
        try:
            add_do_not_pair(program, form.people(), form.reason.data or None)
        except ValidationError as error:
            form.add_error("person_b", error.message)
    if form.errors:
        discard()
        stored = forms.RulesForm(
            formdata=None, data=forms.RulesForm.data_of(RulesValues.of(program))
        )
        return _rules_page(launch, program, stored, form)
    return _to("edit_rules", launch, program, notice="saved", _anchor="do-not-pair")


@bp.post("/s/<launch_id>/programs/<int:program_id>/do-not-pair/<int:entry_id>/remove")
@launch_required(Audience.DESIGNER)
def remove_do_not_pair_entry(launch: LaunchSession, program_id: int, entry_id: int) -> Response:
    program = load_program(launch, program_id)
    remove_do_not_pair(program, entry_id)
    return _to("edit_rules", launch, program, notice="saved", _anchor="do-not-pair")


@bp.route("/s/<launch_id>/programs/<int:program_id>/skills", methods=["GET", "POST"])
@launch_required(Audience.DESIGNER)
def edit_skills(launch: LaunchSession, program_id: int) -> Response | tuple[str, int]:
    """Rename, add or remove the skills learners choose from.

    :raise DomainError: saving the catalogue of an active or closed program.
    """
    program = load_program(launch, program_id)
    catalogue = forms.CatalogueForm.of([s.id for s in program.skills], NEW_SKILL_ROWS)
    form = catalogue(data=catalogue.data_of(program.skills))
    if form.submitted and form.validate():
        update_catalogue(program, *form.changes())
        return _to("edit_skills", launch, program, notice="saved")
    usage = skill_usage(program)
    skills = [(s.id, s.name, usage.get(s.id, 0)) for s in program.skills]
    return _page(
        "matching/skills.html",
        launch,
        422 if form.errors else 200,
        program=program,
        skills=skills,
        form=form,
        new_rows=NEW_SKILL_ROWS,
        editable=program.status in (ProgramStatus.DRAFT, ProgramStatus.MATCHING),
    )


@bp.route("/s/<launch_id>/programs/<int:program_id>/import", methods=["GET", "POST"])
@launch_required(Audience.DESIGNER)
def import_csv(launch: LaunchSession, program_id: int) -> Response | tuple[str, int]:
    """Upload a CSV of seniority and department: "check" previews it, "import" applies it —
    only when every row is good.

    :raise DomainError: the program is closed.
    """
    program = load_program(launch, program_id)
    program.ensure_editable()
    form = forms.CsvUploadForm()
    check, applied = None, None
    if form.submitted and form.validate():
        check = check_csv(program, form.content_bytes)
        if check.ok and form.wants_import:
            applied = apply_csv(program, check)
    status = 422 if form.errors or (check is not None and not check.ok) else 200
    return _page(
        "matching/import.html",
        launch,
        status,
        program=program,
        check=check,
        applied=applied,
        form=form,
        content=form.content_bytes.decode("utf-8-sig", "replace") if check and check.ok else "",
    )
