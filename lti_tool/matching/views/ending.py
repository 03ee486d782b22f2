"""A designer ends an active pair, with a reason, and (by default) rematches its two people at
once; every other pair stays as it is. Asked first on a page of its own."""

from __future__ import annotations

from flask import Response, redirect, render_template, url_for

from lti_tool.core.auth import launch_required
from lti_tool.core.i18n import N_
from lti_tool.core.roles import Audience
from lti_tool.core.transaction import discard
from lti_tool.errors import DomainError
from lti_tool.extensions import db
from lti_tool.matching.contact_forms import EndPairForm
from lti_tool.matching.ending import end_and_rematch, end_pair
from lti_tool.matching.models import Pair, Program
from lti_tool.matching.programs import person_label
from lti_tool.matching.views import bp, launch_course, load_program
from lti_tool.matching.views.pairs import NOTICES, _pair_of, _refused
from lti_tool.roster.launches import LaunchSession
from lti_tool.roster.models import Person

NOTICES.update(
    {
        "ended": N_("The pair has ended; both partners are told."),
        "ended-rematched": N_(
            "The pair has ended and its two people were matched again: publish "
            "the new proposed pairs below. Every other pair stays as it is."
        ),
    }
)


def _confirm_page(
    launch: LaunchSession, program: Program, pair: Pair, form: EndPairForm | None = None
) -> tuple[str, int]:
    return render_template(
        "matching/pairs/end.html",
        launch_id=launch.id,
        course_title=launch_course(launch).title,
        program=program,
        pair=pair,
        mentor=person_label(db.session.get(Person, pair.mentor_id)),
        mentee=person_label(db.session.get(Person, pair.mentee_id)),
        form=form or EndPairForm(formdata=None, data={"rematch": "yes"}),
    ), 422 if form is not None and form.errors else 200


@bp.get("/s/<launch_id>/programs/<int:program_id>/pairs/<int:pair_id>/end")
@launch_required(Audience.DESIGNER)
def confirm_end_pair(launch: LaunchSession, program_id: int, pair_id: int) -> tuple[str, int]:
    """Asks before ending a pair: the reason (the partners are told) and whether to rematch.

    :raise NotFound: the program is not in this course, or the pair not in the program.
    """
    program = load_program(launch, program_id)
    return _confirm_page(launch, program, _pair_of(program, pair_id))


@bp.post("/s/<launch_id>/programs/<int:program_id>/pairs/<int:pair_id>/end")
@launch_required(Audience.DESIGNER)
def end_pair_now(
    launch: LaunchSession, program_id: int, pair_id: int
) -> Response | tuple[str, int]:
    """End the pair; with ``rematch=yes`` its people get new proposed partners at once.

    :raise NotFound: the program is not in this course, or the pair not in the program.
    """
    program = load_program(launch, program_id)
    pair = _pair_of(program, pair_id)
    form = EndPairForm()
    if not form.is_confirmed:
        return _confirm_page(launch, program, pair)
    if not form.validate():
        discard()
        return _confirm_page(launch, program, pair, form)
    actor = f"designer {person_label(launch.person)} (person {launch.person_id})"
    rematch = form.rematch.data == "yes"
    try:
        if rematch:
            end_and_rematch(pair, form.reason.data, actor=actor, requested_by_id=launch.person_id)
        else:
            end_pair(pair, form.reason.data, rematch=False, actor=actor)
    except DomainError as error:
        return _refused(launch, program, error)
    return redirect(
        url_for(
            "matching.pair_review",
            launch_id=launch.id,
            program_id=program.id,
            notice="ended-rematched" if rematch else "ended",
            _anchor="pairs",
        ),
        code=303,
    )
