"""The audit log: append-only in the application and in the database; who, from where and
in which course; designers read only their course's events, learners none, admins all."""

from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from lti_tool.core.audit import (
    AuditContext,
    AuditEvent,
    AuditLogIsAppendOnly,
    launch_reference,
    record_event,
    set_audit_context,
)
from lti_tool.extensions import db
from lti_tool.matching import decisions
from lti_tool.matching.models import PairStatus
from lti_tool.matching.pairing import execute_run, request_run
from lti_tool.roster.launches import LaunchSession
from tests.matching.pairing_support import Learner, make_cohort
from tests.matching.test_programs import PROGRAM_FORM, enter, enter_other_course
from tests.platforms.test_admin import sign_in
from tests.support.launching import LEARNER, Platform


def _event(app: Flask, marker: str) -> int:
    with app.app_context():
        event = record_event("tests", "tests.append_only", marker)
        db.session.commit()
        return event.id


def test_an_event_cannot_be_changed_or_deleted_through_the_orm(app: Flask) -> None:
    event_id = _event(app, "orm-" + uuid.uuid4().hex)
    with app.app_context():
        event = db.session.get(AuditEvent, event_id)
        event.subject = "rewritten"
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.get(AuditEvent, event_id))
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.flush()
        db.session.rollback()
        assert db.session.get(AuditEvent, event_id).subject.startswith("orm-")


@pytest.mark.parametrize(
    "statement",
    [
        lambda i: sa.update(AuditEvent).where(AuditEvent.id == i).values(subject="rewritten"),
        lambda i: sa.delete(AuditEvent).where(AuditEvent.id == i),
        lambda i: sa.text(
            "UPDATE audit_events SET actor = 'someone else' WHERE id = :i"
        ).bindparams(i=i),
        lambda i: sa.text("DELETE FROM audit_events WHERE id = :i").bindparams(i=i),
    ],
    ids=["orm-bulk-update", "orm-bulk-delete", "sql-update", "sql-delete"],
)
def test_the_database_refuses_statements_that_bypass_the_orm(app: Flask, statement) -> None:
    marker = "db-" + uuid.uuid4().hex
    event_id = _event(app, marker)
    with app.app_context():
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            db.session.execute(statement(event_id))
        db.session.rollback()
        event = db.session.get(AuditEvent, event_id)
        assert (event.subject, event.actor) == (marker, "tests")


def test_admin_sign_ins_and_failures_are_audited_with_the_admin_session(
    client: FlaskClient, app: Flask
) -> None:
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0
    page = client.get("/admin/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert (
        client.post("/admin/login", data={"secret": "wrong", "csrf_token": token}).status_code
        == 401
    )
    sign_in(client)
    with app.app_context():
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.id > before).order_by(AuditEvent.id)
        ).all()
    actions = [e.action for e in events]
    assert "admin.sign_in_failed" in actions and "admin.signed_in" in actions
    signed_in = next(e for e in events if e.action == "admin.signed_in")
    assert re.fullmatch(r"admin session \d+", signed_in.via)
    assert "wrong" not in str([(e.actor, e.subject, e.details) for e in events])


def _cohort_with_pairs():
    cohort = make_cohort(
        [
            Learner("ana", 1, offers=("Social media",), wants=("Strategy",)),
            Learner("ben", 5, offers=("Strategy",), wants=("Social media",)),
            Learner("cy", 1, offers=("Social media",), wants=("Strategy",)),
            Learner("dee", 5, offers=("Strategy",), wants=("Social media",)),
        ]
    )
    execute_run(request_run(cohort.program, cohort.designer.id))
    return cohort


