"""The transaction boundary (core/transaction.py): one unit of work per request, job and
command — committed at its end, rolled back on an exception or an error response, with the
jobs it parked sent only after a successful commit.

The requests go over HTTP to an app of their own (same database as the suite) with a few
routes that write an audit event and then succeed, refuse or fail.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import click
import pytest
import sqlalchemy as sa
from flask import Blueprint, Flask, jsonify, request

from lti_tool import create_app
from lti_tool.core.audit import AuditEvent, record_event
from lti_tool.core.security import csrf_exempt
from lti_tool.core.transaction import CommandGroup, keep_work, separate_unit
from lti_tool.errors import DomainError, LaunchError
from lti_tool.extensions import db
from lti_tool.jobs import Job
from lti_tool.jobs.after_commit import hold

sent_jobs: list[str] = []  # jobs "sent" by the routes below, by marker


def _write(marker: str) -> None:
    record_event("tests", "transaction.test", marker)


def _park(marker: str) -> None:
    hold(lambda: sent_jobs.append(marker), f"test job {marker}")


def _database_goes_away() -> None:
    """The database stops taking writes before the commit: a PostgreSQL connection that is
    cut (its server process terminated), a SQLite database that turns read-only."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        pid = connection.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        with db.engine.connect() as other:
            other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            other.commit()
    else:
        connection.exec_driver_sql("PRAGMA query_only = ON")


routes = Blueprint("transaction_test", __name__)


@routes.post("/t/<marker>/<outcome>")
@csrf_exempt
def act(marker: str, outcome: str):
    _write(marker)
    _park(marker)
    if outcome == "raise":
        raise RuntimeError("a bug after the write")
    if outcome == "refuse":
        raise DomainError("Refused after the write.")
    if outcome == "error-response":
        return jsonify(problem="refused"), 422
    if outcome == "keep":
        keep_work()
        raise LaunchError("Refused, but what it learned stands.")
    if outcome == "conflict":
        db.session.add(
            AuditEvent(
                id=int(request.args["id"]), actor="tests", action="transaction.test", subject="dup"
            )
        )
    if outcome == "database-down":
        _database_goes_away()
    if outcome == "separate":
        with separate_unit():
            _write(marker + "-progress")
        raise RuntimeError("the job's own work fails after its progress was written")
    return jsonify(ok=True)


@pytest.fixture
def boundary_app(app: Flask, database_url: str) -> Iterator[Flask]:
    """An app of its own (own engine) on the suite's migrated database."""
    own = create_app(
        {"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": database_url, "DEMO_LMS_ENABLED": False}
    )
    own.register_blueprint(routes)
    sent_jobs.clear()
    yield own
    with own.app_context():
        db.engine.dispose()


def stored(app: Flask, marker: str) -> int:
    with app.app_context():
        count = db.session.scalar(
            sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.subject == marker)
        )
        db.session.remove()
        return count


@pytest.fixture
def marker() -> str:
    return uuid.uuid4().hex


def post(app: Flask, marker: str, outcome: str, **query: object):
    return app.test_client().post(
        f"/t/{marker}/{outcome}", query_string=query, headers={"Accept": "text/html"}
    )


def test_a_request_that_succeeds_is_committed_and_sends_its_jobs_once(boundary_app, marker):
    response = post(boundary_app, marker, "ok")
    assert response.status_code == 200
    assert stored(boundary_app, marker) == 1
    assert sent_jobs == [marker]


@pytest.mark.parametrize(
    ("outcome", "status"),
    [
        ("raise", 500),
        ("refuse", 409),
        ("error-response", 422),
    ],
)
def test_a_request_that_fails_leaves_nothing_and_sends_no_job(
    boundary_app, marker, outcome, status
):
    response = post(boundary_app, marker, outcome)
    assert response.status_code == status
    assert "Traceback" not in response.text
    assert stored(boundary_app, marker) == 0
    assert sent_jobs == []


def test_a_refusal_that_keeps_its_work_commits_it(boundary_app, marker):
    """The launch's refusals keep what they learned (a pending deployment, fresh keys)."""
    response = post(boundary_app, marker, "keep")
    assert response.status_code == 400
    assert "Refused, but what it learned stands." in response.text
    assert stored(boundary_app, marker) == 1
    assert sent_jobs == [marker]


def test_a_separate_unit_stands_when_the_request_fails(boundary_app, marker):
    response = post(boundary_app, marker, "separate")
    assert response.status_code == 500
    assert stored(boundary_app, marker + "-progress") == 1
    assert stored(boundary_app, marker) == 0


def test_a_commit_that_conflicts_gives_a_409_page_and_nothing_is_applied(boundary_app, marker):
    with boundary_app.app_context():
        _write("taken-" + marker)
        db.session.commit()
        taken = db.session.scalar(
            sa.select(AuditEvent.id).where(AuditEvent.subject == "taken-" + marker)
        )
    response = post(boundary_app, marker, "conflict", id=taken)
    assert response.status_code == 409
    assert "That was changed at the same time" in response.text
    assert "Nothing was saved" in response.text
    assert stored(boundary_app, marker) == 0
    assert sent_jobs == []


def test_a_commit_to_a_database_that_went_away_gives_a_503_page(boundary_app, marker):
    response = post(boundary_app, marker, "database-down")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert "The tool&#39;s database is not available" in response.text
    assert "Traceback" not in response.text
    assert sent_jobs == []
    with boundary_app.app_context():
        db.engine.dispose()  # no connection left read-only or cut
    assert stored(boundary_app, marker) == 0


def test_a_commit_failure_answers_json_to_json_clients(boundary_app, marker):
    with boundary_app.app_context():
        _write("taken-" + marker)
        db.session.commit()
        taken = db.session.scalar(
            sa.select(AuditEvent.id).where(AuditEvent.subject == "taken-" + marker)
        )
    response = boundary_app.test_client().post(
        f"/t/{marker}/conflict", query_string={"id": taken}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 409
    assert response.json["status"] == 409


def _job_that_writes(marker: str, fail: bool) -> None:
    _write(marker)
    _park(marker)
    if fail:
        raise RuntimeError("the job fails after writing")


def test_a_job_that_raises_leaves_nothing_and_one_that_returns_is_committed(boundary_app, marker):
    job = Job(_job_that_writes)
    with boundary_app.app_context():
        with pytest.raises(RuntimeError):
            job(marker, True)
        assert sent_jobs == []
        job(marker + "-ok", False)
        assert sent_jobs == [marker + "-ok"]
    assert stored(boundary_app, marker) == 0
    assert stored(boundary_app, marker + "-ok") == 1


def test_a_command_that_fails_leaves_nothing(boundary_app, marker):
    group = CommandGroup("transaction-test")

    @group.command("write")
    @click.argument("subject")
    @click.option("--fail", is_flag=True)
    def write(subject: str, fail: bool) -> None:
        _write(subject)
        _park(subject)
        if fail:
            raise click.ClickException("it failed after writing")

    boundary_app.cli.add_command(group)
    runner = boundary_app.test_cli_runner()
    failed = runner.invoke(args=["transaction-test", "write", marker, "--fail"])
    assert failed.exit_code == 1 and "it failed after writing" in failed.output
    assert stored(boundary_app, marker) == 0
    assert sent_jobs == []
    done = runner.invoke(args=["transaction-test", "write", marker + "-ok"])
    assert done.exit_code == 0, done.output
    assert stored(boundary_app, marker + "-ok") == 1
    assert sent_jobs == [marker + "-ok"]
