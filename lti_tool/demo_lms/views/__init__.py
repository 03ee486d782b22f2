"""HTTP views of the demo LMS, one module per area; the only place that commits."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify

from lti_tool.demo_lms.flavours import FLAVOURS
from lti_tool.demo_lms.web import register_error_handlers, security_headers


def register_views(app: Flask) -> None:
    """Every blueprint of the demo LMS, its error pages and the health probe."""
    from lti_tool.demo_lms.views import (
        ags,
        ags_admin,
        deep_linking,
        launch,
        mail,
        nrps,
        pages,
        registration,
        token,
    )

    modules = (registration, launch, token, nrps, ags, ags_admin, deep_linking, pages, mail)
    for module in modules:
        app.register_blueprint(module.bp)
    register_error_handlers(app)
    app.after_request(security_headers)

    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok")

    @app.context_processor
    def inject_flavours() -> dict[str, Any]:
        return {"all_flavours": list(FLAVOURS.values())}
