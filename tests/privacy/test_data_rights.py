"""Data rights over HTTP: the admin exports everything about a person and erases them; after
erasure no table holds their name, email or LMS user id; their partner is told; the CLI does
the same with a confirmation."""

from __future__ import annotations

import json
import re
import uuid

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from lti_tool.core.audit import AuditEvent
from lti_tool.extensions import db
from lti_tool.matching.models import Pair
from lti_tool.privacy.erase import PARTNER_LEFT
from lti_tool.privacy.signals import person_erased
from lti_tool.roster.launches import LaunchSession
from tests.platforms.test_admin import sign_in
from tests.privacy.support import (
    give_records,
    launch_as,
    person_row,
    someone,
    tables_mentioning,
)
from tests.support.launching import Platform


@pytest.fixture
def admin(client: FlaskClient) -> tuple[FlaskClient, str]:
    return client, sign_in(client)


def test_export_holds_everything_about_the_person_and_only_theirs(
    spec: Platform, app: Flask, admin: tuple[FlaskClient, str]
) -> None:
    client, token = admin
    context = f"RIGHTS-{uuid.uuid4().hex[:8]}"
    who, partner = someone(), someone()
    records = give_records(
        app, launch_as(spec, who, context), launch_as(spec, partner, context), who
    )
    issuer = person_row(app, records.person_id).issuer

    found = client.get("/admin/people", query_string={"issuer": issuer, "sub": who.sub})
    assert found.status_code == 200 and who.name in found.get_data(as_text=True)
    missing = client.get("/admin/people", query_string={"issuer": issuer, "sub": "nobody"})
    assert missing.status_code == 404 and "nobody with that LMS user id" in missing.get_data(
        as_text=True
    )

    answer = client.post(f"/admin/people/{records.person_id}/export", data={"csrf_token": token})
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    assert "attachment" in answer.headers["Content-Disposition"]
    data = json.loads(answer.get_data(as_text=True))
    assert data["person"]["email"] == who.email and data["person"]["sub"] == who.sub
    assert [m["course_id"] for m in data["memberships"]]
    assert data["profiles"][0]["goal_note"] == f"Reach me at {who.email}"
    assert [s["direction"] for s in data["profiles"][0]["skills"]] == ["offered"]
    assert [p["id"] for p in data["pairs"]] == [records.pair_id]
    assert len(data["completions"]) == 1 and len(data["agreement_signatures"]) == 1
    private = [m["private_notes"] for m in data["meetings"] if "private_notes" in m]
    assert private == ["my own private note"]  # never the partner's
    assert "the partner's private note" not in answer.get_data(as_text=True)
    assert data["reflections"][0]["text"].endswith("learnt a lot")
    assert data["survey_responses"][0]["answers"][0]["text"] == "Patience, mostly"
    assert partner.email not in answer.get_data(as_text=True)

    with app.app_context():
        exported = db.session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.action == "person.exported", AuditEvent.person_id == records.person_id
            )
        ).all()
    assert exported and re.fullmatch(r"admin session \d+", exported[-1].via)


