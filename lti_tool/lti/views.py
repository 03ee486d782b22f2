"""LTI endpoints: JWKS, OIDC login, launch, dynamic registration, Canvas JSON.

The deep-linking picker (what a designer places in the course) is the learning layer's
(``learning.editor.picker``); it signs its answer with ``lti.deep_linking``.
"""

from __future__ import annotations

import logging
from ipaddress import ip_address

from flask import (
    Blueprint,
    Response,
    after_this_request,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from lti_tool.core.metrics import launch_view, note_launch
from lti_tool.core.security import csrf_exempt
from lti_tool.core.transaction import keep_work
from lti_tool.core.urls import absolute, launch_url, tool_base_url
from lti_tool.errors import LaunchError, PlatformErrorReport
from lti_tool.lti.canvas_config import canvas_developer_key
from lti_tool.lti.launch import HardenedMessageLaunch
from lti_tool.lti.login import (
    STATE_COOKIE_PREFIX,
    STORAGE_KEY_PREFIX,
    Binding,
    LoginRequest,
    check_browser_binding,
    consume_state,
    get_launch_state,
    start_login,
)
from lti_tool.lti.registration import register_with_platform
from lti_tool.lti.registration_limits import registration_guard
from lti_tool.lti.sessions import establish_launch
from lti_tool.platforms.guidance import next_steps
from lti_tool.platforms.invites import INVITE_PARAM, get_usable_invite, invite_url
from lti_tool.platforms.keys import jwks_document
from lti_tool.roster.tasks import queue_sync_after_launch

bp = Blueprint("lti", __name__)
log = logging.getLogger(__name__)

JWKS_MAX_AGE = 300


@bp.get("/.well-known/jwks.json")
def jwks() -> Response:
    """Every published tool key, by kid (active ones and retired ones in their grace period).

    Only reads: the first key is made by ``flask keys ensure``, by a registration, or just
    before the tool first signs something. Until then the set is empty and not cached, so a
    platform that looked too early asks again.
    """
    document = jwks_document()
    response = jsonify(document)
    response.headers["Cache-Control"] = (
        f"public, max-age={JWKS_MAX_AGE}" if document["keys"] else "no-store"
    )
    return response


@bp.route("/lti/login", methods=["GET", "POST"])
@csrf_exempt
def login() -> Response:
    """OIDC third-party login initiation. It writes the login's state even on GET: the OIDC
    spec lets the platform initiate the login with a GET, and the state must be stored
    before the browser is sent on to the platform.

    :raise LaunchError: missing parameters, unknown platform, foreign target link.
    """
    params = {key: request.values.get(key, "") for key in request.values}
    login_request = LoginRequest.from_params(params)
    ttl = current_app.config["LAUNCH_STATE_TTL_SECONDS"]
    start = start_login(
        login_request,
        launch_url=launch_url(),
        tool_base_url=tool_base_url(),
        user_agent=request.user_agent.string,
        ttl=ttl,
    )
    if start.storage_target:
        response = Response(
            render_template(
                "lti/storage_login.html",
                target=start.storage_target,
                key=STORAGE_KEY_PREFIX + start.state,
                value=start.browser_secret,
                redirect_url=start.redirect_url,
            )
        )
    else:
        response = redirect(start.redirect_url, code=302)
    _set_state_cookie(response, start.state, start.browser_secret, ttl)
    return response


def _set_state_cookie(response: Response, state: str, secret: str, ttl: int) -> None:
    """A partitioned SameSite=None cookie reaches us even from an iframe in most browsers;
    browsers only accept those over HTTPS or from a loopback host."""
    response.set_cookie(
        STATE_COOKIE_PREFIX + state, secret, max_age=ttl, **_state_cookie_attributes()
    )


def _state_cookie_attributes() -> dict:
    """Set and delete alike: a browser removes a cookie only when the attributes match."""
    secure_capable = request.is_secure or _is_loopback(request.host.rsplit(":", 1)[0])
    return {
        "path": url_for("lti.launch"),
        "httponly": True,
        "secure": secure_capable,
        "samesite": "None" if secure_capable else "Lax",
        "partitioned": secure_capable,
    }


def _clear_state_cookie_after_this_request() -> None:
    """Expire the state cookie the browser sent with this launch, whatever the outcome: a
    state serves one launch (used, refused or expired), so its cookie is of no further use."""
    name = STATE_COOKIE_PREFIX + request.form.get("state", "")
    if name == STATE_COOKIE_PREFIX or name not in request.cookies:
        return

    @after_this_request
    def clear(response: Response) -> Response:
        response.delete_cookie(name, **_state_cookie_attributes())
        return response


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@bp.get("/lti/launch", endpoint="launch_page")
def launch_page() -> Response:
    """A plain GET of the launch URL: Moodle's server checks whether an activity's URL is a
    cartridge when a teacher saves it (MoodleBot), or someone opened a bookmark. Say where
    the tool is opened from, harmlessly."""
    return Response(render_template("lti/open_from_course.html"))


@bp.post("/lti/launch")
@csrf_exempt
@launch_view  # counted and timed by outcome, refusal step and platform
def launch() -> Response:
    """The id_token post. Validates it, records the launch, lands on the role's home page.

    :raise PlatformErrorReport: the platform posted an error instead of an id_token.
    :raise LaunchError: any reason to refuse the launch, with that reason.
    """
    _clear_state_cookie_after_this_request()
    form = request.form
    if form.get("error"):
        description = form.get("error_description") or ""
        raise PlatformErrorReport(f"{form['error']}" + (f": {description}" if description else ""))
    id_token = form.get("id_token")
    if not id_token:
        raise LaunchError(_("The LMS sent no id_token."))
    config = current_app.config
    note_launch(stage="state")
    launch_state = get_launch_state(form.get("state"), config["LAUNCH_STATE_TTL_SECONDS"])
    note_launch(stage="browser_binding", platform=launch_state.platform_id)
    binding = check_browser_binding(
        launch_state,
        cookie_secret=request.cookies.get(STATE_COOKIE_PREFIX + launch_state.state),
        storage_secret=form.get("lti_storage_value"),
        storage_checked=form.get("lti_storage_checked") == "1",
        user_agent=request.user_agent.string,
    )
    if binding is Binding.NEEDS_STORAGE_LOOKUP:
        note_launch(counted=False)  # the launch itself is the post that follows
        return Response(
            render_template(
                "lti/storage_launch.html",
                target=launch_state.storage_target,
                key=STORAGE_KEY_PREFIX + launch_state.state,
                id_token=id_token,
                state=launch_state.state,
            )
        )
    message_launch = HardenedMessageLaunch(id_token, launch_state, config["JWT_LEEWAY_SECONDS"])
    note_launch(stage="validation")
    try:
        message_launch.validate()
    except LaunchError:
        # Keep what the refusal taught us (a pending deployment, a fresh JWKS): this
        # request's unit is committed although it ends in the refusal's error page.
        keep_work()
        raise
    note_launch(stage="record")
    session = establish_launch(
        launch_state.platform, message_launch.claims, config["LAUNCH_SESSION_TTL_SECONDS"]
    )
    # A designer's launch refreshes a stale roster in the background (sent after the commit).
    queue_sync_after_launch(
        session.course,
        session.person,
        session.roles,
        max_age_minutes=config["ROSTER_SYNC_ON_LAUNCH_MINUTES"],
    )
    home, message_type = url_for("home.landing", launch_id=session.id), session.message_type
    # The writes come last and the request's unit commits right after: SQLite's single
    # writer lock is held only for these statements.
    consume_state(launch_state)
    log.info("Launch %s (binding: %s)", message_type, binding.value)
    return redirect(home, code=303)


@bp.get("/lti/register")
def register() -> Response:
    """Dynamic Registration: what Moodle's 'register by URL' and Canvas open in a dialog.
    The registration URL carries a tool admin's invite (``?invite=…``); without one, only
    open registration (pending approval) or an update signed by a registered LMS is accepted.
    A GET that writes (the platform, the spent invite, the tool's first key): the LTI Dynamic
    Registration spec has the platform open this URL with a GET.

    :raise RegistrationError: the invite, the platform's configuration or its answer is
        unusable, or the registration claims another platform.
    """
    config_url = request.args.get("openid_configuration")
    invite_token = request.args.get(INVITE_PARAM) or None
    if not config_url:
        if invite_token:
            get_usable_invite(invite_token)  # a dead invite says so now, not in the LMS
        return Response(
            render_template(
                "lti/register_help.html",
                register_url=absolute("lti.register"),
                invite_url=(
                    invite_url(absolute("lti.register"), invite_token) if invite_token else None
                ),
                open_registration=current_app.config["OPEN_REGISTRATION"],
            )
        )
    with registration_guard(current_app.config):
        outcome = register_with_platform(
            config_url,
            request.args.get("registration_token"),
            invite_token=invite_token,
            open_registration=current_app.config["OPEN_REGISTRATION"],
        )
    log.info(
        "%s with %s (client %s, deployment %s)%s",
        "Registration updated" if outcome.updated else "Registered",
        outcome.platform.issuer,
        outcome.platform.client_id,
        outcome.deployment_id,
        ", pending approval" if outcome.pending else "",
    )
    steps = next_steps(outcome.product_family, outcome.granted_scopes, outcome.platform.status)
    return Response(render_template("lti/registered.html", outcome=outcome, steps=steps))


@bp.get("/lti/canvas.json")
def canvas_json() -> Response:
    return jsonify(canvas_developer_key())
