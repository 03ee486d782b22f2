"""Operations: liveness and readiness probes and Prometheus metrics for the whole site.

``/healthz`` (alive), ``/readyz`` (database, queue and signing key reachable) and ``/metrics``
(protected by ``METRICS_TOKEN`` or ``METRICS_ALLOWED_NETWORKS``); README "Production". This
package sits at the top beside ``home``: it reads the domains, nothing imports it but
``create_app``.
"""

from __future__ import annotations

from flask import Flask

from lti_tool.ops.metrics import GradeSends, set_grade_sends_source


def init_ops(app: Flask, grade_sends: GradeSends | None = None) -> None:
    """Mount the probes and /metrics; ``grade_sends`` reports the grade outbox (waiting and
    failed sends) once there is one."""
    from lti_tool.ops.views import bp

    app.register_blueprint(bp)
    set_grade_sends_source(app, grade_sends)
