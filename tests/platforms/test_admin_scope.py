"""An LMS administrator's launch administers their own platform, never the installation.

Each attempt is replayed over HTTP: the spec flavour's site administrator launches the tool,
opens the admin area with ``?launch=`` and tries to reach the moodle flavour's platform, the
tool's keys, invites, new platforms and approvals.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
import sqlalchemy as sa

from lti_tool.core.audit import AuditEvent
from lti_tool.extensions import db
from lti_tool.platforms.models import Deployment, Platform, RegistrationInvite, ToolKey
from tests.support.launching import Platform as DemoPlatform
from tests.support.launching import launch_with

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
LMS_ADMIN = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"


@dataclass
class LmsAdmin:
    """A browser holding an LMS administrator's launch of one flavour."""

    session: requests.Session
    base: str
    launch_id: str
    csrf: str

    def get(self, path: str) -> requests.Response:
        return self.session.get(
            f"{self.base}{path}",
            params={"launch": self.launch_id},
            allow_redirects=False,
            timeout=10,
        )

    def post(self, path: str, **data: Any) -> requests.Response:
        return self.session.post(
            f"{self.base}{path}",
            allow_redirects=False,
            timeout=10,
            data={"launch": self.launch_id, "csrf_token": self.csrf, **data},
        )


def row_of(platform: DemoPlatform) -> Platform:
    with platform.app.app_context():
        row = db.session.scalars(
            sa.select(Platform).where(
                Platform.issuer == platform.registration.issuer,
                Platform.client_id == platform.client_id,
            )
        ).one()
        db.session.expunge(row)
        return row


@pytest.fixture
def spec_admin(spec: DemoPlatform) -> LmsAdmin:
    def as_site_admin(claims: dict[str, Any]) -> None:
        claims[CLAIM + "roles"] = [LMS_ADMIN]
        claims["sub"] = "site-admin"

    launched = launch_with(spec, as_site_admin)
    assert launched.status_code == 303, launched.text[:500]
    launch_id = re.search(r"/s/([^/]+)/", launched.headers["Location"]).group(1)
    base = launched.url.split("/lti/")[0]
    session = requests.Session()
    dashboard = session.get(f"{base}/admin/", params={"launch": launch_id}, timeout=10)
    assert dashboard.status_code == 200
    own = re.search(r'href="(/admin/platforms/\d+/edit)', dashboard.text).group(1)
    edit = session.get(f"{base}{own}", params={"launch": launch_id}, timeout=10)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', edit.text).group(1)
    return LmsAdmin(session, base, launch_id, csrf)


@pytest.fixture
def moodle_pending_deployment(platforms: dict[str, DemoPlatform]) -> Iterator[int]:
    moodle = row_of(platforms["moodle"])
    app = platforms["moodle"].app
    with app.app_context():
        deployment = Deployment(
            platform_id=moodle.id, deployment_id=f"new-{uuid.uuid4().hex[:6]}", status="pending"
        )
        db.session.add(deployment)
        db.session.commit()
        pk = deployment.id
    yield pk
    with app.app_context():
        db.session.delete(db.session.get(Deployment, pk))
        db.session.commit()


