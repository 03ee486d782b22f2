"""The demo LMS's own pages: home, course (people, activities, tools) and gradebook."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, render_template, send_from_directory, session

from config.settings import ROOT
from lti_tool.demo_lms import directory
from lti_tool.demo_lms.flavours import FLAVOURS, ROLE_LEARNER, get_flavour
from lti_tool.demo_lms.gradebook import gradebook_table
from lti_tool.demo_lms.models import (
    DemoCourse,
    DemoEnrollment,
    DemoLineItem,
    DemoResourceLink,
    DemoToolRegistration,
    DemoUser,
)
from lti_tool.demo_lms.views.launch import launch_page_url
from lti_tool.extensions import db

bp = Blueprint("demo_pages", __name__)

PEOPLE_SHOWN = 200
# What each flavour imitates, on the home page: the same seeded course appears in each.
IMITATES = {
    "spec": "The 1EdTech reference behaviour: LTI 1.3 and LTI Advantage exactly as the "
    "specifications describe them.",
    "moodle": "A Moodle 4.x site, quirks included: 60-second id_tokens, short role names, "
    "JSON served as text/html, re-registration as an update.",
    "canvas": "A Canvas instance: Canvas's login parameters, postMessage platform storage, "
    "50 members per roster page.",
}


@bp.get("/favicon.ico")
def favicon() -> Response:
    """The demo LMS shows the tool's logo as its icon."""
    return send_from_directory(
        ROOT / "lti_tool" / "static" / "img",
        "logo.svg",
        mimetype="image/svg+xml",
        max_age=7 * 24 * 3600,
    )


@bp.get("/")
def home() -> str:
    """The flavours and the courses, with links into each."""
    courses = db.session.execute(
        sa.select(DemoCourse, sa.func.count(DemoEnrollment.id))
        .outerjoin(DemoEnrollment, DemoEnrollment.course_id == DemoCourse.id)
        .group_by(DemoCourse.id)
        .order_by(DemoCourse.id)
    )
    counts = {
        flavour: n
        for flavour, n in db.session.execute(
            sa.select(DemoToolRegistration.flavour, sa.func.count()).group_by(
                DemoToolRegistration.flavour
            )
        )
    }
    return render_template(
        "demo_lms/home.html",
        courses=[
            {"id": c.id, "title": c.title, "label": c.label, "members": n} for c, n in courses
        ],
        flavours=[
            {"flavour": f, "tools": counts.get(f.name, 0), "imitates": IMITATES.get(f.name, "")}
            for f in FLAVOURS.values()
        ],
    )


def _role_label(roles: list[str]) -> str:
    names = [r.rsplit("#", 1)[-1] for r in roles]
    return ", ".join(names) or "—"


@bp.get("/<flavour_name>/courses/<int:course_id>")
def course_page(flavour_name: str, course_id: int) -> str:
    """People with "Launch as", activities with launch buttons, tools with "Add activity"."""
    flavour = get_flavour(flavour_name)
    course = directory.get_course(course_id)
    acting_as = session.get("acting_as")
    people = db.session.execute(
        sa.select(DemoUser, DemoEnrollment)
        .join(DemoEnrollment, DemoEnrollment.user_id == DemoUser.id)
        .where(DemoEnrollment.course_id == course.id, DemoEnrollment.status != "Deleted")
        .order_by(DemoEnrollment.id)
        .limit(PEOPLE_SHOWN)
    )
    registrations = directory.list_registrations(flavour)
    links = db.session.scalars(
        sa.select(DemoResourceLink)
        .join(DemoToolRegistration, DemoToolRegistration.id == DemoResourceLink.registration_id)
        .where(
            DemoResourceLink.course_id == course.id, DemoToolRegistration.flavour == flavour.name
        )
        .order_by(DemoResourceLink.id)
    ).all()
    graded = set(
        db.session.scalars(
            sa.select(DemoLineItem.resource_link_pk).where(DemoLineItem.course_id == course.id)
        )
    )
    people_rows: list[dict[str, Any]] = []
    for user, enrollment in people:
        people_rows.append(
            {
                "id": user.id,
                "name": user.display_name,
                "email": user.email or "—",
                "department": user.department or "—",
                "level": user.seniority_level,
                "years": user.years_experience,
                "roles": _role_label(enrollment.roles),
                "is_learner": enrollment.roles == [ROLE_LEARNER],
                "status": enrollment.status,
                "acting": user.id == acting_as,
                "launch_url": launch_page_url(flavour, course.id, user=user.username),
            }
        )
    acting_user = db.session.get(DemoUser, acting_as) if acting_as else None
    designer = _designer(course)
    launch_user = acting_user.username if acting_user else (designer or "")
    return render_template(
        "demo_lms/course.html",
        flavour=flavour,
        course=course,
        people=people_rows,
        acting_name=acting_user.display_name if acting_user else None,
        activities=[
            {
                "title": link.title,
                "tool": link.registration.name,
                "graded": link.id in graded,
                "launch_url": launch_page_url(
                    flavour,
                    course.id,
                    link=link.resource_link_id,
                    client_id=link.registration.client_id,
                    user=launch_user,
                ),
            }
            for link in links
        ],
        tools=[
            {
                "name": r.name,
                "client_id": r.client_id,
                "deep_linking": r.deep_linking_target() is not None,
                "add_url": launch_page_url(
                    flavour,
                    course.id,
                    client_id=r.client_id,
                    message="deep_linking",
                    user=designer or "",
                ),
            }
            for r in registrations
        ],
        designer=designer,
    )


def _designer(course: DemoCourse) -> str | None:
    """Username of the course's first Instructor, who adds activities by default."""
    for user, enrollment in db.session.execute(
        sa.select(DemoUser, DemoEnrollment)
        .join(DemoEnrollment, DemoEnrollment.user_id == DemoUser.id)
        .where(DemoEnrollment.course_id == course.id)
        .order_by(DemoEnrollment.id)
        .limit(50)
    ):
        if any(r.endswith("#Instructor") for r in enrollment.roles):
            return user.username
    return None


@bp.get("/<flavour_name>/courses/<int:course_id>/gradebook")
def gradebook_page(flavour_name: str, course_id: int) -> str:
    """Line items × people with the current grade of each."""
    flavour = get_flavour(flavour_name)
    course = directory.get_course(course_id)
    return render_template(
        "demo_lms/gradebook.html",
        flavour=flavour,
        course=course,
        table=gradebook_table(flavour, course),
    )
