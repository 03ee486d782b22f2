"""``/healthz``, ``/readyz`` and ``/metrics`` (README "Production: health and metrics")."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST

from lti_tool.ops.health import readiness
from lti_tool.ops.metrics import metrics_access, render_metrics

bp = Blueprint("ops", __name__)


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
def healthz() -> Response:
    """The process is alive and answers; nothing else is asked (no database call)."""
    return _no_store(jsonify(status="alive"))


@bp.get("/readyz")
def readyz() -> Response:
    """200 when the database, the queue and the signing key answer; 503 naming what fails."""
    results = readiness(current_app._get_current_object())  # type: ignore[attr-defined]
    failing = [name for name, result in results.items() if not result.ok]
    response = jsonify(
        status="not ready" if failing else "ready",
        failing=failing,
        checks={name: result.as_json() for name, result in results.items()},
    )
    response.status_code = 503 if failing else 200
    return _no_store(response)


@bp.get("/metrics")
def metrics() -> Response:
    """Prometheus metrics, for a scraper with ``METRICS_TOKEN`` or from an allowed network."""
    config = current_app.config
    if not metrics_access(config, request.headers.get("Authorization"), request.remote_addr):
        if config.get("METRICS_TOKEN"):
            hint = "Send the header 'Authorization: Bearer <METRICS_TOKEN>'."
        else:
            hint = "Set METRICS_TOKEN (or METRICS_ALLOWED_NETWORKS) on the tool's servers."
        response = jsonify(error="Metrics are not public", hint=hint, status=401)
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return _no_store(response)
    body = render_metrics(current_app._get_current_object())  # type: ignore[attr-defined]
    return _no_store(Response(body, mimetype=CONTENT_TYPE_LATEST))