def test_pair_decisions_are_audited_with_reasons_course_and_launch(app_ctx: None) -> None:
    cohort = _cohort_with_pairs()
    designer = cohort.designer
    launch_id = "launch-" + uuid.uuid4().hex
    set_audit_context(
        AuditContext(
            actor="designer",
            person_id=designer.id,
            via=launch_reference(launch_id),
            course_id=cohort.course.id,
            platform_id=cohort.course.platform_id,
        )
    )
    first, second = sorted(cohort.program.pairs, key=lambda p: p.id)[:2]
    pair_ids = (first.mentor_id, first.mentee_id)
    decisions.veto_pair(first, designer.id, "They work in the same team")
    decisions.pair_by_hand(cohort.program, pair_ids[0], second.mentee_id, "Asked to work together")
    decisions.publish_pairs(cohort.program)
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.course_id == cohort.course.id)
        .order_by(AuditEvent.id)
    ).all()
    by_action = {e.action: e for e in events}
    veto = by_action["pair.vetoed"]
    assert veto.details["reason"] == "They work in the same team"
    assert (veto.details["mentor_id"], veto.details["mentee_id"]) == pair_ids
    assert veto.actor_person_id == designer.id and veto.actor == "designer"
    assert veto.via == launch_reference(launch_id) and launch_id not in veto.via
    assert by_action["pair.made_by_hand"].details["reason"] in (None, "Asked to work together")
    assert by_action["pairs.published"].details["pairs"]
    assert by_action["program.active"].details == {
        "program_id": cohort.program.id,
        "from": "matching",
        "to": "active",
    }
    assert any(p.status == PairStatus.ACTIVE for p in cohort.program.pairs)


def _launch(app: Flask, launch_id: str) -> LaunchSession:
    with app.app_context():
        return db.session.get(LaunchSession, launch_id)


def test_designers_see_only_their_course_and_learners_are_refused(spec: Platform) -> None:
    mine = enter(spec)
    other = enter_other_course(spec, designer=True)
    title_mine, title_other = f"Mine {uuid.uuid4().hex[:6]}", f"Other {uuid.uuid4().hex[:6]}"
    for tool, title in ((mine, title_mine), (other, title_other)):
        created = tool.post("programs/new", {**PROGRAM_FORM, "title": title}, allow_redirects=False)
        assert created.status_code == 303, created.text[:400]

    page = mine.get("audit")
    assert page.status_code == 200
    assert "program.created" in page.text and title_mine in page.text
    assert title_other not in page.text
    assert mine.launch_id not in page.text.replace(f"/s/{mine.launch_id}/", "")
    assert launch_reference(mine.launch_id) in page.text
    assert "UTC" in page.text
    assert "Audit log" in mine.get("").text  # linked from the designer's home

    other_page = other.get("audit?kind=program")
    assert title_other in other_page.text and title_mine not in other_page.text

    learner = enter(spec, LEARNER)
    refused = learner.get("audit")
    assert refused.status_code == 403
    assert title_mine not in refused.text


def test_filters_by_kind_and_date_and_pages(spec: Platform, app: Flask) -> None:
    tool = enter_other_course(spec, designer=True)
    course_id = _launch(app, tool.launch_id).course_id
    with app.app_context():
        for n in range(53):
            record_event("tests", "tests.filler", f"filler {n}", course_id=course_id)
        record_event("tests", "program.closed", "program 0", course_id=course_id)
        db.session.commit()
    first = tool.get("audit")
    assert "54 events" in first.text and "page 1 of 2" in first.text
    second = tool.get("audit?page=2")
    assert "filler 0" in second.text and "filler 52" not in second.text
    only = tool.get("audit?kind=program")
    assert "1 event" in only.text and "filler" not in only.text
    assert "0 events" in tool.get("audit?since=2999-01-01").text
    assert "54 events" in tool.get("audit?until=2999-01-01").text
    bad = tool.get("audit?since=yesterday")
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.text and "Traceback" not in bad.text


def test_the_admin_sees_every_course_and_an_anonymous_visitor_nothing(
    client: FlaskClient, app: Flask
) -> None:
    marker = "admin-view-" + uuid.uuid4().hex[:8]
    with app.app_context():
        record_event("tests", "tests.admin_view", marker, course_id=987654)
        db.session.commit()
    assert client.get("/admin/audit").status_code == 303  # to the sign-in page
    sign_in(client)
    page = client.get("/admin/audit?kind=tests").get_data(as_text=True)
    assert marker in page
    assert "Full audit log" in client.get("/admin/").get_data(as_text=True)
