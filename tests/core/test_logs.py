"""What reaches the logs: no launch id, token or secret, and no line forged from a request."""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
from flask_migrate import upgrade

from lti_tool import create_app
from lti_tool.core.logs import clean, format_exception, redact
from lti_tool.demo_lms.registration import register_tool
from lti_tool.demo_lms.seed import seed_demo
from lti_tool.extensions import db
from lti_tool.platforms.invites import invite_url, mint_invite
from tests.support.gunicorn import free_port, gunicorn_served
from tests.support.launching import LEARNER, Platform
from tests.support.live_server import LiveServer
from tests.support.lti_browser import LtiBrowser


def launch_id_of(url: str) -> str:
    return re.search(r"/s/([^/]+)/", url).group(1)


@contextmanager
def captured_logs() -> Iterator[io.StringIO]:
    """The formatted output of every record that reaches the root logger."""
    output = io.StringIO()
    handler = logging.StreamHandler(output)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield output
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def test_a_launch_logs_no_launch_id(spec: Platform) -> None:
    with captured_logs() as output:
        page = spec.launch(LEARNER)
        assert page.status_code == 200
        launch_id = launch_id_of(page.url)
        assert requests.get(page.url, timeout=10).status_code == 200
    logged = output.getvalue()
    assert "/s/…/" in logged, "the test server's request log shows the masked path"
    assert launch_id not in logged


def test_a_forged_log_line_from_a_request_is_escaped(live_server: LiveServer) -> None:
    """POST /lti/launch with an ``error`` holding a newline used to start a log line of its
    own."""
    forged = "WARNING lti_tool.platforms: admin signed in"
    with captured_logs() as output:
        response = requests.post(
            f"{live_server.tool_url}/lti/launch",
            data={
                "error": f"x\n{forged}",
                "error_description": "\x1b[31mred\x1b[0m\r\u2028\x85\x00end",
            },
            timeout=10,
        )
    assert response.status_code == 400
    assert "Your LMS reported a problem" in response.text
    logged = output.getvalue()
    assert not any(line.startswith(forged) for line in logged.splitlines())
    assert f"x\\n{forged}" in logged  # still readable
    # The form's own hygiene strips most controls before the view sees them (core/input.py);
    # what reaches the log is escaped, never raw.
    assert "\\r\\u2028" in logged
    assert not any(char in logged for char in "\x1b\x85\x00\r\u2028")
    assert "\x1b" not in logged and "\r" not in logged


def test_redaction() -> None:
    token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"
    assert redact("GET /s/abcDEF_-123/home") == "GET /s/…/home"
    assert redact("http://127.0.0.1:5000/s/abc") == "http://127.0.0.1:5000/s/…"
    assert redact(f"id_token {token} sent") == "id_token [redacted] sent"
    assert redact("Authorization: Bearer opaque-123") == "Authorization: Bearer [redacted]"
    assert redact("https://lms/conf?registration_token=xyz&x=1") == (
        "https://lms/conf?registration_token=[redacted]&x=1"
    )
    assert redact("/spec/courses/1/launch?user=a") == "/spec/courses/1/launch?user=a"
    # An LMS administrator's admin pages carry the launch id in the query (gunicorn's
    # "Error handling request" line and Werkzeug's request log show it).
    assert redact("GET /admin/?launch=abc_-1&x=1 HTTP/1.1") == (
        "GET /admin/?launch=[redacted]&x=1 HTTP/1.1"
    )
    assert redact("/lti/register?invite=abc") == "/lti/register?invite=[redacted]"
    assert clean("a\tb\nc") == "a\tb\\nc"


def test_a_traceback_keeps_its_lines_but_not_a_forged_one() -> None:
    try:
        raise ValueError("bad input\nERROR forged line for /s/secret-launch/home")
    except ValueError:
        text = format_exception(sys.exc_info())
    lines = text.splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert lines[-1] == "ValueError: bad input\\nERROR forged line for /s/…/home"


# -- gunicorn with the project's configuration ------------------------------------------


def test_gunicorn_logs_show_no_launch_id(tmp_path: Path) -> None:
    port = free_port()
    tool, lms = f"http://127.0.0.1:{port}", f"http://localhost:{port}"
    env = {
        "RECIPROCAL_ENV": "development",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'tool.sqlite3'}",
        "QUEUE_URL": f"sqlite:///{tmp_path / 'queue.sqlite3'}",
        "GUNICORN_ACCESS_LOG": "-",
        "LOG_LEVEL": "INFO",
    }
    prepared = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"]})
    with prepared.app_context():
        upgrade()
        seed_demo(tool, lms)
        register_url = invite_url(
            f"{tool}/lti/register", mint_invite(actor="tests", ttl=dt.timedelta(hours=1)).token
        )
        db.session.commit()
        db.engine.dispose()
    with gunicorn_served(
        env,
        port=port,
        workers=1,
        threads=4,
        log_path=tmp_path / "server.log",
        log_level="info",
        ready_host="localhost",
    ) as server:
        registration = register_tool(lms, "spec", register_url)
        page = LtiBrowser(lms).launch("spec", LEARNER, client_id=registration.client_id)
        assert page.status_code == 200, page.text[:500]
        launch_id = launch_id_of(page.url)
        assert requests.get(page.url, timeout=10).status_code == 200
        # A path with a newline (%0A decodes to one in PATH_INFO) and an unknown route.
        requests.get(f"{tool}/s/{launch_id}/x%0AFORGED%20line", timeout=10)
    logged = server.logged()
    assert '"GET /s/…/ HTTP/1.1" 200' in logged, logged[-3000:]
    assert launch_id not in logged
    assert '"GET /s/…/x\\nFORGED line HTTP/1.1" 404' in logged
    assert not any(line.startswith("FORGED") for line in logged.splitlines())
