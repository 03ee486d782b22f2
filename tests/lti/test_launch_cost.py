"""The launch path's SQL budget: every statement on it is paid on each of thousands of
launches a day, so an extra query is a regression (see bench/launch.py for the figures)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask, has_request_context, request

from tests.support.launching import LEARNER, Platform


@contextmanager
def tool_statements(app: Flask) -> Iterator[Counter]:
    """SQL statements the tool (not the demo LMS beside it) runs, by request path."""
    tool_host = urlsplit(app.config["TOOL_BASE_URL"]).netloc
    counts: Counter = Counter()

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        if has_request_context() and request.host == tool_host:
            counts[request.path] += 1

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
    try:
        yield counts
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)


def test_a_repeat_launch_stays_within_its_sql_budget(spec: Platform) -> None:
    spec.launch(LEARNER)  # person, course, link and the platform's keys are now known
    with tool_statements(spec.app) as counts:
        page = spec.launch(LEARNER)
    assert page.status_code == 200, page.text[:300]
    # Login: the platform, then the new state.
    assert counts["/lti/login"] == 2, counts
    # Launch: state with platform, deployment, the known person/course/membership/link in
    # one query, the session row, the state consumed; and, as this learner's launch carries
    # custom claims, their programs (claim values refresh their profiles here, in the POST,
    # so the home page that follows only reads).
    assert counts["/lti/launch"] == 6, counts
