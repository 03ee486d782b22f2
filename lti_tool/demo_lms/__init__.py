"""The built-in demo LMS: a real LTI 1.3 platform over HTTP, in three flavours.

It is a separate Flask app sharing the tool's database (tables ``demo_*``), served from the
same server under another host name: requests whose Host is ``DEMO_LMS_HOST`` (``localhost``)
reach the LMS, everything else the tool. With one server on port P the tool is
``http://127.0.0.1:P`` and the LMS ``http://localhost:P`` — two sites, as in real life.

Each flavour is a platform with its own issuer ``http://localhost:P/<flavour>``:
``spec`` (1EdTech behaviour), ``moodle`` (Moodle 4.x quirks), ``canvas`` (Canvas quirks).

URL map (``<f>`` is the flavour; the first five paths differ per flavour, see ``flavours.py``):

==========================================  ===============================================
``/``                                        home: flavours and courses
``/_static/…``                               CSS and JS of the LMS (no CDN)
``/<f>`` + openid_configuration_path         OpenID / LTI platform configuration (JSON)
``/<f>`` + jwks_path                         platform JWKS (Cache-Control: max-age)
``/<f>`` + auth_path                         OIDC authorization endpoint (GET or POST)
``/<f>`` + token_path                        OAuth2 client_credentials token endpoint
``/<f>`` + registration_path                 Dynamic Registration endpoint (Bearer reg token)
``/<f>/courses/<id>``                        course page: people, activities, tools
``/<f>/courses/<id>/launch``                 launch page (LMS chrome + tool iframe)
``/<f>/courses/<id>/gradebook``              gradebook: line items × people
``/<f>/launch/frame``                        iframe content: auto-posted login initiation
``/<f>/deep-linking/return/<hint>``          deep-linking response (form field ``JWT``)
``/<f>/platform-storage``                    the ``lti_storage_target`` frame (canvas)
``/<f>/admin/registrations``                 admin: registered tools, "Register Reciprocal"
``/<f>/admin/register``                      admin: the tool's registration page in an iframe
``/<f>/admin/api/registration-tokens``       POST: mint a registration token (JSON)
``/<f>/admin/api/registrations[/<cid>]``     GET: registered tools (JSON)
``/<f>/admin/api/ags-faults``                GET, PUT: AGS fault injection and throttling
``/<f>/admin/api/score-counts``              GET: score POSTs per line item and person
``/<f>/courses/<id>/gradebook/columns/<li>`` GET confirm, POST delete a column
``/<f>/api/courses/<id>/memberships``        NRPS memberships (limit, from, role, since)
``/<f>/api/courses/<id>/lineitems``          AGS line items container (GET, POST)
``/<f>/api/courses/<id>/lineitems/<li>``     AGS line item (GET, PUT, DELETE)
``…/lineitems/<li>/scores``                  AGS scores (POST)
``…/lineitems/<li>/results``                 AGS results (GET)
``/mail``                                    the mail its SMTP server received (``mail_server``)
``/healthz``                                 liveness probe
==========================================  ===============================================
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask

from config.settings import ROOT

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

SHARED_SETTINGS = (
    "SECRET_KEY",
    "SQLALCHEMY_DATABASE_URI",
    "SQLALCHEMY_ENGINE_OPTIONS",
    "SQLALCHEMY_BINDS",
    "TESTING",
    "DEBUG",
    "HTTP_TIMEOUT_SECONDS",
    "DEMO_LMS_HOST",
    "DEMO_LMS_AGS_FAULTS",
    "DEMO_LMS_FAULT_SEED",
    "DEMO_LMS_AGS_SLOW_SECONDS",
    "DEMO_LMS_AGS_RATE_LIMIT",
    "LOG_LEVEL",
)


class HostDispatcher:
    """WSGI middleware: requests for ``lms_host`` (any port) go to the LMS, others to the tool."""

    def __init__(self, tool: WSGIApp, lms: WSGIApp, lms_host: str) -> None:
        self.tool = tool
        self.lms = lms
        self.lms_host = lms_host.lower()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        target = self.lms if name.lower() == self.lms_host else self.tool
        return target(environ, start_response)


def create_demo_lms_app(tool_app: Flask) -> Flask:
    """Build the demo LMS app with the tool app's database and secrets."""
    from lti_tool.core.transaction import App
    from lti_tool.demo_lms.faults import check_config
    from lti_tool.demo_lms.views import register_views
    from lti_tool.extensions import db

    lms = App(  # every request one unit of work, as in the tool
        "lti_tool.demo_lms",
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "lti_tool" / "demo_lms" / "static"),
        static_url_path="/_static",
    )
    for name in SHARED_SETTINGS:
        if name in tool_app.config:
            lms.config[name] = tool_app.config[name]
    lms.config["SESSION_COOKIE_NAME"] = "demo_lms_session"
    lms.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    with lms.app_context():
        check_config()
    db.init_app(lms)
    share_engines(tool_app, lms)
    register_views(lms)
    return lms


def share_engines(tool_app: Flask, lms: Flask) -> None:
    """Let the LMS use the tool's engines: one pool per process, and one in-memory SQLite.

    Flask-SQLAlchemy keeps engines per app in ``_app_engines``; when that private detail is
    absent the LMS simply keeps its own engines on the same URL.
    """
    from lti_tool.extensions import db

    engines = getattr(db, "_app_engines", None)
    if engines is None or tool_app not in engines or lms not in engines:
        return
    for engine in engines[lms].values():
        engine.dispose()
    engines[lms] = engines[tool_app]


def mount_demo_lms(app: Flask) -> Flask:
    """Serve the demo LMS from ``app``'s server on the ``DEMO_LMS_HOST`` host name."""
    lms = create_demo_lms_app(app)
    app.extensions["demo_lms"] = lms
    app.wsgi_app = HostDispatcher(app.wsgi_app, lms, app.config["DEMO_LMS_HOST"])  # type: ignore[method-assign]
    return lms
