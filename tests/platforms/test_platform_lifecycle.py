"""Telling platforms apart on the admin page, and renaming, disabling, enabling and removing
one — over HTTP, as the tool's administrator (admin secret) and as an LMS administrator.

Each test registers its own Moodle flavour registration through an invite, so disabling or
removing it never disturbs the shared ``platforms`` fixture.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
import sqlalchemy as sa
from flask import Flask

from lti_tool.core.audit import AuditEvent
from lti_tool.core.lti_spec import NRPS_READ
from lti_tool.demo_lms.registration import register_tool
from lti_tool.extensions import db
from lti_tool.platforms.models import Deployment, Platform, RegistrationInvite
from lti_tool.roster.launches import LaunchSession
from lti_tool.roster.models import Course, Membership
from tests.support.invites import invite_url_for
from tests.support.launching import DESIGNER, LEARNER
from tests.support.launching import Platform as DemoPlatform
from tests.support.live_server import LiveServer

LAUNCH_PATH = re.compile(r"/s/([A-Za-z0-9_-]{40,})/")


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@dataclass
class ToolAdmin:
    """A browser signed in to the admin area with the admin secret."""

    session: requests.Session
    base: str

    def get(self, path: str) -> requests.Response:
        return self.session.get(f"{self.base}{path}", allow_redirects=False, timeout=10)

    def post(self, path: str, **data: Any) -> requests.Response:
        token = csrf_from(self.session.get(f"{self.base}/admin/", timeout=10).text)
        return self.session.post(
            f"{self.base}{path}",
            data={"csrf_token": token, **data},
            allow_redirects=False,
            timeout=10,
        )


@pytest.fixture
def tool_admin(live_server: LiveServer) -> ToolAdmin:
    session = requests.Session()
    login = session.get(f"{live_server.tool_url}/admin/login", timeout=10)
    form = {"secret": "test-admin-secret", "csrf_token": csrf_from(login.text)}
    signed_in = session.post(
        f"{live_server.tool_url}/admin/login", data=form, timeout=10, allow_redirects=False
    )
    assert signed_in.status_code == 303
    return ToolAdmin(session, live_server.tool_url)


def register_fresh(
    app: Flask, lms_url: str, live_server: LiveServer, **options: Any
) -> DemoPlatform:
    registration = register_tool(
        lms_url, "moodle", invite_url_for(app, live_server, "moodle"), **options
    )
    return DemoPlatform(app, lms_url, "moodle", registration)


def row_id(fresh: DemoPlatform) -> int:
    with fresh.app.app_context():
        return db.session.scalars(
            sa.select(Platform.id).where(
                Platform.issuer == fresh.registration.issuer, Platform.client_id == fresh.client_id
            )
        ).one()


@pytest.fixture
def fresh(app: Flask, lms_url: str, live_server: LiveServer) -> Iterator[DemoPlatform]:
    yield register_fresh(app, lms_url, live_server)


def last_event(app: Flask, action: str) -> AuditEvent:
    with app.app_context():
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id.desc())
        ).first()
        db.session.expunge(event)
        return event


def platform_card(page: str, client_id: str) -> str:
    """The dashboard's section for the platform with this client id."""
    sections = re.findall(r'<section class="card platform".*?</section>', page, re.S)
    return next(s for s in sections if f"<code>{client_id}</code>" in s)


def test_dashboard_tells_two_platforms_of_one_name_apart(
    tool_admin: ToolAdmin, app: Flask, lms_url: str, live_server: LiveServer
) -> None:
    one = register_fresh(app, lms_url, live_server)
    other = register_fresh(app, lms_url, live_server, withhold_scopes=[NRPS_READ])
    page = tool_admin.get("/admin/").text
    first, second = platform_card(page, one.client_id), platform_card(page, other.client_id)
    name = re.search(r"<h3[^>]*>([^<]+)</h3>", first).group(1)
    assert name == re.search(r"<h3[^>]*>([^<]+)</h3>", second).group(1)  # same name...
    for card, registration in ((first, one.registration), (second, other.registration)):
        # ...told apart by client id, deployment id and the date registered.
        assert f"<code>{registration.client_id}</code>" in card
        assert f'title="{registration.deployment_id}"' in card
        assert re.search(r"Registered</dt><dd>\d{4}-\d\d-\d\d \d\d:\d\d UTC", card)
        # The next steps in Moodle, as the registration page gave them.
        assert "Activate" in card and "Show in activity chooser" in card
    assert "The LMS did not grant" not in first
    assert "The LMS did not grant: Roster" in second and "Roster sync will not work" in second