def test_dashboard_shows_only_the_admins_own_platform(
    spec_admin: LmsAdmin, platforms: dict[str, DemoPlatform]
) -> None:
    page = spec_admin.get("/admin/").text
    assert platforms["spec"].registration.issuer in page
    for other in ("moodle", "canvas"):
        assert platforms[other].registration.issuer not in page
    for installation_only in (
        "Rotate keys",
        "Make a registration URL",
        "Add an LMS",
        "add the LMS's values here",
        "LMSs waiting for approval",
        "Recent changes",
    ):
        assert installation_only not in page
    assert "You manage your LMS's registration" in page


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/admin/platforms/{moodle}/edit"),
        ("post", "/admin/platforms/{moodle}/edit"),
        ("post", "/admin/deployments/{deployment}/approve"),
        ("post", "/admin/deployments/{deployment}/reject"),
        ("post", "/admin/platforms/{moodle}/approve"),
        ("post", "/admin/platforms/{spec}/reject"),
        ("post", "/admin/keys/rotate"),
        ("post", "/admin/invites"),
        ("get", "/admin/platforms/new"),
        ("post", "/admin/platforms/new"),
        ("post", "/admin/platforms/{spec}/disable"),
        ("post", "/admin/platforms/{moodle}/disable"),
        ("post", "/admin/platforms/{spec}/enable"),
        ("get", "/admin/platforms/{spec}/remove"),
        ("post", "/admin/platforms/{spec}/remove"),
        ("post", "/admin/platforms/{moodle}/remove"),
    ],
    ids=[
        "see-other-platform",
        "edit-other-platform",
        "approve-other-deployment",
        "reject-other-deployment",
        "approve-platform",
        "reject-own-platform",
        "rotate-keys",
        "mint-invite",
        "add-platform-form",
        "add-platform",
        "disable-own-platform",
        "disable-other-platform",
        "enable-own-platform",
        "remove-own-platform-form",
        "remove-own-platform",
        "remove-other-platform",
    ],
)
def test_lms_admin_cannot_reach_beyond_their_platform(
    spec_admin: LmsAdmin,
    platforms: dict[str, DemoPlatform],
    moodle_pending_deployment: int,
    method: str,
    path: str,
) -> None:
    app = platforms["spec"].app
    moodle, spec = row_of(platforms["moodle"]), row_of(platforms["spec"])

    def state() -> tuple:
        with app.app_context():
            return (
                db.session.scalar(sa.select(sa.func.count()).select_from(ToolKey)),
                db.session.scalar(sa.select(sa.func.count()).select_from(RegistrationInvite)),
                db.session.scalar(sa.select(sa.func.count()).select_from(Platform)),
                db.session.get(Deployment, moodle_pending_deployment).status,
                tuple(
                    (p.key_set_url, p.status, p.name)
                    for p in db.session.scalars(sa.select(Platform).order_by(Platform.id))
                ),
                db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)),
            )

    before = state()
    url = path.format(moodle=moodle.id, spec=spec.id, deployment=moodle_pending_deployment)
    form = {
        "name": "Pwned",
        "issuer": moodle.issuer,
        "client_id": moodle.client_id,
        "auth_login_url": "https://attacker.example/auth",
        "auth_token_url": "https://attacker.example/token",
        "key_set_url": "https://attacker.example/jwks",
    }
    response = spec_admin.get(url) if method == "get" else spec_admin.post(url, **form)
    assert response.status_code == 403, response.text[:500]
    assert "You do not have access to this page" in response.text
    assert "Traceback" not in response.text
    assert state() == before


def test_lms_admin_manages_their_own_platform(
    spec_admin: LmsAdmin, platforms: dict[str, DemoPlatform]
) -> None:
    spec = row_of(platforms["spec"])
    app = platforms["spec"].app
    with app.app_context():
        deployment = Deployment(
            platform_id=spec.id, deployment_id=f"new-{uuid.uuid4().hex[:6]}", status="pending"
        )
        db.session.add(deployment)
        db.session.commit()
        pk = deployment.id
    assert deployment.deployment_id in spec_admin.get("/admin/").text
    approved = spec_admin.post(f"/admin/deployments/{pk}/approve")
    assert approved.status_code == 303
    assert f"launch={spec_admin.launch_id}" in approved.headers["Location"]
    edit = spec_admin.get(f"/admin/platforms/{spec.id}/edit")
    assert edit.status_code == 200 and spec.key_set_url in edit.text
    renamed = spec_admin.post(
        f"/admin/platforms/{spec.id}/edit",
        name=spec.name,
        auth_login_url=spec.auth_login_url,
        auth_token_url=spec.auth_token_url,
        key_set_url=spec.key_set_url,
        auth_audience=spec.auth_audience or "",
    )
    assert renamed.status_code == 303
    with app.app_context():
        assert db.session.get(Deployment, pk).status == "active"
        event = db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.action == "deployment.approved")
            .order_by(AuditEvent.id.desc())
        ).first()
        assert event.actor.startswith("LMS administrator") and f"platform {spec.id}" in event.actor
        db.session.delete(db.session.get(Deployment, pk))
        db.session.commit()


def test_lms_admin_renames_their_own_platform_but_sees_no_disable_or_remove(
    spec_admin: LmsAdmin, platforms: dict[str, DemoPlatform]
) -> None:
    spec = row_of(platforms["spec"])
    page = spec_admin.get("/admin/").text
    assert "Rename or edit" in page
    assert f"/admin/platforms/{spec.id}/disable" not in page
    assert f"/admin/platforms/{spec.id}/remove" not in page
    values = {
        "auth_login_url": spec.auth_login_url,
        "auth_token_url": spec.auth_token_url,
        "key_set_url": spec.key_set_url,
        "auth_audience": spec.auth_audience or "",
    }
    try:
        renamed = spec_admin.post(
            f"/admin/platforms/{spec.id}/edit", name="Spec (renamed)", **values
        )
        assert renamed.status_code == 303
        assert "Spec (renamed)" in spec_admin.get("/admin/").text
    finally:
        spec_admin.post(f"/admin/platforms/{spec.id}/edit", name=spec.name, **values)
    assert row_of(platforms["spec"]).name == spec.name
