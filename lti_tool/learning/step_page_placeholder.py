"""PLACEHOLDER for the ``steps`` blueprint (built on another branch): the page a deep-linked
step's launch lands on, ``steps.show``. Drop this module and its registration in
``register_blueprints`` when the real ``steps`` blueprint is merged."""

from __future__ import annotations

from flask import Blueprint, render_template_string

from lti_tool.core.auth import launch_required
from lti_tool.learning.step_launch import get_launched_step
from lti_tool.roster.launches import LaunchSession

bp = Blueprint("steps", __name__)


@bp.get("/s/<launch_id>/steps/<public_id>")
@launch_required()
def show(launch: LaunchSession, public_id: str) -> str:
    """:raise NotFoundError: not a step of the launch's course."""
    step = get_launched_step(launch, public_id)
    return render_template_string(
        '{% extends "base.html" %}{% block content %}<h1>{{ title }}</h1>{% endblock %}',
        title=step.title,
    )
