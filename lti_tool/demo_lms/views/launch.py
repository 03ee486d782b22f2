"""Launch flow on the LMS side: launch page, login initiation frame, authorization endpoint.

The authorization endpoint trusts the single-use ``lti_message_hint`` row made when the LMS
started the launch (user, course, activity, message type), never a cookie.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from flask import Blueprint, Response, render_template, request, session, url_for
from sqlalchemy.orm import joinedload

from lti_tool.core.time import utcnow
from lti_tool.core.transaction import discard
from lti_tool.demo_lms import directory
from lti_tool.demo_lms.flavours import (
    AUTH_BAD_HINT,
    AUTH_BAD_REQUEST,
    AUTH_BAD_RESPONSE_TYPE,
    AUTH_BAD_SCOPE,
    AUTH_WRONG_CLIENT,
    AUTH_WRONG_USER,
    DEEP_LINKING_REQUEST,
    RESOURCE_LINK_REQUEST,
    Flavour,
    get_flavour,
)
from lti_tool.demo_lms.launches import (
    MESSAGE_HINT_TTL,
    build_launch_claims,
    login_initiation_params,
    parse_message_hint,
    sign_id_token,
    spend_message_hint,
    start_launch,
)
from lti_tool.demo_lms.models import DemoMessageHint, DemoToolRegistration
from lti_tool.demo_lms.web import add_flavour_rules, lms_base_url, lms_page_error
from lti_tool.extensions import db

bp = Blueprint("demo_launch", __name__)

IFRAME_ALLOW = "clipboard-write; fullscreen; camera; microphone"
LOCALE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8}){0,3}$")


def _launch_params() -> dict[str, str]:
    keys = ("user", "link", "client_id", "message", "locale")
    return {k: request.args[k] for k in keys if request.args.get(k)}


@bp.get("/<flavour_name>/courses/<int:course_id>/launch")
def launch_page(flavour_name: str, course_id: int) -> str:
    """LMS chrome around the tool's iframe; "acting as" the chosen user from now on.

    Query: ``user`` (username/id; default: who you act as), ``link`` (activity),
    ``client_id`` (tool), ``message=deep_linking`` for "Add activity", ``locale`` (the
    user's language, e.g. ``de``; default ``en``).
    """
    flavour = get_flavour(flavour_name)
    course = directory.get_course(course_id)
    params = _launch_params()
    params.setdefault("user", str(session.get("acting_as") or ""))
    user = directory.get_user(params["user"])
    session["acting_as"] = user.id
    registration = directory.get_registration(flavour, params.get("client_id"))
    frame_url = url_for(".launch_frame", flavour_name=flavour.name, course=course.id, **params)
    return render_template(
        "demo_lms/launch.html",
        flavour=flavour,
        course=course,
        user=user,
        registration=registration,
        is_deep_link=params.get("message") == "deep_linking",
        frame_url=frame_url,
        iframe_allow=IFRAME_ALLOW,
    )


def locale_param() -> str | None:
    """``?locale=``: a language tag such as ``de`` or ``de-DE`` (anything else: the default)."""
    value = request.args.get("locale", "")
    return value if LOCALE_TAG.match(value) else None


@bp.get("/<flavour_name>/launch/frame")
def launch_frame(flavour_name: str) -> str:
    """Inside the iframe: start a launch and auto-post the login initiation to the tool.
    A GET that writes (the launch's message hint), as an LMS's launch link does: the iframe
    can only be opened with a GET.

    Query: ``user`` (required), ``course`` (default: the pilot), ``link``, ``client_id``,
    ``message=deep_linking``.
    """
    flavour = get_flavour(flavour_name)
    user = directory.get_user(request.args.get("user", ""))
    course = directory.get_course(request.args.get("course"))
    registration = directory.get_registration(flavour, request.args.get("client_id"))
    is_deep_link = request.args.get("message") == "deep_linking"
    link = (
        None
        if is_deep_link
        else directory.get_resource_link(registration, course, request.args.get("link"))
    )
    hint = start_launch(
        flavour,
        registration,
        user,
        course,
        link,
        DEEP_LINKING_REQUEST if is_deep_link else RESOURCE_LINK_REQUEST,
        locale=locale_param(),
    )
    fields = login_initiation_params(flavour, lms_base_url(), hint)
    return render_template(
        "demo_lms/form_post.html",
        action=registration.initiate_login_uri,
        fields=fields,
        title="Opening the tool…",
    )


def _auth_problem(
    flavour: Flavour,
    registration: DemoToolRegistration,
    hint: DemoMessageHint | None,
) -> tuple[str, str] | None:
    """The first thing wrong with the authorization request, as (problem, description)."""
    p = request.values
    if p.get("scope") != "openid":
        return AUTH_BAD_SCOPE, "scope must be openid"
    if p.get("response_type") != "id_token":
        return AUTH_BAD_RESPONSE_TYPE, "response_type must be id_token"
    if p.get("response_mode") != "form_post":
        return AUTH_BAD_REQUEST, "response_mode must be form_post"
    if p.get("prompt") != "none":
        return AUTH_BAD_REQUEST, "prompt must be none"
    if not p.get("nonce") or not p.get("state"):
        return AUTH_BAD_REQUEST, "nonce and state are required"
    if p.get("client_id") != registration.client_id:
        return AUTH_WRONG_CLIENT, "client_id does not match this launch's tool"
    if hint is None or hint.used_at is not None or hint.created_at < utcnow() - MESSAGE_HINT_TTL:
        return AUTH_BAD_HINT, "lti_message_hint is unknown, expired or already used"
    if p.get("login_hint") != directory.subject_for(flavour, hint.user):
        return AUTH_WRONG_USER, "login_hint is not the user who started this launch"
    return None


def authorize(flavour_name: str) -> str | Response:
    """OIDC authorization endpoint: answer the tool's auth request with an id_token form post.
    It writes (the message hint is spent) even on GET: OIDC lets the tool redirect here.

    An unregistered ``redirect_uri`` gets the LMS's own error page (it never reaches the
    tool); other problems are posted to the tool or shown, as the flavour does.
    """
    flavour = get_flavour(flavour_name)
    p = request.values
    hint_id = parse_message_hint(flavour, p.get("lti_message_hint"))
    hint = (
        db.session.get(
            DemoMessageHint,
            hint_id,
            options=[
                joinedload(DemoMessageHint.registration),
                joinedload(DemoMessageHint.user),
                joinedload(DemoMessageHint.course),
                joinedload(DemoMessageHint.resource_link),
            ],
        )
        if hint_id
        else None
    )
    if hint is not None and hint.flavour != flavour.name:
        hint = None
    registration = (
        hint.registration if hint else directory.find_registration(flavour, p.get("client_id", ""))
    )
    redirect_uri = p.get("redirect_uri", "")
    if registration is None or redirect_uri not in registration.redirect_uris:
        return lms_page_error(
            flavour,
            flavour.auth_page_status,
            "Invalid request: the redirect_uri is not registered for this tool.",
        )
    problem = _auth_problem(flavour, registration, hint)
    if problem is None and not spend_message_hint(hint.id):  # type: ignore[union-attr]
        problem = AUTH_BAD_HINT, "lti_message_hint was already used"
    if problem is not None:
        discard()  # the refusal may go back to the tool as a 200 form post: nothing stands
        kind, description = problem
        error = flavour.auth_errors.get(kind)
        if error is None:
            return lms_page_error(
                flavour, flavour.auth_page_status, f"Invalid request: {description}."
            )
        fields = {"error": error, "error_description": description}
        if p.get("state"):
            fields["state"] = p["state"]
        return render_template(
            "demo_lms/form_post.html",
            action=redirect_uri,
            fields=fields,
            title="Returning to the tool…",
        )
    assert hint is not None
    if hint.message_type == DEEP_LINKING_REQUEST:
        hint.nonce = p["nonce"]
    claims = build_launch_claims(
        flavour,
        lms_base_url=lms_base_url(),
        registration=registration,
        user=hint.user,
        course=hint.course,
        nonce=p["nonce"],
        resource_link=hint.resource_link,
        message_type=hint.message_type,
        hint_id=hint.id,
        locale=hint.locale,
    )
    id_token = sign_id_token(flavour, claims)
    return render_template(
        "demo_lms/form_post.html",
        action=redirect_uri,
        fields={"id_token": id_token, "state": p["state"]},
        title="Opening the tool…",
    )


add_flavour_rules(bp, "auth_path", authorize, ["GET", "POST"])


@bp.get("/<flavour_name>/platform-storage")
def platform_storage_frame(flavour_name: str) -> str:
    """The frame named by ``lti_storage_target``: answers lti.put_data / lti.get_data."""
    flavour = get_flavour(flavour_name)
    return render_template("demo_lms/platform_storage.html", flavour=flavour)


def launch_page_url(flavour: Flavour, course_id: int, **params: str) -> str:
    """Relative URL of the launch page (for links on LMS pages)."""
    query = urlencode({k: v for k, v in params.items() if v})
    return f"/{flavour.name}/courses/{course_id}/launch" + (f"?{query}" if query else "")
