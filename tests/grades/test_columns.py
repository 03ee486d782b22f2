"""Columns made from inside the tool (once, even under two concurrent pushes; made again
after a teacher deleted one), the shared token cache, reconciliation, and the designer's
gradebook page (designer only, this course only)."""

from __future__ import annotations

import re
import threading

import requests
import sqlalchemy as sa

from lti_tool import create_app
from lti_tool.core.audit import AuditEvent
from lti_tool.demo_lms.models import DemoAccessToken
from lti_tool.extensions import db
from lti_tool.jobs import get_huey
from lti_tool.learning.ags import Score, list_line_items, post_score, read_results
from lti_tool.learning.grades.line_items import ensure_line_item, ensure_path_line_item
from lti_tool.learning.grades.models import GradeSend
from lti_tool.learning.grades.reconcile import reconcile_path
from lti_tool.learning.models import LineItemLink
from lti_tool.platforms import service_client
from lti_tool.platforms.models import Platform as PlatformRow
from lti_tool.roster.models import Course, Person
from tests.grades.support import make_graded
from tests.matching.test_programs import enter, enter_other_course
from tests.support.launching import LEARNER


def test_two_concurrent_pushes_make_one_column(platform, app) -> None:
    graded = make_graded(platform)
    step_id = graded.graded_step_ids[0]
    urls: list[str] = []
    start = threading.Barrier(2)

    errors: list[BaseException] = []

    def push() -> None:
        with app.app_context():
            start.wait()
            try:
                urls.append(ensure_line_item(graded.course_id, step_id))
            except BaseException as exc:  # shown by the assertion below
                errors.append(exc)

    threads = [threading.Thread(target=push) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert len(urls) == 2 and urls[0] == urls[1]
    with app.app_context():
        platform_row = db.session.get(PlatformRow, graded.platform_id)
        course = db.session.get(Course, graded.course_id)
        found = list_line_items(
            platform_row, course.lineitems_url, resource_id=graded.public_id(step_id)
        )
    assert len(found) == 1


def test_a_deleted_column_is_made_again_and_the_designer_told(spec, app) -> None:
    graded = make_graded(spec)
    step_id = graded.graded_step_ids[0]
    with app.app_context():
        url = ensure_line_item(graded.course_id, step_id)
        # Made first: the demo LMS on SQLite would give a new column the deleted one's id.
        ensure_path_line_item(graded.course_id, graded.path_id)
        platform_row = db.session.get(PlatformRow, graded.platform_id)
        service_client.service_request(
            platform_row, "DELETE", url, (service_client.AGS_LINEITEM,), accept="*/*"
        )
    graded.complete(step_id)
    for _ in range(3):
        graded.drain()
    with app.app_context():
        link = db.session.scalars(sa.select(LineItemLink).filter_by(step_id=step_id)).one()
        assert link.line_item_url  # (SQLite may give the new column the old id)
        assert "no longer exists" in link.notice
        row = db.session.scalars(sa.select(GradeSend).filter_by(step_id=step_id)).one()
        assert row.state == "sent"
    counts = graded.counts(resource_id=graded.public_id(step_id))
    assert len({c["line_item_id"] for c in counts["counts"]}) == 1
    assert counts["totals"]["applied"] == 1


def run_grade_jobs(app) -> int:
    """Run the queued grade jobs only; the others (e.g. roster syncs that designer launches
    queued) go back to the queue untouched, as other tests expect."""
    ran, others = 0, []
    with app.app_context():
        huey = get_huey()
        while (task := huey.dequeue()) is not None:
            if task.name in ("push_path_columns", "drain_grades"):
                huey.execute(task)
                ran += 1
            else:
                others.append(task)
        for task in others:
            huey.enqueue(task)
    return ran


def _issued(spec) -> int:
    return requests.get(
        f"{spec.lms_url}/spec/admin/api/token-counts",
        params={"client_id": spec.client_id},
        timeout=10,
    ).json()["issued"]


def test_token_cache_is_shared_by_two_app_instances(spec, app) -> None:
    other = create_app(
        {
            "ENV_NAME": "testing",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "DEMO_LMS_ENABLED": True,
        }
    )
    count = sa.select(sa.func.count()).select_from(DemoAccessToken)
    with app.app_context():
        row = db.session.scalars(sa.select(PlatformRow).filter_by(client_id=spec.client_id)).one()
        platform_id = row.id
        service_client.forget_tokens(row)
        db.session.commit()
        before = db.session.scalar(count)
    issued_before = _issued(spec)
    with app.app_context():
        row = db.session.get(PlatformRow, platform_id)
        first = service_client.access_token(row, [service_client.AGS_SCORE])
        db.session.rollback()
    service_client._tokens.clear()  # the other instance: another process's empty memory
    with other.app_context():
        row = db.session.get(PlatformRow, platform_id)
        second = service_client.access_token(row, [service_client.AGS_LINEITEM])
        db.session.rollback()
    with other.app_context():
        db.engine.dispose()
    with app.app_context():
        assert db.session.scalar(count) == before + 1
    assert _issued(spec) == issued_before + 1, "counted by the demo LMS's admin API too"
    assert first == second, "one token for every AGS scope the platform granted"


def test_reconciliation_sends_a_changed_value_again(spec, app) -> None:
    graded = make_graded(spec)
    step_id = graded.graded_step_ids[0]
    graded.complete(step_id)
    graded.drain()
    with app.app_context():
        url = ensure_line_item(graded.course_id, step_id)
        platform_row = db.session.get(PlatformRow, graded.platform_id)
        sub = db.session.get(Person, graded.mentor_id).sub
        from lti_tool.core.time import utcnow

        post_score(platform_row, url, Score(sub, 1, 100, utcnow()))  # a teacher's change
        queued, problems = reconcile_path(graded.course_id, graded.path_id)
        db.session.commit()
    assert queued == 1 and problems == []
    graded.drain()
    with app.app_context():
        platform_row = db.session.get(PlatformRow, graded.platform_id)
        results = read_results(platform_row, url, user_id=sub)
        row = db.session.scalars(sa.select(GradeSend).filter_by(step_id=step_id)).one()
    assert results[0]["resultScore"] == row.score_given and row.state == "sent"


def test_gradebook_page_is_for_this_courses_designer_only(spec, app) -> None:
    graded = make_graded(spec)
    graded.complete(graded.graded_step_ids[0])
    designer = enter(spec)
    with app.app_context():
        row = db.session.scalars(sa.select(Course).filter_by(id=graded.course_id)).one()
        assert row.id == graded.course_id
    page = designer.get(f"programs/{graded.program_id}/gradebook")
    assert page.status_code == 200, page.text[:300]
    assert "Push to course" in page.text and "Reconcile now" in page.text
    # Columns the tool has not linked yet may well be in the course (deep linking made them):
    # the page does not claim they are missing, and says how they get linked.
    assert "Not pushed yet" not in page.text and "Not linked yet" in page.text
    assert 'data-testid="not-linked-help"' in page.text
    pushed = designer.post(f"programs/{graded.program_id}/gradebook/push", {})
    assert pushed.status_code == 200 and "push-running" in pushed.text
    assert run_grade_jobs(app) >= 1  # the push job
    page = designer.get(f"programs/{graded.program_id}/gradebook")
    done = re.search(r"Last push: (\d+) of (\d+) columns in the course", page.text)
    assert done and done.group(1) == done.group(2), page.text[-3000:]
    columns = int(done.group(1))
    assert columns > len(graded.graded_step_ids)  # each graded step's, and the path's
    assert page.text.count("In the course") >= columns
    assert 'data-testid="not-linked-help"' not in page.text
    reconciled = designer.post(f"programs/{graded.program_id}/gradebook/reconcile", {})
    assert reconciled.status_code == 200 and "Reconciled with the LMS gradebook" in reconciled.text
    with app.app_context():
        actions = db.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.subject == f"path {graded.path_id}")
        ).all()
    assert "grades.reconcile" in actions
    forged = designer.post(f"programs/{graded.program_id}/gradebook/push", {}, token="0" * 64)
    assert forged.status_code in (400, 403)
    learner = enter(spec, LEARNER)
    assert learner.get(f"programs/{graded.program_id}/gradebook").status_code == 403
    assert learner.post(f"programs/{graded.program_id}/gradebook/reconcile", {}).status_code == 403
    stranger = enter_other_course(spec, designer=True)
    assert stranger.get(f"programs/{graded.program_id}/gradebook").status_code == 404
    resent = stranger.post(f"programs/{graded.program_id}/gradebook/send-again", {})
    assert resent.status_code == 404


def test_a_removed_steps_column_is_deleted_in_the_lms_once(platform, app) -> None:
    """The path editor's "delete the column" choice, run for real against the demo LMS: the
    column the tool made goes, and running the job again (a retry) finds it gone (404)."""
    from lti_tool.learning.tasks import delete_step_columns

    graded = make_graded(platform)
    step_id = graded.graded_step_ids[0]
    public_id = graded.public_id(step_id)
    with app.app_context():
        url = ensure_line_item(graded.course_id, step_id)
        platform_row = db.session.get(PlatformRow, graded.platform_id)
        lineitems_url = db.session.get(Course, graded.course_id).lineitems_url

        def columns() -> list[dict]:
            return list_line_items(platform_row, lineitems_url, resource_id=public_id)

        assert [c["id"] for c in columns()] == [url]
        delete_step_columns(graded.course_id, [url], public_id)
        assert columns() == []
        assert requests.get(url, timeout=10).status_code in (401, 404)
        delete_step_columns(graded.course_id, [url], public_id)  # already gone: no error
        assert columns() == []