def test_admin_renames_a_platform(tool_admin: ToolAdmin, fresh: DemoPlatform) -> None:
    pk = row_id(fresh)
    edit = tool_admin.get(f"/admin/platforms/{pk}/edit")
    values = dict(re.findall(r'name="(\w+)" type="text" value="([^"]*)"', edit.text))
    assert set(values) >= {"name", "auth_login_url", "auth_token_url", "key_set_url"}
    saved = tool_admin.post(f"/admin/platforms/{pk}/edit", **{**values, "name": "Moodle (Arts)"})
    assert saved.status_code == 303
    assert "Moodle (Arts)" in platform_card(tool_admin.get("/admin/").text, fresh.client_id)
    event = last_event(fresh.app, "platform.edited")
    assert event.details["changes"]["name"]["new"] == "Moodle (Arts)"
    assert event.details["endpoints_changed"] == []


def test_disabled_platform_refuses_logins_launches_and_open_launches_until_enabled(
    tool_admin: ToolAdmin, fresh: DemoPlatform
) -> None:
    pk = row_id(fresh)
    open_launch = fresh.launch(LEARNER)
    assert open_launch.status_code == 200
    browser = fresh.browser()
    started = fresh.start(browser)  # a login begun before the switch

    disabled = tool_admin.post(f"/admin/platforms/{pk}/disable")
    assert disabled.status_code == 303
    assert last_event(fresh.app, "platform.disabled").subject.startswith(f"platform {pk} ")
    assert ">disabled</span>" in platform_card(tool_admin.get("/admin/").text, fresh.client_id)

    # A new login, the id_token of the login begun before, and an open launch's pages.
    form, frame_url = browser.open_login("moodle", LEARNER, client_id=fresh.client_id)
    login = browser.submit(form, frame_url)
    form, _ = browser.authorize(started)
    launch = browser.submit(form, started.url)
    page = requests.get(open_launch.url, timeout=10)
    for refused in (login, launch, page):
        assert refused.status_code == 403, refused.text[:300]
        assert "switched Reciprocal off for your LMS" in refused.text
        assert "Ask the administrator of this Reciprocal installation to enable" in refused.text
        assert "Traceback" not in refused.text
    again = tool_admin.post(f"/admin/platforms/{pk}/disable")
    assert again.status_code == 409 and "this one is disabled" in again.text

    assert tool_admin.post(f"/admin/platforms/{pk}/enable").status_code == 303
    assert last_event(fresh.app, "platform.enabled").subject.startswith(f"platform {pk} ")
    assert fresh.launch(LEARNER).status_code == 200
    assert requests.get(open_launch.url, timeout=10).status_code == 200


def test_remove_says_what_goes_then_removes_it_all(
    tool_admin: ToolAdmin, fresh: DemoPlatform, spec: DemoPlatform
) -> None:
    app, pk = fresh.app, row_id(fresh)
    assert fresh.launch(DESIGNER).status_code == 200
    learner = fresh.launch(LEARNER)
    with app.app_context():
        course_ids = list(db.session.scalars(sa.select(Course.id).where(Course.platform_id == pk)))
        invite_id = db.session.scalars(
            sa.select(RegistrationInvite.id).where(RegistrationInvite.platform_id == pk)
        ).one()
    assert course_ids

    confirm = tool_admin.get(f"/admin/platforms/{pk}/remove")
    assert confirm.status_code == 200
    said = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", confirm.text))
    courses = "1 course " if len(course_ids) == 1 else f"{len(course_ids)} courses"
    for words in (
        "1 deployment id ",
        courses,
        "2 launches (their users are signed out)",
        "course memberships",
        "This cannot be undone",
        fresh.client_id,
    ):
        assert words in said, words
    with app.app_context():  # nothing removed by looking
        assert db.session.get(Platform, pk) is not None

    removed = tool_admin.post(f"/admin/platforms/{pk}/remove")
    assert removed.status_code == 303
    with app.app_context():
        assert db.session.get(Platform, pk) is None
        for model, where in (
            (Deployment, Deployment.platform_id == pk),
            (Course, Course.platform_id == pk),
            (LaunchSession, LaunchSession.platform_id == pk),
            (Membership, Membership.course_id.in_(course_ids)),
        ):
            count = db.session.scalar(sa.select(sa.func.count()).select_from(model).where(where))
            assert count == 0, model
        invite = db.session.get(RegistrationInvite, invite_id)
        assert invite is not None and invite.platform_id is None
    event = last_event(app, "platform.removed")
    assert event.subject.startswith(f"platform {pk} ")
    assert event.details["removed"]["courses"] == len(course_ids)
    assert event.details["removed"]["launch_sessions"] == 2
    with pytest.raises(StopIteration):
        platform_card(tool_admin.get("/admin/").text, fresh.client_id)
    # Its open launch has ended; the other LMSs carry on.
    assert requests.get(learner.url, timeout=10).status_code == 401
    assert spec.launch(LEARNER).status_code == 200


def test_removing_an_unknown_platform_is_not_found(tool_admin: ToolAdmin) -> None:
    assert tool_admin.get("/admin/platforms/999999/remove").status_code == 404
    assert tool_admin.post("/admin/platforms/999999/remove").status_code == 404
