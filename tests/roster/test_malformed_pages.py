"""A platform whose member list is malformed (security finding 14): unusable entries are
counted and shown with a reason, and a page that is not a member list fails the sync with a
clear error, changing nothing. The platform is a tiny local HTTP server; the access token
still comes from the demo LMS over HTTP."""

from __future__ import annotations

import http.server
import json
import threading
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from lti_tool.extensions import db
from lti_tool.roster.models import Course, Person
from tests.roster.test_sync import SyncCourse, make_course, run_sync
from tests.support.launching import Platform


class ScriptedPlatform(http.server.BaseHTTPRequestHandler):
    """Serves ``pages[n]`` (raw text) for ``?page=n``, linking each page to the next."""

    pages: list[str] = []

    def do_GET(self) -> None:
        number = int(self.path.rsplit("page=", 1)[1]) if "page=" in self.path else 0
        self.send_response(200)
        if number + 1 < len(self.pages):
            self.send_header(
                "Link", f'<http://{self.headers["Host"]}/members?page={number + 1}>; rel="next"'
            )
        self.send_header("Content-Type", "application/vnd.ims.lti-nrps.v2.membershipcontainer+json")
        self.end_headers()
        self.wfile.write(self.pages[number].encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def scripted() -> Iterator[tuple[str, type[ScriptedPlatform]]]:
    handler = type("Handler", (ScriptedPlatform,), {"pages": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/members", handler
    server.shutdown()
    server.server_close()


@pytest.fixture
def course(spec: Platform, app: Flask, scripted) -> Iterator[SyncCourse]:
    """A demo course, synced once for real, then pointed at the scripted platform."""
    made = make_course(spec, 2)
    run_sync(app, made.course_id)
    with app.app_context():
        row = db.session.get(Course, made.course_id)
        real_url, row.memberships_url = row.memberships_url, scripted[0]
        db.session.commit()
    yield made
    with app.app_context():
        db.session.get(Course, made.course_id).memberships_url = real_url
        db.session.commit()


def member(user_id: str, **fields: object) -> dict:
    return {"user_id": user_id, "roles": ["Learner"], "status": "Active", **fields}


def test_unusable_entries_are_counted_and_shown_with_a_reason(
    app: Flask, client: FlaskClient, course: SyncCourse, scripted
) -> None:
    _, handler = scripted
    tag = uuid.uuid4().hex[:8]
    handler.pages = [
        json.dumps(
            {
                "id": "x",
                "members": [
                    member(f"ok-{tag}-1"),
                    {"roles": ["Learner"], "name": "No Id"},
                    member(f"bad-roles-{tag}", roles="Learner"),
                ],
            }
        ),
        json.dumps(
            {
                "id": "x",
                "members": [member(f"ok-{tag}-2"), "not a member", {"user_id": "", "roles": []}],
            }
        ),
    ]
    sync = run_sync(app, course.course_id, full=True)
    assert sync.status == "done", sync.error
    assert (sync.pages_read, sync.members_seen, sync.members_skipped) == (2, 2, 4)
    assert sync.skipped_reasons == [
        "2 entries had no user_id",
        "1 entry had roles that are not a list",
        "1 entry was not a member object",
    ]
    with app.app_context():
        subs = set(db.session.scalars(sa.select(Person.sub).where(Person.sub.like(f"%{tag}%"))))
    assert subs == {f"ok-{tag}-1", f"ok-{tag}-2"}  # the malformed entry made nobody

    status = client.get(f"/s/{course.launch_id}/roster/syncs/{sync.id}").get_json()
    assert status["members_skipped"] == 4
    expected = (
        "Skipped 4 unusable entries of your LMS's list: 2 entries had no user_id; "
        "1 entry had roles that are not a list; 1 entry was not a member object."
    )
    assert expected in status["message"]
    roster = client.get(f"/s/{course.launch_id}/roster").get_data(as_text=True)
    assert "Skipped 4 unusable entries of your LMS&#39;s list: 2 entries had no user_id" in roster


@pytest.mark.parametrize(
    ("pages", "words"),
    [
        (
            ['{"id": "x"}'],
            'Page 1 of your LMS\'s member list could not be read: it has no "members" list.',
        ),
        (
            ['{"id": "x", "members": {"user_id": "1"}}'],
            'Page 1 of your LMS\'s member list could not be read: its "members" is a JSON object, '
            "not a list.",
        ),
        (
            ['[{"user_id": "1"}]'],
            "Page 1 of your LMS's member list could not be read: it is a "
            "JSON list, not a membership container.",
        ),
        ([""], "Page 1 of your LMS's member list could not be read: it is empty."),
        (
            [json.dumps({"members": [member("p1")]}), '"members"'],
            "Page 2 of your LMS's member list could not be read: it is a JSON string, not a "
            "membership container.",
        ),
        (
            [json.dumps({"members": [{"roles": ["Learner"]}, "x"]})],
            "None of the entries of your LMS's member list could be used: 1 entry had no user_id; "
            "1 entry was not a member object.",
        ),
    ],
    ids=["no-members", "members-object", "body-list", "empty", "second-page", "all-unusable"],
)
def test_a_page_that_is_not_a_member_list_fails_the_sync(
    app: Flask, client: FlaskClient, course: SyncCourse, scripted, pages, words
) -> None:
    _, handler = scripted
    handler.pages = pages
    with app.app_context():
        before = {u: (m.status, m.roles) for u, m in course.memberships().items()}
    sync = run_sync(app, course.course_id, full=True)
    assert (sync.status, sync.error) == ("failed", words)
    with app.app_context():
        assert {u: (m.status, m.roles) for u, m in course.memberships().items()} == before
    status = client.get(f"/s/{course.launch_id}/roster/syncs/{sync.id}").get_json()
    assert status["message"] == f"The sync failed and changed nothing. {words}"
