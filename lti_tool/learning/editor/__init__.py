"""The designer's side of learning paths: the path editor (choose a template, add, edit,
preview, reorder and remove steps) and the Deep Linking picker that places steps in the course.

Endpoints other pages link to:

- ``path_editor.path_page`` (``launch_id``, ``program_id``): a program's path, or the choice of
  a template when it has none;
- ``path_editor.deep_link`` (``launch_id``): the picker of a deep-linking launch.

Every page needs a designer's launch and a program of the launch's course (404 otherwise).
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("path_editor", __name__)

from lti_tool.learning.editor import (  # noqa: E402,F401  (registers the routes)
    picker,
    steps,
    views,
)
