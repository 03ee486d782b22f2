"""AGS under stress: injected faults, Canvas's throttling, Moodle's refusal of someone no longer
gradable, score counts that prove "exactly once", and the teacher deleting a column."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from lti_tool.demo_lms import faults
from lti_tool.demo_lms.flavours import FLAVOURS, ROLE_LEARNER, SERVICE_SCOPES
from lti_tool.demo_lms.models import (
    DemoCourse,
    DemoEnrollment,
    DemoUser,
)
from lti_tool.demo_lms.registration import register_tool
from lti_tool.extensions import db
from tests.demo_lms.fake_tool import FakeTool
from tests.demo_lms.test_ags import CONTAINER, SCORE, Ags
from tests.support.lti_browser import parse_page

PEOPLE = {"active": "Active", "inactive": "Inactive", "gone": "Deleted"}


@pytest.fixture(scope="module")
def course(app: Flask, lms_url: str) -> int:
    """A course of its own, with an active, an inactive and a deleted learner."""
    tag = uuid.uuid4().hex[:8]
    with app.app_context():
        course = DemoCourse(context_id=f"AGS-{tag}", title="AGS faults", label=f"AGS-{tag}")
        db.session.add(course)
        db.session.flush()
        for name, status in PEOPLE.items():
            user = DemoUser(
                username=f"{name}-{tag}",
                uuid=uuid.uuid4().hex,
                given_name=name.title(),
                family_name=tag,
            )
            db.session.add(user)
            db.session.flush()
            db.session.add(
                DemoEnrollment(
                    course_id=course.id, user_id=user.id, roles=[ROLE_LEARNER], status=status
                )
            )
        db.session.commit()
        return course.id


@pytest.fixture(scope="module")
def tools(app: Flask, lms_url: str, fake_tool: FakeTool, course: int) -> dict[str, Ags]:
    out = {}
    for name in FLAVOURS:
        result = register_tool(lms_url, name, f"{fake_tool.url}/register")
        token = fake_tool.access_token(name, result.client_id, SERVICE_SCOPES)
        with app.app_context():
            users = db.session.scalars(
                sa.select(DemoUser)
                .join(DemoEnrollment, DemoEnrollment.user_id == DemoUser.id)
                .where(DemoEnrollment.course_id == course)
            )
            subjects = {
                u.username.split("-")[0]: (str(u.id) if name == "moodle" else u.uuid) for u in users
            }
        out[name] = Ags(lms_url, result, token, course, "", subjects)
    return out


@pytest.fixture
def admin(lms_url: str) -> Iterator[str]:
    """The fault settings URL; whatever a test sets is undone afterwards."""
    url = f"{lms_url}/spec/admin/api/ags-faults"
    yield url
    assert requests.delete(url, timeout=10).status_code == 200


def set_faults(url: str, **doc) -> dict:
    response = requests.put(url, json=doc, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def counts(lms_url: str, flavour: str, course: int, client_id: str) -> dict:
    response = requests.get(
        f"{lms_url}/{flavour}/admin/api/score-counts",
        timeout=10,
        params={"course": course, "client_id": client_id},
    )
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("flavour", list(FLAVOURS))
def test_score_counts_prove_exactly_once(tools, lms_url, course, flavour) -> None:
    a = tools[flavour]
    item = a.create(label="Exactly once", resourceId=f"once-{flavour}").json()
    t1 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC).isoformat()
    t2 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC).isoformat()
    for stamp, given in ((t1, 6), (t1, 6), (t2, 9), (t1, 6), (t2, 9)):
        assert a.score(item["id"], "active", scoreGiven=given, timestamp=stamp).ok
    got = counts(lms_url, flavour, course, a.result.client_id)
    row = next(r for r in got["counts"] if r["resource_id"] == f"once-{flavour}")
    assert row["user_id"] == a.subjects["active"]
    # t1 applied; t1 repeated; t2 applied; t1 again is stale; t2 repeated.
    assert (row["received"], row["applied"], row["duplicates"], row["stale"]) == (5, 2, 3, 1)
    assert [r["resultScore"] for r in a.results(item["id"])] == [9.0]
    page = requests.get(f"{lms_url}/{flavour}/courses/{course}/gradebook", timeout=10).text
    assert "5 received, 3 duplicates" in page and "2 applied" in page


def test_moodle_refuses_scores_for_people_no_longer_gradable(tools) -> None:
    a = tools["moodle"]
    item = a.create(label="Gradable").json()
    assert a.score(item["id"], "active").status_code == 200
    for who in ("inactive", "gone"):
        refused = a.score(item["id"], who)
        assert (refused.status_code, refused.text) == (400, "Incorrect score received")
    unknown = a.score(item["id"], "active", userId="999999")
    assert (unknown.status_code, unknown.text) == (400, "Incorrect score received")


@pytest.mark.parametrize("flavour", ["spec", "canvas"])
def test_other_flavours_refuse_them_as_json(tools, flavour) -> None:
    a = tools[flavour]
    item = a.create(label="Gradable").json()
    refused = a.score(item["id"], "inactive")
    assert refused.status_code == 400 and "inactive" in refused.json()["error_description"]


def test_canvas_throttles_with_rate_limit_headers(tools, admin) -> None:
    a = tools["canvas"]
    plain = a.list()
    assert float(plain.headers["X-Rate-Limit-Remaining"]) > 0
    assert "X-Rate-Limit-Remaining" not in tools["spec"].list().headers
    set_faults(admin, rate_limit="3:0.5")
    replies = [a.list() for _ in range(5)]
    assert [r.status_code for r in replies] == [200, 200, 200, 429, 429]
    remaining = [float(r.headers["X-Rate-Limit-Remaining"]) for r in replies[:3]]
    assert remaining == sorted(remaining, reverse=True) and remaining[-1] < 1
    assert int(replies[3].headers["Retry-After"]) >= 1
    assert float(replies[3].headers["X-Rate-Limit-Remaining"]) < 1
    assert all(r.status_code == 200 for r in (tools["moodle"].list() for _ in range(5)))


def test_canvas_403_rate_limit_exceeded_variant(tools, admin) -> None:
    set_faults(admin, rate_limit="1:0.1", throttle_status="403")
    a = tools["canvas"]
    assert a.list().status_code == 200
    throttled = a.list()
    assert throttled.status_code == 403 and "Rate Limit Exceeded" in throttled.text
    assert "X-Rate-Limit-Remaining" in throttled.headers


@pytest.mark.parametrize(("kind", "status"), [("500", 500), ("429", 429), ("403", 403)])
def test_refusing_faults_apply_nothing(tools, lms_url, course, admin, kind, status) -> None:
    a = tools["spec"]
    item = a.create(label=f"Refused {kind}", resourceId=f"refused-{kind}").json()
    set_faults(admin, faults=f"{kind}:1")
    response = a.score(item["id"], "active")
    assert response.status_code == status
    if kind == "429":
        assert int(response.headers["Retry-After"]) >= 1
    assert a.list().status_code == status  # every AGS endpoint, not only scores
    requests.delete(admin, timeout=10)
    got = counts(lms_url, "spec", course, a.result.client_id)
    assert not [r for r in got["counts"] if r["resource_id"] == f"refused-{kind}"]


def test_slow_reply_is_applied_but_late(tools, lms_url, course, admin) -> None:
    a = tools["spec"]
    item = a.create(label="Slow", resourceId="slow").json()
    set_faults(admin, faults="slow:1", slow_seconds=1.5)
    base = item["id"].partition("?")[0]
    body = {
        "userId": a.subjects["active"],
        "scoreGiven": 4,
        "scoreMaximum": 10,
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
        "timestamp": dt.datetime.now(dt.UTC).isoformat(),
    }
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.post(
            f"{base}/scores", json=body, timeout=0.5, headers={**a.headers, "Content-Type": SCORE}
        )
    requests.delete(admin, timeout=10)
    assert a.score(item["id"], "active", **body).ok  # the tool's retry: a duplicate
    row = next(
        r
        for r in counts(lms_url, "spec", course, a.result.client_id)["counts"]
        if r["resource_id"] == "slow"
    )
    assert (row["received"], row["applied"], row["duplicates"]) == (2, 1, 1)


def test_dropped_connection_is_applied_without_reply(tools, lms_url, course, admin) -> None:
    a = tools["canvas"]
    item = a.create(label="Dropped", resourceId="dropped").json()
    set_faults(admin, faults="drop:1")
    with pytest.raises(requests.exceptions.ConnectionError):
        a.score(item["id"], "active")
    requests.delete(admin, timeout=10)
    row = next(
        r
        for r in counts(lms_url, "canvas", course, a.result.client_id)["counts"]
        if r["resource_id"] == "dropped"
    )
    assert row["received"] == row["applied"] == 1


def test_seeded_faults_repeat_the_same_sequence(tools, admin) -> None:
    a = tools["spec"]

    def run() -> list[int]:
        set_faults(admin, faults="500:0.3,429:0.2", seed=42)
        return [
            requests.get(
                a.lineitems, timeout=10, headers={**a.headers, "Accept": CONTAINER}
            ).status_code
            for _ in range(30)
        ]

    first, second = run(), run()
    assert first == second
    rng = random.Random(42)
    expected = [
        500 if r < 0.3 else 429 if r < 0.5 else 200 for r in (rng.random() for _ in range(30))
    ]
    assert first == expected and {500, 429, 200} <= set(first)


@pytest.mark.parametrize(
    ("doc", "reason"),
    [
        ({"faults": "teapot:0.1"}, "unknown fault"),
        ({"faults": "500:2"}, "between 0 and 1"),
        ({"faults": "500:0.6,429:0.6"}, "more than 1"),
        ({"seed": "x"}, "seed"),
        ({"throttle_status": "418"}, "throttle_status"),
    ],
)
def test_bad_fault_settings_are_400(admin, doc, reason) -> None:
    response = requests.put(admin, json=doc, timeout=10)
    assert response.status_code == 400 and reason in response.json()["error_description"]


def test_cli_and_config_set_the_faults(app: Flask, runner: FlaskCliRunner, admin) -> None:
    result = runner.invoke(
        args=["demo", "ags-faults", "500:0.1,slow:0.05", "--seed", "3", "--slow-seconds", "2"]
    )
    assert result.exit_code == 0, result.output
    assert "500:0.1,slow:0.05 (seed 3)" in result.output
    shown = requests.get(admin, timeout=10).json()
    assert (shown["spec"], shown["seed"], shown["slow_seconds"]) == ("500:0.1,slow:0.05", 3, 2)
    bad = runner.invoke(args=["demo", "ags-faults", "nope:1"])
    assert bad.exit_code != 0 and "unknown fault" in bad.output
    requests.delete(admin, timeout=10)
    with app.app_context():
        saved = dict(app.config)
        app.config.update(
            DEMO_LMS_AGS_FAULTS="drop:0.2", DEMO_LMS_FAULT_SEED="9", DEMO_LMS_AGS_RATE_LIMIT="50:5"
        )
        try:
            settings = faults.build_settings(faults.config_document())
        finally:
            app.config.update(saved)
    assert settings.faults == {"drop": 0.2} and settings.seed == 9
    assert (settings.rate_limit_size, settings.rate_limit_per_second) == (50, 5)


def test_teacher_deletes_a_column(app, tools, lms_url, course) -> None:
    a = tools["spec"]
    item = a.create(label="To be deleted").json()
    a.score(item["id"], "active")
    with app.app_context():
        from lti_tool.demo_lms.models import DemoLineItem

        item_id = db.session.scalars(
            sa.select(DemoLineItem.id).where(
                DemoLineItem.label == "To be deleted", DemoLineItem.course_id == course
            )
        ).one()
    gradebook = f"{lms_url}/spec/courses/{course}/gradebook"
    column = f"{gradebook}/columns/{item_id}"
    page = requests.get(gradebook, timeout=10).text
    assert column.removeprefix(lms_url) in parse_page(page).links
    confirm = requests.get(column, timeout=10)
    assert confirm.status_code == 200 and "To be deleted" in confirm.text
    unconfirmed = requests.post(column, data={}, timeout=10)
    assert unconfirmed.status_code == 400 and "confirm" in unconfirmed.text
    forged = requests.post(
        column, data={"confirm": "delete"}, timeout=10, headers={"Origin": "http://evil.example"}
    )
    assert forged.status_code == 403
    assert requests.get(item["id"], headers=a.headers, timeout=10).status_code == 200
    done = requests.post(
        column, data={"confirm": "delete"}, timeout=10, headers={"Origin": lms_url}
    )
    assert done.status_code == 200 and "“To be deleted” deleted" in done.text
    assert requests.get(item["id"], headers=a.headers, timeout=10).status_code == 404
    assert a.score(item["id"], "active").status_code == 404
    assert "To be deleted" not in a.list().text
    assert requests.post(column, data={"confirm": "delete"}, timeout=10).status_code == 404
    # Another flavour's gradebook cannot reach this column.
    assert (
        requests.get(
            f"{lms_url}/canvas/courses/{course}/gradebook/columns/{item_id}", timeout=10
        ).status_code
        == 404
    )


def test_unreadable_fault_config_stops_the_start(app: Flask) -> None:
    from lti_tool.demo_lms import create_demo_lms_app

    saved = app.config["DEMO_LMS_AGS_FAULTS"]
    app.config["DEMO_LMS_AGS_FAULTS"] = "500:lots"
    try:
        with pytest.raises(faults.BadFaultSettings, match=r"DEMO_LMS_AGS_FAULTS.*number"):
            create_demo_lms_app(app)
    finally:
        app.config["DEMO_LMS_AGS_FAULTS"] = saved


@pytest.mark.parametrize("flavour", ["spec", "moodle"])
def test_racing_identical_scores_count_once(tools, lms_url, course, flavour) -> None:
    a = tools[flavour]
    item = a.create(label="Race", resourceId=f"race-{flavour}").json()
    stamp = dt.datetime.now(dt.UTC).isoformat()
    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(lambda _: a.score(item["id"], "active", timestamp=stamp), range(8)))
    assert all(r.ok for r in replies), [r.text for r in replies]
    row = next(
        r
        for r in counts(lms_url, flavour, course, a.result.client_id)["counts"]
        if r["resource_id"] == f"race-{flavour}"
    )
    assert (row["received"], row["applied"], row["duplicates"]) == (8, 1, 7)