def test_erase_leaves_no_trace_of_identity_keeps_pairs_and_tells_the_partner(
    spec: Platform, app: Flask, admin: tuple[FlaskClient, str]
) -> None:
    client, token = admin
    context = f"RIGHTS-{uuid.uuid4().hex[:8]}"
    who, partner = someone(), someone()
    tool, partner_tool = launch_as(spec, who, context), launch_as(spec, partner, context)
    records = give_records(app, tool, partner_tool, who)
    assert tables_mentioning(app, who.identifying)  # the scan sees them before
    told: list[tuple[int, dict]] = []

    def receiver(person_id: int, **kwargs: object) -> None:
        told.append((person_id, kwargs))

    person_erased.connect(receiver)
    try:
        url = f"/admin/people/{records.person_id}/erase"
        ask = client.get(url)
        assert ask.status_code == 200 and "cannot be undone" in ask.get_data(as_text=True)
        refused = client.post(url, data={"csrf_token": token, "confirm": "erase"})
        assert refused.status_code == 422 and "in capitals" in refused.get_data(as_text=True)
        assert person_row(app, records.person_id).name == who.name  # nothing applied
        done = client.post(url, data={"csrf_token": token, "confirm": "ERASE"})
        assert done.status_code == 303
    finally:
        person_erased.disconnect(receiver)

    assert tables_mentioning(app, who.identifying) == {}
    assert told == [
        (
            records.person_id,
            {"partner_ids": [records.partner_id], "course_ids": told[0][1]["course_ids"]},
        )
    ]
    erased = person_row(app, records.person_id)
    assert erased.is_erased and erased.sub.startswith("erased-") and erased.email is None
    with app.app_context():
        pair = db.session.get(Pair, records.pair_id)
        assert (pair.mentor_id, pair.mentee_id) == (records.person_id, records.partner_id)
        assert pair.status == "ended" and pair.needs_rematch and pair.end_reason == PARTNER_LEFT
        assert db.session.get(LaunchSession, tool.launch_id) is None
        event = db.session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.action == "person.erased", AuditEvent.person_id == records.person_id
            )
        ).one()
        assert event.details["courses"] == 1

    # The partner's home says their partner left; the erased person's launch is over.
    home = partner_tool.get("")
    assert "Your partner has left the program" in home.text
    assert tool.get("").status_code in (401, 403, 404, 410)
    # Erasing twice is refused with a clear page.
    again = client.post(url, data={"csrf_token": token, "confirm": "ERASE"})
    assert again.status_code == 409 and "erased already" in again.get_data(as_text=True)


def test_erased_persons_audit_trail_names_them_no_more(
    spec: Platform, app: Flask, admin: tuple[FlaskClient, str]
) -> None:
    client, token = admin
    context = f"RIGHTS-{uuid.uuid4().hex[:8]}"
    who, partner = someone(), someone()
    records = give_records(
        app, launch_as(spec, who, context), launch_as(spec, partner, context), who
    )
    client.post(f"/admin/people/{records.person_id}/export", data={"csrf_token": token})
    client.post(
        f"/admin/people/{records.person_id}/erase", data={"csrf_token": token, "confirm": "ERASE"}
    )
    page = client.get("/admin/audit?kind=person").get_data(as_text=True)
    assert f"person {records.person_id}" in page
    assert who.name not in page and who.email not in page


def test_data_rights_are_the_installation_admins_only(client: FlaskClient) -> None:
    assert client.get("/admin/people").status_code == 303
    blocked = client.post("/admin/people/1/erase", data={"confirm": "ERASE"})
    assert blocked.status_code in (303, 403)


def test_people_cli_exports_and_erases_after_confirmation(
    spec: Platform, app: Flask, runner: FlaskCliRunner
) -> None:
    context = f"RIGHTS-{uuid.uuid4().hex[:8]}"
    who, partner = someone(), someone()
    records = give_records(
        app, launch_as(spec, who, context), launch_as(spec, partner, context), who
    )
    issuer = person_row(app, records.person_id).issuer

    exported = runner.invoke(args=["people", "export", issuer, who.sub])
    assert exported.exit_code == 0, exported.output
    assert json.loads(exported.output)["person"]["name"] == who.name

    declined = runner.invoke(args=["people", "erase", issuer, who.sub], input="n\n")
    assert declined.exit_code != 0 and person_row(app, records.person_id).name == who.name

    erased = runner.invoke(args=["people", "erase", issuer, who.sub], input="y\n")
    assert erased.exit_code == 0 and "erased" in erased.output
    assert tables_mentioning(app, who.identifying) == {}
    unknown = runner.invoke(args=["people", "erase", issuer, who.sub, "--yes"])
    assert unknown.exit_code != 0 and "nobody with that LMS user id" in unknown.output
