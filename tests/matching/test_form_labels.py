"""Every form page names each of its controls (a label, or aria-label), as first shown and
after a refused submit."""

from __future__ import annotations

import re
import uuid

from flask import Flask
from flask.testing import FlaskClient

from tests.matching.test_csv_import import upload
from tests.matching.test_pair_pages import (
    course_of,
    fill_profiles,
    new_program,
    pairs_of,
    sync_roster,
)
from tests.matching.test_profiles import open_program
from tests.matching.test_programs import (  # noqa: F401  (forget_programs is a fixture)
    PROGRAM_FORM,
    create_program,
    enter,
    forget_programs,
)
from tests.platforms.test_admin import sign_in
from tests.support.labels import form_controls, unlabelled_controls
from tests.support.launching import LEARNER, Platform


def assert_labelled(html: str, status: int, expected: int, page: str) -> None:
    assert status == expected, (page, html[:500])
    assert form_controls(html), f"{page} has no form"
    assert unlabelled_controls(html) == [], page


def test_designer_and_learner_form_pages_label_every_control(
    spec: Platform, app: Flask, forget_programs: None
) -> None:  # noqa: F811
    designer = enter(spec)
    checks = [
        ("programs/new", designer.get("programs/new"), 200),
        (
            "programs/new refused",
            designer.post("programs/new", {**PROGRAM_FORM, "metric-0": ""}),
            422,
        ),
    ]
    program_id = create_program(designer)
    base = f"programs/{program_id}"
    checks += [
        ("edit", designer.get(f"{base}/edit"), 200),
        ("edit refused", designer.post(f"{base}/edit", {**PROGRAM_FORM, "title": ""}), 422),
        ("rules", designer.get(f"{base}/rules"), 200),
        ("rules refused", designer.post(f"{base}/rules", {"mentor_capacity": "0"}), 422),
        ("do-not-pair refused", designer.post(f"{base}/do-not-pair", {"person_a": ""}), 422),
        ("skills", designer.get(f"{base}/skills"), 200),
        ("skills refused", designer.post(f"{base}/skills", {"new-0": "Podcasting"}), 422),
        ("import", designer.get(f"{base}/import"), 200),
        ("import refused", upload(designer, program_id, "", "check"), 422),
    ]
    opened = open_program(designer)
    learner = enter(spec, LEARNER)
    checks += [
        ("intake", learner.get(f"programs/{opened}/intake"), 200),
        ("intake refused", learner.post(f"programs/{opened}/intake", {"time_zone": "Mars"}), 422),
    ]
    for page, response, status in checks:
        assert_labelled(response.text, response.status_code, status, page)


def test_pairing_form_pages_label_every_control(spec: Platform, app: Flask) -> None:
    designer = enter(spec)
    sync_roster(app, designer)
    program_id = new_program(app, course_of(app, designer))
    fill_profiles(app, program_id)
    designer.post(f"programs/{program_id}/pairs/run")
    pair = pairs_of(app, program_id)[0]
    base = f"programs/{program_id}/pairs"
    for page, response, status in [
        ("review", designer.get(base), 200),
        ("pair by hand refused", designer.post(f"{base}/manual", {"mentor": "x"}), 422),
        ("veto", designer.get(f"{base}/{pair.id}/veto"), 200),
    ]:
        assert_labelled(response.text, response.status_code, status, page)


def test_admin_platform_forms_label_every_control(client: FlaskClient) -> None:
    token = sign_in(client)
    issuer = f"https://moodle-{uuid.uuid4().hex[:6]}.example.edu"
    pages = [
        ("add", client.get("/admin/platforms/new"), 200),
        (
            "add refused",
            client.post("/admin/platforms/new", data={"csrf_token": token, "issuer": "x"}),
            422,
        ),
    ]
    added = client.post(
        "/admin/platforms/new",
        data={
            "csrf_token": token,
            "name": "Moodle",
            "issuer": issuer,
            "client_id": "c1",
            "auth_login_url": issuer + "/auth",
            "auth_token_url": issuer + "/token",
            "key_set_url": issuer + "/certs",
            "deployment_ids": "1",
        },
    )
    assert added.status_code == 303
    dashboard = client.get("/admin/").get_data(as_text=True)
    edit = re.search(
        r'href="(/admin/platforms/\d+/edit)"', dashboard[dashboard.index(issuer) - 3000 :]
    ).group(1)
    pages += [
        ("edit", client.get(edit), 200),
        ("edit refused", client.post(edit, data={"csrf_token": token, "name": ""}), 422),
    ]
    for page, response, status in pages:
        assert_labelled(response.get_data(as_text=True), response.status_code, status, page)


def test_the_label_check_finds_an_unnamed_control() -> None:
    html = (
        '<form><label for="a">A</label><input id="a" name="a"><input name="b" id="b">'
        '<label>C <select name="c"></select></label><input type="hidden" name="d">'
        '<textarea name="e" aria-label="E"></textarea></form>'
    )
    assert unlabelled_controls(html) == ["input name=b id=b"]


def test_a_refused_program_form_links_its_errors_and_keeps_what_was_sent(
    spec: Platform, app: Flask, forget_programs: None
) -> None:  # noqa: F811
    designer = enter(spec)
    sent = {
        **PROGRAM_FORM,
        "title": "  Pilot\u202e 2026 ",
        "metric-0": "",
        "goal-4": "Later",
        "metric-4": "Counted",
        "length_months": "13",
    }
    refused = designer.post("programs/new", sent)
    assert refused.status_code == 422
    summary = refused.text[
        refused.text.index('data-testid="error-summary"') : refused.text.index("<form")
    ]
    assert "Please correct the 2 highlighted fields below." in summary
    assert '<a href="#metric-0">Say how you will measure this goal.</a>' in summary
    assert '<a href="#length_months">Enter a whole number from 3 to 12.</a>' in summary
    assert 'value="  Pilot 2026 "' in refused.text  # as sent, without the bidi override
    assert 'id="goal-4" name="goal-4" value="Later"' in refused.text  # five rows kept
    assert 'id="goal-5"' not in refused.text
