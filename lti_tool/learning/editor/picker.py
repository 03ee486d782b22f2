"""The Deep Linking picker: the designer places a program's whole path, single steps or the
program home in the course; the answer is signed by ``lti.deep_linking`` and posted back to
the LMS once.
"""

from __future__ import annotations

from flask import Response, render_template
from flask_babel import gettext as _

from lti_tool.core.auth import launch_required
from lti_tool.core.roles import Audience
from lti_tool.core.transaction import discard
from lti_tool.core.urls import launch_url
from lti_tool.errors import LaunchError, ValidationError
from lti_tool.learning import deep_linking as catalogue
from lti_tool.learning.editor import bp, forms
from lti_tool.lti import deep_linking
from lti_tool.roster.launches import LaunchSession


@bp.route("/s/<launch_id>/deep-link", methods=["GET", "POST"])
@launch_required(Audience.DESIGNER)
def deep_link(launch: LaunchSession) -> Response | tuple[str, int]:
    """The content picker of a deep-linking launch; answers with a signed response.

    :raise LaunchError: not a deep-linking launch.
    :raise AlreadyAnswered: (409) this launch's answer was already sent.
    """
    if launch.message_type != deep_linking.DEEP_LINKING_REQUEST:
        raise LaunchError(
            _("This page needs a deep-linking launch."),
            hint=_("Use 'add activity' (or your LMS's content selection) to add Reciprocal."),
        )
    deep_linking.ensure_unanswered(launch)  # one response per deep-linking launch (409)
    single = not deep_linking.accepts_multiple(launch)
    form = forms.PickerForm()
    problem = None
    if form.submitted:
        try:
            items = catalogue.content_items(
                launch.course_id or 0, form.item.data or [], launch_url(), single=single
            )
            token, return_url = deep_linking.build_response(launch, items)
            deep_linking.mark_answered(launch)
        except ValidationError as error:
            discard()
            problem = error.message
        else:
            return Response(
                render_template(
                    "lti/autopost.html",
                    action=return_url,
                    fields={"JWT": token},
                    title=_("Adding to your course…"),
                )
            )
    programs = catalogue.picker_catalogue(launch.course_id) if launch.course_id else []
    return render_template(
        "learning/path/picker.html",
        launch=launch,
        launch_id=launch.id,
        programs=programs,
        single=single,
        chosen=set(form.item.data or []),
        problem=problem,
        forms=forms,
    ), 422 if problem else 200
