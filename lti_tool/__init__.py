"""Reciprocal: reverse-mentoring programs inside the LMS, as an LTI 1.3 tool.

``create_app`` only wires things together: settings, extensions, blueprints, error handlers,
CLI commands, and — when enabled — the built-in demo LMS on its own host name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config.settings import ROOT, config_for
from lti_tool.core import database
from lti_tool.core.i18n import init_i18n
from lti_tool.core.json_logs import configure_logging
from lti_tool.core.logs import install_log_safety
from lti_tool.core.request_id import init_request_id
from lti_tool.core.transaction import App
from lti_tool.extensions import db, migrate


def create_app(config: Mapping[str, Any] | str | None = None) -> Flask:
    """Build the tool's Flask app.

    ``config`` is an environment name (``development``, ``testing``, ``production``) or a
    mapping of settings applied over the testing/env defaults.
    """
    app = App(  # every request one unit of work: core/transaction.py
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "lti_tool" / "static"),
    )
    load_settings(app, config)
    configure_logging(app.config["LOG_LEVEL"], app.config["LOG_FORMAT"])
    install_log_safety()  # no launch id, token or raw newline from a request reaches a log
    init_request_id(app)
    init_i18n(app)

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = database.engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"],
        app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}),
        connect_timeout=app.config["DATABASE_CONNECT_TIMEOUT_SECONDS"],
    )
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    import_models()
    import_tasks()

    from lti_tool.jobs import init_jobs

    init_jobs(app)

    from lti_tool.errors import register_error_handlers

    register_error_handlers(app)
    register_launch_loader(app)
    connect_signal_receivers()
    register_blueprints(app)

    from lti_tool.learning.grades.status import outbox_counts
    from lti_tool.ops import init_ops

    init_ops(app, grade_sends=outbox_counts)  # /healthz, /readyz, /metrics

    from lti_tool.core.http import init_outbound
    from lti_tool.core.ratelimit import init_rate_limits

    init_outbound(app)
    init_rate_limits(app)

    from lti_tool.core.security import register_security
    from lti_tool.lti.framing import frame_ancestors

    register_security(app, frame_ancestors=frame_ancestors)

    from lti_tool.cli import register_cli

    register_cli(app)

    if app.config["DEMO_LMS_ENABLED"]:
        from lti_tool.demo_lms import mount_demo_lms

        mount_demo_lms(app)
    if app.config["PROXY_FIX_HOPS"]:
        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)
    return app


def load_settings(app: Flask, config: Mapping[str, Any] | str | None) -> None:
    if isinstance(config, Mapping):
        app.config.from_object(config_for(config.get("ENV_NAME", "testing")))
        app.config.update(config)
    else:
        app.config.from_object(config_for(config))
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY is not set: export SECRET_KEY=<a long random string>")
    if app.config.get("REQUIRE_TRUSTED_BASE_URL") and not (
        app.config.get("TOOL_BASE_URL") or app.config.get("TRUSTED_HOSTS")
    ):
        raise RuntimeError(
            "TOOL_BASE_URL is not set: in production the tool's URLs must not come from the "
            "request's Host header. export TOOL_BASE_URL=https://<the tool's public host> "
            "(or TRUSTED_HOSTS=<host>[,<host>…] to accept only those Host headers)"
        )


def import_models() -> None:
    """Import every model module so metadata (and Alembic autogenerate) sees all tables."""
    from lti_tool.core import audit as _audit  # noqa: F401
    from lti_tool.demo_lms import models as _demo_models  # noqa: F401
    from lti_tool.jobs import ledger as _job_ledger  # noqa: F401
    from lti_tool.learning import models as _learning_models  # noqa: F401
    from lti_tool.learning.grades import models as _grades_models  # noqa: F401
    from lti_tool.learning.notifications import models as _outbox_models  # noqa: F401
    from lti_tool.lti import models as _lti_models  # noqa: F401
    from lti_tool.matching import models as _matching_models  # noqa: F401
    from lti_tool.platforms import admin_sessions as _admin_sessions  # noqa: F401
    from lti_tool.platforms import models as _platform_models  # noqa: F401
    from lti_tool.platforms import token_store as _token_store  # noqa: F401
    from lti_tool.roster import launches as _roster_launches  # noqa: F401
    from lti_tool.roster import models as _roster_models  # noqa: F401


def import_tasks() -> None:
    """Import each domain's tasks module: ``@job`` registers its jobs before ``init_jobs``."""
    from lti_tool.jobs import tasks as _jobs_tasks  # noqa: F401  (the lost-job sweep)
    from lti_tool.learning import tasks as _learning_tasks  # noqa: F401
    from lti_tool.learning.grades import tasks as _grades_tasks  # noqa: F401
    from lti_tool.learning.notifications import tasks as _mail_tasks  # noqa: F401
    from lti_tool.lti import tasks as _lti_tasks  # noqa: F401
    from lti_tool.matching import tasks as _matching_tasks  # noqa: F401
    from lti_tool.privacy import tasks as _privacy_tasks  # noqa: F401  (retention)
    from lti_tool.roster import tasks as _roster_tasks  # noqa: F401


def register_launch_loader(app: Flask) -> None:
    """``core.auth``'s decorators load launches through ``roster`` without importing it."""
    from lti_tool.core.auth import register_launch_loader as register
    from lti_tool.roster.launches import get_launch_session

    register(app, get_launch_session)


def connect_signal_receivers() -> None:
    """Domains react to each other's events here, not by importing a views module.

    Connecting the same function again (another ``create_app``) is a no-op in blinker.
    """
    from lti_tool.learning.notifications import events as mail
    from lti_tool.matching.leavers import on_members_left
    from lti_tool.matching.profiles import on_launch_established
    from lti_tool.matching.signals import meeting_time_proposed, pair_ended, pairs_published
    from lti_tool.privacy.signals import person_erased
    from lti_tool.roster.signals import launch_established, members_left

    members_left.connect(on_members_left)
    launch_established.connect(on_launch_established)
    pairs_published.connect(mail.on_pairs_published)
    pair_ended.connect(mail.on_pair_ended)
    meeting_time_proposed.connect(mail.on_meeting_time_proposed)
    person_erased.connect(mail.on_person_erased)


def register_blueprints(app: Flask) -> None:
    from lti_tool.home.views import bp as home_bp
    from lti_tool.learning.editor import bp as path_editor_bp
    from lti_tool.learning.grades.views import bp as grades_bp
    from lti_tool.learning.pages import bp as steps_bp
    from lti_tool.lti.views import bp as lti_bp
    from lti_tool.matching.views import bp as matching_bp
    from lti_tool.platforms.views import bp as platforms_bp
    from lti_tool.privacy.views import bp as privacy_bp
    from lti_tool.roster.views import bp as roster_bp

    app.register_blueprint(lti_bp)
    app.register_blueprint(platforms_bp)
    app.register_blueprint(home_bp)
    app.register_blueprint(matching_bp)
    app.register_blueprint(roster_bp)
    app.register_blueprint(privacy_bp)
    app.register_blueprint(path_editor_bp)
    app.register_blueprint(steps_bp)
    app.register_blueprint(grades_bp)
