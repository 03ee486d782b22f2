"""The learner's "my partner" page: their published pair in this course, and why; how to
reach the partner (email, a proposed meeting time as a calendar file) and the learner's
email notification setting."""

from __future__ import annotations

from flask import Response, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _

from lti_tool.core.auth import launch_required
from lti_tool.core.i18n import N_
from lti_tool.core.roles import Audience
from lti_tool.core.transaction import discard
from lti_tool.errors import DomainError, NotFoundError, ReciprocalError, ValidationError
from lti_tool.matching.calendar import ics_file_name, proposal_ics
from lti_tool.matching.contact import (
    get_own_pair,
    get_own_proposal,
    partner_contacts,
    propose_meeting_time,
    set_email_notifications,
    wants_email,
)
from lti_tool.matching.contact_forms import DURATIONS, EmailSettingForm, MeetingProposalForm
from lti_tool.matching.forms import time_zones
from lti_tool.matching.partners import partner_views
from lti_tool.matching.views import bp, launch_course
from lti_tool.roster.launches import LaunchSession

PARTNER_NOTICES = {
    "proposed": N_(
        "Your proposed time is saved: your partner sees it here and can add it to their calendar."
    ),
    "email-on": N_("Email notifications are on."),
    "email-off": N_(
        "Email notifications are off: you will not get email from Reciprocal about this course."
    ),
}


def mail_is_on() -> bool:
    """Email goes out only when an SMTP server is configured."""
    return bool(current_app.config.get("SMTP_HOST"))


def _page(
    launch: LaunchSession,
    *,
    status: int = 200,
    forms: dict[int, MeetingProposalForm] | None = None,
    problem: str | None = None,
) -> tuple[str, int]:
    course = launch_course(launch)
    message = PARTNER_NOTICES.get(request.args.get("notice", ""))
    notice = None if message is None else _(message)
    return render_template(
        "matching/partner.html",
        launch_id=launch.id,
        course_title=course.title,
        name=launch.person.display_name,
        partners=partner_views(course.id, launch.person_id),
        contacts=partner_contacts(course.id, launch.person_id),
        proposal_forms=forms or {},
        durations=DURATIONS,
        zones=time_zones(),
        mail_on=mail_is_on(),
        wants_email=wants_email(course.id, launch.person_id),
        notice=_(notice) if notice else None,
        problem=problem,
    ), status


@bp.get("/s/<launch_id>/partner")
@launch_required(Audience.LEARNER)
def my_partner(launch: LaunchSession) -> tuple[str, int]:
    """The learner's partner in each active pair of a program of the launch's course: the
    partner's profile fields they consented to share, the reasons for the match, the
    partner's LMS email and the meeting times either proposed. Nothing from another course,
    and nobody else's pair, is ever shown.

    :raise AccessDenied: not a learner's launch, or the launch has no course.
    """
    return _page(launch)


def _back(launch: LaunchSession, notice: str, anchor: str | None = None) -> Response:
    return redirect(
        url_for("matching.my_partner", launch_id=launch.id, notice=notice, _anchor=anchor),
        code=303,
    )


@bp.post("/s/<launch_id>/partner/<int:pair_id>/meeting-times")
@launch_required(Audience.LEARNER)
def propose_time(launch: LaunchSession, pair_id: int) -> Response | tuple[str, int]:
    """Propose a meeting time to the partner (who is told by email when mail is on).

    :raise NotFound: not one of the learner's active pairs in this course.
    """
    course = launch_course(launch)
    try:
        pair = get_own_pair(course.id, launch.person_id, pair_id)
    except NotFoundError as error:
        return _refused(launch, error)
    form = MeetingProposalForm()
    if form.validate():
        try:
            propose_meeting_time(pair, launch.person_id, form.values())
        except ValidationError as error:
            form.add_error("on", error.message)
        except DomainError as error:
            return _refused(launch, error)
    if form.errors:
        discard()
        return _page(launch, status=422, forms={pair_id: form})
    return _back(launch, "proposed", f"contact-{pair_id}")


@bp.get("/s/<launch_id>/partner/meeting-times/<int:proposal_id>.ics")
@launch_required(Audience.LEARNER)
def meeting_time_file(launch: LaunchSession, proposal_id: int) -> Response:
    """The proposed meeting as a calendar file, for either partner.

    :raise NotFound: not a proposal of the learner's own active pair in this course.
    """
    course = launch_course(launch)
    proposal = get_own_proposal(course.id, launch.person_id, proposal_id)
    return Response(
        proposal_ics(proposal),
        mimetype="text/calendar",
        headers={
            "Content-Disposition": f'attachment; filename="{ics_file_name(proposal)}"',
            "Cache-Control": "no-store",
        },
    )


@bp.post("/s/<launch_id>/partner/email")
@launch_required(Audience.LEARNER)
def email_setting(launch: LaunchSession) -> Response | tuple[str, int]:
    """Turn email notifications about this course on or off.

    :raise NotFound: mail is off on this site (there is nothing to turn on).
    """
    course = launch_course(launch)
    if not mail_is_on():
        return _refused(launch, NotFoundError(_("Email notifications are off on this site.")))
    form = EmailSettingForm()
    if not form.validate():
        discard()
        return _page(launch, status=422, problem=form.error("email"))
    set_email_notifications(course.id, launch.person_id, form.wanted)
    return _back(launch, "email-on" if form.wanted else "email-off", "email-setting")


def _refused(launch: LaunchSession, error: ReciprocalError) -> tuple[str, int]:
    discard()
    return _page(launch, status=error.status_code, problem=error.message)
