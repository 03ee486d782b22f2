"""The audit log's pages and the admin's data-rights pages.

- ``/s/<launch>/audit``: a course's designers read the course's events (learners: 403);
- ``/admin/audit``: the installation's admin reads every event, an LMS administrator their
  LMS's;
- ``/admin/people``: the installation's admin finds a person by LMS and user id, downloads
  everything the tool holds about them (JSON), or erases them after a confirmation.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from lti_tool.core.audit import record_event
from lti_tool.core.auth import launch_required
from lti_tool.core.roles import Audience
from lti_tool.errors import DomainError, ReciprocalError
from lti_tool.extensions import db
from lti_tool.platforms.access import admin_required, require_installation
from lti_tool.privacy.audit_log import AuditFilter, read_audit_log
from lti_tool.privacy.erase import erase_person
from lti_tool.privacy.export import export_person, find_person
from lti_tool.privacy.forms import EraseForm, PersonLookupForm
from lti_tool.roster.launches import LaunchSession
from lti_tool.roster.models import Membership, Person

bp = Blueprint("privacy", __name__)


@bp.get("/s/<launch_id>/audit")
@launch_required(Audience.DESIGNER)
def course_audit(launch: LaunchSession) -> str:
    """The course's audit log for its designers.

    :raise NotFound: the launch has no course.
    :raise ValidationError: a filter value is malformed (422).
    """
    if launch.course_id is None:
        abort(404, description=_("This launch has no course, so it has no course audit log."))
    query_filter = AuditFilter.from_args(request.args)
    return render_template(
        "privacy/audit.html",
        log=read_audit_log(query_filter, course_id=launch.course_id),
        query_filter=query_filter,
        page_url=lambda **args: url_for("privacy.course_audit", launch_id=launch.id, **args),
        launch_id=launch.id,
        course_title=launch.course.title if launch.course else None,
        admin_launch=None,
    )


@bp.get("/admin/audit")
@admin_required
def admin_audit() -> str:
    """Every event for the installation's admin; an LMS administrator's LMS's only.

    :raise ValidationError: a filter value is malformed (422).
    """
    scope = g.admin_scope
    query_filter = AuditFilter.from_args(request.args)
    admin_launch = g.get("admin_launch_id")
    extra = {"launch": admin_launch} if admin_launch else {}
    return render_template(
        "privacy/audit.html",
        log=read_audit_log(query_filter, platform_id=scope.platform_id),
        query_filter=query_filter,
        page_url=lambda **args: url_for("privacy.admin_audit", **args, **extra),
        launch_id=None,
        course_title=None,
        admin_launch=admin_launch,
    )


@bp.get("/admin/people")
@admin_required
def people() -> tuple[str, int]:
    """Find a person by their LMS's issuer and their user id there (``sub``).

    :raise AccessDenied: an LMS administrator (data rights are the installation's admin's).
    """
    require_installation()
    form = PersonLookupForm(request.args if request.args else None)
    person, problem = None, None
    if request.args and form.validate():
        try:
            person = find_person(form.issuer.data, form.sub.data)
        except ReciprocalError as error:
            problem = error.message
    status = 422 if form.errors else 404 if problem else 200
    return render_template(
        "privacy/people.html",
        form=form,
        person=person,
        summary=_summary(person) if person else None,
        problem=problem,
    ), status


def _person(person_id: int) -> Person:
    return db.get_or_404(Person, person_id, description=_("The tool holds no such person."))


def _summary(person: Person) -> dict[str, int]:
    data = export_person(person)
    return {key: len(value) for key, value in data.items() if isinstance(value, list)}


@bp.post("/admin/people/<int:person_id>/export")
@admin_required
def export(person_id: int) -> Response:
    """Everything the tool holds about the person, as a JSON download; audited.

    :raise AccessDenied: an LMS administrator.
    :raise NotFound: no such person.
    """
    require_installation()
    person = _person(person_id)
    body = export_person(person)
    record_event(None, "person.exported", f"person {person.id}", person_id=person.id)
    return Response(
        json.dumps(body, indent=2, ensure_ascii=False, default=str),
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="person-{person.id}-export.json"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/admin/people/<int:person_id>/erase", methods=["GET", "POST"])
@admin_required
def erase(person_id: int) -> Response | tuple[str, int]:
    """Ask first, then erase: the admin types ERASE to confirm.

    :raise AccessDenied: an LMS administrator.
    :raise NotFound: no such person.
    """
    require_installation()
    person = _person(person_id)
    form = EraseForm()
    problem = None
    if request.method == "POST" and form.validate():
        try:
            done = erase_person(person)
        except DomainError as error:
            problem = error.message
        else:
            flash(
                _(
                    "Person %(id)s erased: %(pairs)s pair(s) flagged, %(partners)s partner(s) "
                    "told, %(texts)s text(s) removed.",
                    id=done.person_id,
                    pairs=done.pairs_ended,
                    partners=len(done.partners),
                    texts=done.texts_removed,
                )
            )
            return redirect(url_for("privacy.people"), code=303)
    courses = db.session.query(Membership).filter(Membership.person_id == person.id).count()
    status = 409 if problem else 422 if form.errors else 200
    return render_template(
        "privacy/erase.html",
        form=form,
        person=person,
        courses=courses,
        summary=_summary(person),
        problem=problem,
    ), status
