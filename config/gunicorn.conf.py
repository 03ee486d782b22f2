"""gunicorn settings for `make run` (and a sane start for production).

Threaded workers: Dynamic Registration makes the tool call back into the demo LMS on the same
server while the first request is still in flight, so each worker must serve several requests.

On first start the demo LMS registers itself with the tool through Dynamic Registration:
``when_ready`` starts a daemon thread that waits for the server to answer and then, for every
flavour with no registered tool yet, plays both admins: the tool's, who mints a registration
URL for that flavour's issuer (an app built in the master, the same service as
``flask platforms invite``), and the LMS's, who registers with it (``register_tool``). It needs
``TOOL_URL`` and ``LMS_URL`` (set by the Makefile's ``run`` target); without them it does nothing.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

workers = int(os.environ.get("WEB_CONCURRENCY", os.cpu_count() or 2))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "2"))  # more threads lose to the GIL
timeout = 60
graceful_timeout = 20
# Idle keep-alive connections stay open longer than a proxy keeps its idle upstream ones
# (nginx: keepalive_timeout 60 s in config/nginx/reciprocal.conf), so the proxy closes them,
# never gunicorn in the instant the proxy sends the next request on one (a reset, or a 502
# for a POST the proxy cannot retry). gunicorn's own default is 2 s.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "75"))
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None  # empty: no access log
errorlog = "-"
# The path without its query string: Dynamic Registration puts a registration token there.
# SafeLogger masks the launch id in it (/s/…/home) and escapes control characters.
# The last field is the request id (X-Request-ID), also on the app's log lines and error pages.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss "%(a)s" %({x-request-id}o)s'
logger_class = "lti_tool.core.gunicorn_logging.SafeLogger"

READY_TIMEOUT_SECONDS = 60
# A thread back from socket or database I/O waits for the GIL until the running thread lets
# go; Python's default 5 ms switch interval shows up directly in tail latency.
GIL_SWITCH_INTERVAL_SECONDS = float(os.environ.get("GIL_SWITCH_INTERVAL_SECONDS", "0.0005"))


def on_starting(server: Any) -> None:
    """Prometheus multiprocess mode: the workers' metric files start from an empty directory
    (values of an earlier run would be summed in otherwise)."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        for name in os.listdir(directory):
            if name.endswith(".db"):
                os.remove(os.path.join(directory, name))


def child_exit(server: Any, worker: Any) -> None:
    """A worker that exits stops counting in the live gauges of /metrics."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker: Any) -> None:
    import sys

    sys.setswitchinterval(GIL_SWITCH_INTERVAL_SECONDS)


def when_ready(server: Any) -> None:
    tool_url, lms_url = os.environ.get("TOOL_URL"), os.environ.get("LMS_URL")
    if not tool_url or not lms_url:
        return
    # Import here, in the master's main thread: a module half-imported by the thread when
    # gunicorn forks a worker would leave its import lock held in the worker for ever.
    import requests  # noqa: F401

    from lti_tool import create_app  # noqa: F401
    from lti_tool.demo_lms import cli, registration  # noqa: F401

    thread = threading.Thread(
        target=register_demo_flavours,
        args=(tool_url, lms_url, server.log),
        name="demo-registration",
        daemon=True,
    )
    thread.start()


def register_demo_flavours(tool_url: str, lms_url: str, log: Any) -> None:
    """Register the tool in each flavour of the demo LMS that has no tool yet."""
    import requests

    from lti_tool import create_app
    from lti_tool.demo_lms.cli import demo_registration_url
    from lti_tool.demo_lms.flavours import FLAVOURS
    from lti_tool.demo_lms.registration import (
        RegistrationFailed,
        list_registered,
        register_tool,
    )
    from lti_tool.extensions import db

    if not _wait_until_up(f"{lms_url.rstrip('/')}/healthz", requests):
        log.warning("demo LMS: %s did not answer; not registering the tool", lms_url)
        return
    app = None
    for flavour in FLAVOURS:
        try:
            existing = list_registered(lms_url, flavour)
            if existing:
                log.info(
                    "demo LMS %s: tool already registered (client_id %s)",
                    flavour,
                    existing[-1]["client_id"],
                )
                continue
            if app is None:
                app = create_app()
            with app.app_context():
                registration_url = demo_registration_url(
                    tool_url, lms_url, flavour, "make run (demo LMS registration)"
                )
                db.engine.dispose()  # no connection of the master's outlives this
            result = register_tool(lms_url, flavour, registration_url)
            log.info(
                "demo LMS %s: registered the tool by Dynamic Registration "
                "(client_id %s, deployment %s)",
                flavour,
                result.client_id,
                result.deployment_id,
            )
        except (RegistrationFailed, requests.RequestException, KeyError, ValueError) as exc:
            log.warning("demo LMS %s: registration failed: %s", flavour, exc)


def _wait_until_up(url: str, requests: Any) -> bool:
    time.sleep(1.0)  # let the master fork its first workers before this thread does I/O
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.5)
    return False
